// Packages that install a setuid or setgid helper which the image's non-root
// processes run to do their work: mail submission, mostly. Under
// no-new-privileges the kernel ignores the setuid/setgid bit at execve
// (https://docs.kernel.org/userspace-api/no_new_privs.html), so the helper runs
// with the caller's IDs and fails where it needed the others. The modes are
// those the Debian bookworm packages ship (`dpkg -c` of each .deb, and postfix's
// postinst, on the team engine); the failure was seen on the team engine for
// postfix (debian:bookworm-slim + postfix, `su nobody -c sendmail` under
// no-new-privileges: "postdrop: warning: mail_queue_enter: create file
// maildrop/…: Permission denied", looping; queued without the option).

export interface SetidHelperPackage {
  /** Package names as apt or apk installs them (a version suffix `=1.2`, `~1.2` is stripped before the test). */
  packages: RegExp;
  /** The helper and its mode, for the message: `/usr/sbin/postdrop (setgid postdrop)`. */
  helper: string;
  /** What a non-root process loses under no-new-privileges. */
  loses: string;
  source: string;
}

export const SETID_HELPER_PACKAGES: readonly SetidHelperPackage[] = [
  {
    packages: /^postfix$/,
    helper: '/usr/sbin/postdrop and /usr/sbin/postqueue (setgid postdrop)',
    loses:
      'a non-root process that submits mail (sendmail, a Sieve redirect or vacation reply, cron mail) cannot write the maildrop queue: postdrop loops on "mail_queue_enter: create file maildrop/…: Permission denied"',
    // postfix postinst: `dpkg-statoverride --update --add root postdrop 02555 $POSTDROP` (and /usr/sbin/postqueue);
    // docker-mailserver target/scripts/startup/setup.d/mail_state.sh: the spool "permissions rely on the `postdrop`
    // binary having the SGID bit set" (docker-mailserver#3625).
    source: 'Debian bookworm postfix 3.7.11-0+deb12u1, postinst (dpkg-statoverride root postdrop 02555 /usr/sbin/postdrop)',
  },
  {
    packages: /^exim4(-daemon-(light|heavy))?$|^exim$/,
    helper: '/usr/sbin/exim4 (setuid root)',
    loses: 'a non-root process that submits mail through exim cannot write its spool or switch to the Debian-exim user',
    source: 'Debian bookworm exim4-daemon-light 4.96-15+deb12u11 (dpkg -c: -rwsr-xr-x root/root ./usr/sbin/exim4)',
  },
  {
    packages: /^sendmail(-bin)?$/,
    helper: '/usr/libexec/sendmail/sendmail (setgid mail)',
    loses: 'a non-root process that submits mail cannot write the client queue /var/spool/mqueue-client',
    source: 'Debian bookworm sendmail-bin 8.17.1.9-2+deb12u2 (dpkg -c: -rwxr-sr-x root/mail ./usr/libexec/sendmail/sendmail)',
  },
  {
    packages: /^nullmailer$/,
    helper: '/usr/sbin/nullmailer-queue (setuid mail)',
    loses: 'a non-root process that submits mail cannot write the queue, which belongs to mail',
    source: 'Debian bookworm nullmailer 1:2.2-4 (dpkg -c: -rwsr-xr-x mail/root ./usr/sbin/nullmailer-queue)',
  },
];

/** The helper package row a package name (as written in `apt-get install`, `apk add`) installs, if any. */
export function setidHelperPackage(name: string): SetidHelperPackage | undefined {
  const bare = name.replace(/[=~<>].*$/, '');
  return SETID_HELPER_PACKAGES.find((r) => r.packages.test(bare));
}
