// Which accounts an image has, and which of them owns the app: the questions
// dockerfile/non-root-user asks before it creates anyone.
//
// Accounts come from facts, each with its source: the knowledge table's row
// (an image's own user, e.g. node 1000), the distro's base accounts (Debian's
// base-passwd, Alpine's baselayout), and the image's whole /etc/passwd when
// inspection has read it (ImageFacts.passwd). Only that last one is complete;
// without it a user the tool creates gets a guard in the shell command that
// reuses whoever already holds the UID.
import type { DfInstruction } from './parse/dockerfile.js';
import type { Distro, ImageUser } from './knowledge/images.js';
import { chainInstructions, expandWord, isRootUser, runCommands, runScript, variableScopes, type CreatedUser, type StageBase } from './dockerfile-info.js';

export interface Account extends ImageUser {
  /** Where the account is known from: an upstream URL, or `inspection`. */
  source: string;
}

export interface BaseAccounts {
  accounts: Account[];
  /** The list is the base's whole /etc/passwd: a UID not in it is free. */
  complete: boolean;
}

const acct = (name: string, uid: number, gid = uid): ImageUser => ({ name, uid, gid });

/** Debian and Ubuntu: base-passwd's fixed accounts (debian:bookworm-slim's /etc/passwd). */
const BASE_PASSWD = {
  source: 'https://salsa.debian.org/debian/base-passwd/-/blob/master/passwd.master',
  users: [
    acct('daemon', 1), acct('bin', 2), acct('sys', 3), acct('sync', 4, 65534), acct('games', 5, 60), acct('man', 6, 12),
    acct('lp', 7), acct('mail', 8), acct('news', 9), acct('uucp', 10), acct('proxy', 13), acct('www-data', 33),
    acct('backup', 34), acct('list', 38), acct('irc', 39), acct('_apt', 42, 65534), acct('nobody', 65534),
  ],
};

/** Accounts every image of a distro family has; the knowledge table adds an image's own. */
const DISTRO_ACCOUNTS: Partial<Record<Distro, { source: string; users: ImageUser[] }>> = {
  debian: BASE_PASSWD,
  ubuntu: BASE_PASSWD,
  alpine: {
    source: 'https://gitlab.alpinelinux.org/alpine/aports/-/blob/master/main/alpine-baselayout/passwd',
    users: [acct('guest', 405, 100), acct('nobody', 65534)],
  },
  rhel: { source: 'https://github.com/rhinstaller/setup (uidgid)', users: [acct('nobody', 65534)] },
  'rhel-minimal': { source: 'https://github.com/rhinstaller/setup (uidgid)', users: [acct('nobody', 65534)] },
};

/**
 * Every account name a distro's own base can hold, where its whole /etc/passwd is known from upstream: what
 * missingAccount compares a name with (it never feeds UID choices). Debian and Ubuntu: base-passwd's accounts
 * (BASE_PASSWD; Ubuntu's user `ubuntu` comes from the row's existingUser, gnats from OLDER_BASE_PASSWD). Alpine:
 * alpine-baselayout's passwd, the union of its versions read (man, at and postgres 70 were in it before they were
 * dropped), so an older tag's account is never called missing.
 */
const DISTRO_ACCOUNT_NAMES: Partial<Record<Distro, { source: string; names: string[] }>> = {
  debian: { source: BASE_PASSWD.source, names: BASE_PASSWD.users.map((u) => u.name) },
  ubuntu: { source: BASE_PASSWD.source, names: BASE_PASSWD.users.map((u) => u.name) },
  alpine: {
    source: 'https://gitlab.alpinelinux.org/alpine/aports/-/blob/master/main/alpine-baselayout/passwd',
    names: [
      'bin', 'daemon', 'adm', 'lp', 'sync', 'shutdown', 'halt', 'mail', 'news', 'uucp', 'operator', 'man', 'postmaster', 'cron',
      'ftp', 'sshd', 'at', 'squid', 'xfs', 'games', 'postgres', 'cyrus', 'vpopmail', 'ntp', 'smmsp', 'guest', 'nobody',
    ],
  },
};

/** The accounts the stage's base image is known to have. */
export function baseAccounts(base: StageBase): BaseAccounts {
  const facts = base.facts;
  if (facts?.passwd) return { accounts: facts.passwd.map((u) => ({ ...u, source: 'inspection' })), complete: true };
  const out: Account[] = [];
  if (facts?.existingUser) out.push({ ...facts.existingUser, source: facts.source });
  const distro = base.distro ? DISTRO_ACCOUNTS[base.distro] : undefined;
  for (const u of distro?.users ?? []) if (!out.some((a) => a.name === u.name || a.uid === u.uid)) out.push({ ...u, source: distro!.source });
  return { accounts: out, complete: false };
}

/** A user or group as `chown`, `COPY --chown` and `USER` write it: `svc`, `1000`, `svc:svc`, `1000:1000`. */
export interface OwnerRef {
  user: string;
  group?: string;
  /** The instruction that names it, and how, for findings. */
  instruction: DfInstruction;
  how: string;
}

/**
 * Who the build makes the owner of the app's files: the last `COPY --chown=` or
 * `chown [-R] OWNER[:GROUP] path` in the image's stages, when it is not root.
 * Build variables are expanded; an owner that stays a variable is not evidence.
 */
export function appOwner(chain: StageBase['chain'], escape: string, globalArgs?: Map<string, string | undefined>): OwnerRef | undefined {
  let found: OwnerRef | undefined;
  const scopes = variableScopes(chain, globalArgs);
  const take = (spec: string, ins: DfInstruction, how: string) => {
    const [user, group] = spec.split(':');
    if (!user || isRootUser(user) || user.includes('$') || (group ?? '').includes('$')) return;
    found = { user, group: group || undefined, instruction: ins, how };
  };
  for (const ins of chainInstructions(chain)) {
    const scope = scopes.get(ins);
    if (ins.keyword === 'COPY' || ins.keyword === 'ADD') {
      const chown = ins.flags.find((f) => f.name === 'chown')?.value;
      if (chown) take(expandWord(chown, scope), ins, `${ins.keyword} --chown=${chown}`);
      continue;
    }
    if (ins.keyword !== 'RUN') continue;
    for (const words of runCommands(ins, escape)) {
      if (words[0] !== 'chown') continue;
      const operands = words.slice(1).filter((w) => !w.startsWith('-'));
      if (operands.length < 2 || words.some((w) => w.startsWith('--reference'))) continue;
      take(expandWord(operands[0]!, scope), ins, `chown ${words.slice(1).join(' ')}`);
    }
  }
  return found;
}

/** Every `chown OWNER[:GROUP] path...` of the chain's RUN lines, with `-R` noted (variables expanded). */
export function chownsIn(chain: StageBase['chain'], escape: string, globalArgs?: Map<string, string | undefined>): { user: string; paths: string[]; recursive: boolean }[] {
  const out: { user: string; paths: string[]; recursive: boolean }[] = [];
  const scopes = variableScopes(chain, globalArgs);
  for (const ins of chainInstructions(chain)) {
    if (ins.keyword !== 'RUN') continue;
    for (const words of runCommands(ins, escape)) {
      if (words[0] !== 'chown') continue;
      const operands = words.slice(1).filter((w) => !w.startsWith('-')).map((w) => expandWord(w, scopes.get(ins)));
      if (operands.length < 2) continue;
      const recursive = words.some((w) => w === '-R' || w === '--recursive' || /^-[a-zA-Z]*R/.test(w));
      out.push({ user: operands[0]!.split(':')[0]!, paths: operands.slice(1).map((p) => p.replace(/(.)\/$/, '$1')), recursive });
    }
  }
  return out;
}

export interface FoundAccount {
  name: string;
  uid?: number;
  gid?: number;
  /** `dockerfile` (a RUN creates it), else the base account's source. */
  from: string;
}

/** The account a USER/chown reference names, among the users the Dockerfile creates (the latest first) and the base's. */
export function findAccount(ref: string, created: CreatedUser[], base: BaseAccounts): FoundAccount | undefined {
  const numeric = /^\d+$/.test(ref) ? Number(ref) : undefined;
  const c = [...created].reverse().find((u) => (numeric === undefined ? u.name === ref : u.uid === numeric));
  if (c) return { name: c.name, uid: c.uid, gid: c.gid, from: 'dockerfile' };
  const a = base.accounts.find((u) => (numeric === undefined ? u.name === ref : u.uid === numeric));
  if (a) return { name: a.name, uid: a.uid, gid: a.gid, from: a.source };
  return undefined;
}

/** Debian releases before bookworm also had `gnats` (41): a name that may be there on an older tag is never called missing. */
const OLDER_BASE_PASSWD = new Set(['gnats']);
/** Tools that add accounts the model does not read: package scripts (`adduser --system postgres` in a postinst), account files. */
const PACKAGE_MANAGERS = new Set(['apt-get', 'apt', 'aptitude', 'apk', 'dnf', 'yum', 'microdnf', 'zypper', 'dpkg', 'rpm', 'pacman', 'emerge', 'tdnf']);
const SHELLS = new Set(['sh', 'bash', 'ash', 'dash', 'zsh', 'source', '.']);
const ACCOUNT_TOOLS = new Set(['useradd', 'adduser', 'groupadd', 'addgroup', 'usermod', 'newusers', 'systemd-sysusers', 'vipw']);

/** Where the stage's base account names all come from, when the list is whole (inspection, or a row that says so). */
export function accountNamesSource(base: StageBase): string | undefined {
  const facts = base.facts;
  if (!facts || base.builtFrom || facts.uncertain) return undefined;
  if (facts.passwd) return 'inspection';
  const distro = base.distro ? DISTRO_ACCOUNT_NAMES[base.distro] : undefined;
  if (facts.accountsKnown && distro) return `${facts.source}; ${distro.source}`;
  return undefined;
}

/** A run step that may add an account the model cannot see: a package install, a script, a write to the account files. */
function mayAddAccounts(words: readonly string[], text: string): boolean {
  let argv = words;
  while (argv.length && ['sudo', 'env', 'command', 'exec', 'nice', 'nohup', 'xargs'].includes(argv[0]!)) argv = argv.slice(1);
  const tool = argv[0] ?? '';
  if (PACKAGE_MANAGERS.has(tool) || tool === 'make') return true;
  if (tool.includes('/') || tool.endsWith('.sh') || tool.includes('$')) return true;
  if (SHELLS.has(tool) && !argv.slice(1).includes('-c')) return true;
  if (ACCOUNT_TOOLS.has(tool) && (argv.some((w) => w.includes('$')) || tool === 'usermod' || tool === 'newusers' || tool === 'systemd-sysusers' || tool === 'vipw')) return true;
  return /\/etc\/(passwd|group)\b/.test(text);
}

export interface MissingAccount {
  name: string;
  instruction: DfInstruction;
  /** `COPY --chown=app:app`, `chown app /x`, `USER app`. */
  how: string;
  /** Where the base's accounts are known from. */
  source: string;
}

/**
 * A user name the build gives files to (`COPY --chown=app`, `chown app …`) or switches to (`USER app`) that the base
 * cannot have and the Dockerfile does not create: the build fails at that line (docker build: "unable to find user
 * app"; chown: "invalid user"). Only said where the base's names are all known (accountNamesSource) and nothing before
 * that line may add an account unseen (a package install, a script, an account file copied in).
 */
export function missingAccount(base: StageBase, created: readonly CreatedUser[], escape: string, globalArgs?: Map<string, string | undefined>): MissingAccount | undefined {
  const source = accountNamesSource(base);
  if (!source) return undefined;
  const known = new Set([
    ...baseAccounts(base).accounts.map((a) => a.name),
    ...(base.distro ? DISTRO_ACCOUNT_NAMES[base.distro]?.names ?? [] : []),
    ...created.map((u) => u.name),
    ...OLDER_BASE_PASSWD,
    'root',
  ]);
  const scopes = variableScopes(base.chain, globalArgs);
  const check = (spec: string, ins: DfInstruction, how: string): MissingAccount | undefined => {
    const name = spec.split(':')[0] ?? '';
    if (!name || name.includes('$') || /^\d+$/.test(name) || known.has(name)) return undefined;
    return { name, instruction: ins, how, source };
  };
  for (const ins of chainInstructions(base.chain)) {
    const scope = scopes.get(ins);
    if (ins.keyword === 'COPY' || ins.keyword === 'ADD') {
      const dest = ins.args[ins.args.length - 1] ?? '';
      // A root filesystem or account file copied in (`COPY rootfs/ /`, `COPY passwd /etc/passwd`) may bring accounts.
      if (/^\/+$|^\/+etc(\/|$)/.test(expandWord(dest, scope))) return undefined;
      const chown = ins.flags.find((f) => f.name === 'chown')?.value;
      const found = chown ? check(expandWord(chown, scope), ins, `${ins.keyword} --chown=${chown}`) : undefined;
      if (found) return found;
      continue;
    }
    if (ins.keyword === 'USER') {
      const found = ins.args[0] ? check(expandWord(ins.args[0], scope), ins, `USER ${ins.args[0]}`) : undefined;
      if (found) return found;
      continue;
    }
    if (ins.keyword !== 'RUN') continue;
    const text = runScript(ins, escape);
    // Any word of an account command counts as a name it makes, whatever its options (never call a made user missing).
    for (const words of runCommands(ins, escape)) if (ACCOUNT_TOOLS.has(words[0]!)) for (const w of words.slice(1)) known.add(expandWord(w, scope));
    for (const words of runCommands(ins, escape)) {
      if (mayAddAccounts(words, text)) return undefined;
      if (words[0] !== 'chown') continue;
      const operands = words.slice(1).filter((w) => !w.startsWith('-'));
      if (operands.length < 2 || words.some((w) => w.startsWith('--reference'))) continue;
      const found = check(expandWord(operands[0]!, scope), ins, `chown ${words.slice(1).join(' ')}`);
      if (found) return found;
    }
  }
  return undefined;
}
