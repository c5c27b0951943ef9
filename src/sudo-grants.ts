// sudo grants an image's build writes (`echo "app ALL=(ALL) NOPASSWD: /bin/chown" >> /etc/sudoers`) and the groups
// its users join, so a check can ask whether the user a service runs as may step up to root with sudo without a
// password. Such a grant is how the image means its user to do something as root (freqtrade's ftuser: `sudo chown` of
// user_data, which its docs give), and no-new-privileges stops it: sudo is a setuid-root program, the kernel ignores
// the setuid bit under the flag, and sudo refuses ("The "no new privileges" flag is set, which prevents sudo from
// running as root", sudo 1.9.13 on the team engine).
import type { DfInstruction, DfStage } from './parse/dockerfile.js';
import { chainInstructions, expandWord, runCommands, runScript, usersCreatedIn, variableScopes, type StageBase } from './dockerfile-info.js';

export interface SudoGrant {
  /** Who the rule names, variables expanded: `app`, `%sudo`, `#1000`, `ALL`. */
  principals: string[];
  /** The rule as written (`app ALL=(ALL) NOPASSWD: /bin/chown`). */
  rule: string;
  /** What it lets them run without a password (`/bin/chown`, `ALL`). */
  commands: string;
  /** The RUN or COPY that writes it (in this Dockerfile or the one of a parent image built here). */
  instruction: DfInstruction;
}

/**
 * A sudoers rule (sudoers(5): `User_List Host_List = (Runas_List) Tag_Spec: Cmnd_List`) that holds NOPASSWD: a rule
 * that asks for a password cannot be used by a start or a `docker exec` (no password is set, no terminal gives one), so
 * only these are grants a container relies on. The user list is one word or a comma list; tags other than NOPASSWD
 * (SETENV:) may come before it.
 */
const NOPASSWD_RULE = /^\s*(?:echo\s+(?:-[ne]+\s+)?)?((?:[%#+]?[\w.${}-]+|ALL)(?:\s*,\s*(?:[%#+]?[\w.${}-]+|ALL))*)\s+[\w.,-]+\s*=\s*(?:\([^)]*\)\s*)?(?:[A-Z_]+\s*:\s*)*?NOPASSWD\s*:\s*(?:[A-Z_]+\s*:\s*)*([^\n]*?)\s*$/;

/** The NOPASSWD sudoers rules RUN lines (echo, printf, tee, a heredoc) and COPY heredocs of the chain write into /etc/sudoers or /etc/sudoers.d. */
function grantsInChain(chain: DfStage[], escape: string, globalArgs?: Map<string, string | undefined>): SudoGrant[] {
  const out: SudoGrant[] = [];
  let scopes: ReadonlyMap<DfInstruction, ReadonlyMap<string, string | undefined>> | undefined;
  for (const ins of chainInstructions(chain)) {
    if (ins.keyword !== 'RUN' && ins.keyword !== 'COPY' && ins.keyword !== 'ADD') continue;
    if (!ins.raw.includes('/etc/sudoers') || !ins.raw.includes('NOPASSWD')) continue;
    // A COPY holds a rule only in a heredoc (`COPY <<EOF /etc/sudoers.d/app`); a copied file's text is not read here.
    if (ins.keyword !== 'RUN' && !ins.heredocs.length) continue;
    const text = ins.keyword === 'RUN' ? runScript(ins, escape) : ins.raw;
    scopes ??= variableScopes(chain, globalArgs);
    const scope = scopes.get(ins);
    // A rule sits in quotes (echo "…"), on a heredoc line, or after `\n` in an `echo -e`/printf string.
    for (const piece of text.split(/["'\n]|\\n/)) {
      if (!piece.includes('NOPASSWD')) continue;
      const m = NOPASSWD_RULE.exec(piece.replace(/\s*(?:>>?|\|)\s*\S*$/, ''));
      if (!m) continue;
      const principals = m[1]!.split(/\s*,\s*/).map((p) => expandWord(p, scope));
      out.push({ principals, rule: piece.trim(), commands: m[2]!.trim() || 'ALL', instruction: ins });
    }
  }
  return out;
}

/**
 * The groups each user joins in the chain: `useradd -G sudo,docker app`, `usermod -aG sudo app`,
 * `adduser app sudo` / BusyBox `addgroup app wheel`, `gpasswd -a app sudo`.
 */
function memberships(chain: DfStage[], escape: string, globalArgs?: Map<string, string | undefined>): Map<string, Set<string>> {
  const groups = new Map<string, Set<string>>();
  const join = (user: string | undefined, list: string | undefined) => {
    if (!user || !list) return;
    const set = groups.get(user) ?? new Set<string>();
    for (const g of list.split(',')) if (g) set.add(g);
    groups.set(user, set);
  };
  let scopes: ReadonlyMap<DfInstruction, ReadonlyMap<string, string | undefined>> | undefined;
  for (const ins of chainInstructions(chain)) {
    if (ins.keyword !== 'RUN') continue;
    for (const words of runCommands(ins, escape)) {
      const tool = words[0];
      if (tool !== 'useradd' && tool !== 'adduser' && tool !== 'usermod' && tool !== 'addgroup' && tool !== 'gpasswd') continue;
      scopes ??= variableScopes(chain, globalArgs);
      const argv = words.map((w) => expandWord(w, scopes!.get(ins)));
      const positional: string[] = [];
      let list: string | undefined;
      let gpasswdAdd: string | undefined;
      for (let i = 1; i < argv.length; i++) {
        const a = argv[i]!;
        if (a === '-G' || a === '--groups' || a === '-aG') list = argv[++i];
        else if (a.startsWith('--groups=')) list = a.slice('--groups='.length);
        else if (tool === 'gpasswd' && (a === '-a' || a === '--add')) gpasswdAdd = argv[++i];
        else if (/^-[A-Za-z]*$/.test(a) || a.startsWith('--')) {
          // Options of these tools that take a value (useradd(8), usermod(8), adduser(8)): skip the value.
          if (/^(-[ugdsckefpRPbZh]|--(uid|gid|home|home-dir|shell|comment|gecos|ingroup|skel|expiredate|inactive|password|root|prefix|base-dir))$/.test(a)) i++;
        } else positional.push(a);
      }
      if (tool === 'gpasswd') join(gpasswdAdd, positional[0]);
      else if ((tool === 'adduser' || tool === 'addgroup') && positional.length === 2) join(positional[0], positional[1]);
      else join(positional[positional.length - 1], list);
    }
  }
  return groups;
}

/** The chains of a base: its own and, where it starts FROM an image this repository builds, that build's (each with its file's escape). */
function chainsOf(base: StageBase, escape: string): { chain: DfStage[]; escape: string; globalArgs?: Map<string, string | undefined> }[] {
  const own = { chain: base.chain, escape, globalArgs: base.globalArgs };
  const parent = base.builtFrom;
  if (!parent) return [own];
  return [...chainsOf(parent.base, parent.parent.dockerfile.parsed.escape), own];
}

/**
 * The NOPASSWD sudo grant that covers `user` (as a service runs it: `ftuser`, `1000`, `1000:1000`) in the image this
 * base builds: a rule naming the user, its UID (`#1000`), a group the build puts it in (`%sudo`), or ALL. Undefined
 * for root (sudo as root needs no step up, and no-new-privileges leaves root's sudo working) or a user not known.
 */
export function sudoGrantFor(base: StageBase, escape: string, user: string): SudoGrant | undefined {
  const name = user.split(':')[0]!.trim();
  if (!name || name.includes('$') || name === 'root' || name === '0') return undefined;
  const chains = chainsOf(base, escape);
  const grants = chains.flatMap((c) => grantsInChain(c.chain, c.escape, c.globalArgs));
  if (!grants.length) return undefined;
  // The user's name and UID, from the useradd that made it (a USER may name either).
  const created = chains.flatMap((c) => usersCreatedIn(c.chain, c.escape, { globalArgs: c.globalArgs }));
  const made = created.find((u) => u.name === name || (u.uid !== undefined && String(u.uid) === name));
  const names = new Set([name, ...(made ? [made.name] : [])]);
  const uids = new Set([...(/^\d+$/.test(name) ? [name] : []), ...(made?.uid !== undefined ? [String(made.uid)] : [])]);
  const joined = new Set<string>();
  for (const c of chains) for (const [u, gs] of memberships(c.chain, c.escape, c.globalArgs)) if (names.has(u)) for (const g of gs) joined.add(g);
  return grants.find((g) =>
    g.principals.some((p) => p === 'ALL' || names.has(p) || (p.startsWith('#') && uids.has(p.slice(1))) || (p.startsWith('%') && joined.has(p.slice(1)))),
  );
}
