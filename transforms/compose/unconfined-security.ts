// compose/unconfined-security: `security_opt` entries that switch off one of
// the engine's default confinements (`seccomp=unconfined` or `seccomp:unconfined`,
// `apparmor=unconfined`, `label=disable`, `systempaths=unconfined`) are somebody's decision
// (cadvisor, a debugger, a VPN client asked for it), so they are kept and reported, never
// changed. The hardening other transforms add (cap_drop, no-new-privileges, read_only) does
// not make up for them: without the default seccomp profile every system call the
// capabilities allow is open to the process (keyctl, userfaultfd, bpf, …), and without
// AppArmor's docker-default profile the writes it denies under /proc and /sys are allowed.
// `privileged: true` is reported by compose/cap-drop, read-only and no-new-privileges.
import type { Transform } from '../../src/transform.js';
import type { Finding } from '../../src/types.js';
import { serviceNote, stringList } from '../../src/compose-service.js';

const ID = 'compose/unconfined-security';
/** CIS Docker Benchmark v1.6.0: 5.22 "Ensure that the default seccomp profile is not Disabled". */
const CIS_SECCOMP = '5.22';

export const unconfinedSecurity: Transform = {
  meta: {
    id: ID,
    description: 'Report security_opt entries that turn off seccomp, AppArmor, SELinux labels or the masked /proc paths; they are kept as written',
    appliesTo: ['compose'],
    fixable: false,
    cis: CIS_SECCOMP,
    peers: ['semgrep seccomp-confinement-disabled', 'semgrep selinux-separation-disabled'],
    help:
      'Docker confines every container with a seccomp profile, an AppArmor profile (where the host has AppArmor), SELinux labels ' +
      '(where the daemon enables them) and masked /proc paths. security_opt: [seccomp=unconfined] and the like switch one of ' +
      'them off for the service; cap_drop, no-new-privileges and read_only do not replace them. Such an entry is kept and reported.',
  },
  run(ctx) {
    const out: Finding[] = [];
    for (const s of ctx.project.services) {
      if (s.leftAlone) continue;
      for (const opt of stringList(s, 'security_opt')) {
        const off = unconfined(opt);
        if (!off) continue;
        // Reported where it is written: a partial override that only inherits it says nothing new.
        if (s.base && stringList(s.base, 'security_opt').includes(opt)) continue;
        out.push({ ...serviceNote(ID, off.cis, s, `security_opt ${opt.trim()} ${off.what}; kept`, off.manual), key: `${ID}:${s.id}:${opt.trim()}` });
      }
    }
    return out;
  },
};

/**
 * What an entry switches off (Docker accepts `=` and, deprecated, `:` as the separator:
 * https://docs.docker.com/reference/cli/docker/container/run/#security-opt), with the CIS Docker Benchmark v1.6.0
 * control: 5.2 AppArmor, 5.3 SELinux, 5.22 seccomp; the masked paths (`systempaths=unconfined`) come with the
 * default confinement of 5.5's privileged containers, whose masks it lifts.
 */
function unconfined(opt: string): { cis: string; what: string; manual: string } | undefined {
  const m = /^\s*(seccomp|apparmor|label|systempaths)\s*[:=]\s*(\S+?)\s*$/i.exec(opt);
  if (!m) return undefined;
  const kind = m[1]!.toLowerCase();
  const value = m[2]!.toLowerCase();
  if (kind === 'seccomp' && value === 'unconfined') {
    return {
      cis: CIS_SECCOMP,
      what: "turns off Docker's default seccomp profile: every system call its capabilities allow is open to it (cap_drop and no-new-privileges do not restore the filter)",
      manual:
        'Remove it, or, if the service does need a call the default profile blocks, copy the default profile (moby profiles/seccomp/default.json), allow only that call, and set security_opt: ["seccomp=/path/to/profile.json"].',
    };
  }
  if (kind === 'apparmor' && value === 'unconfined') {
    return {
      cis: '5.2',
      what: 'runs it without the docker-default AppArmor profile, which denies writes under /proc and /sys and mounts',
      manual: 'Remove it, or write an AppArmor profile that allows only what the service needs, load it on the host, and set security_opt: ["apparmor=<profile>"].',
    };
  }
  if (kind === 'label' && value === 'disable') {
    return {
      cis: '5.3',
      what: 'turns off SELinux labelling for the container: on a host that enforces SELinux it is no longer confined to its own files',
      manual: 'Remove it; for a bind mount the container must write, relabel the mount (`:z` or `:Z`) instead.',
    };
  }
  if (kind === 'systempaths' && value === 'unconfined') {
    return {
      cis: '5.5',
      what: 'unmasks the /proc and /sys paths Docker hides from containers (/proc/kcore, /proc/keys, /sys/firmware, …), as privileged: true does',
      manual: 'Remove it unless the service must read those paths (a nested container runtime), and keep that service apart.',
    };
  }
  return undefined;
}

