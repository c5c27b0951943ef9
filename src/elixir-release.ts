// What an Elixir `mix release` writes when it starts: its bin script (Elixir's release template,
// https://github.com/elixir-lang/elixir/blob/main/lib/mix/lib/mix/tasks/release.init.ex) sets
// `RELEASE_TMP="${RELEASE_TMP:-"$RELEASE_ROOT/tmp"}"`, and
//
//   - `start`, `start_iex` and `eval` run export_release_sys_config: when the release's sys.config says
//     `RUNTIME_CONFIG=true`, it runs `mkdir -p "$RELEASE_TMP"` and writes a copy of sys.config there, and stops with
//     "Cannot start release because it could not write ..." when it cannot;
//   - `daemon` and `daemon_iex` always pipe the node's console and log to `$RELEASE_TMP/pipe` and `$RELEASE_TMP/log`.
//
// sys.config says `RUNTIME_CONFIG=true` only when the release reboots after its runtime configuration
// (Mix.Release.make_sys_config writes `reboot?`, lib/mix/lib/mix/release.ex): the release option
// `:reboot_system_after_config`, which "Defaults to `true` if using the deprecated `config/releases.exs`, `false`
// otherwise" (Mix.Tasks.Release docs; config/runtime.exs wins over releases.exs when both exist). Since Elixir 1.11 a
// release with config/runtime.exs alone starts without writing (elixir-lang/elixir#12147, a release started from a
// read-only folder). So a release started as a non-root user, or under a read-only root file system, needs RELEASE_TMP
// writable only then; the tool says nothing where the repository gives no such evidence.
// Checked on the team engine (2026-12-04, debian:bookworm-slim with Debian's elixir 1.14.0 and OTP 24, `mix release` of
// a `mix new --sup` project): with config/releases.exs sys.config said RUNTIME_CONFIG=true and `bin/shop start` and
// `eval` as 1000:1000 (release root's) stopped "mkdir: cannot create directory '/opt/a/tmp': Permission denied / ERROR:
// Cannot start release because it could not write ...runtime.config", under --read-only "Read-only file system"; it ran
// with tmp/ chowned to 1000 or a tmpfs there (uid=1000, cap_drop ALL, no-new-privileges). With config/runtime.exs alone
// RUNTIME_CONFIG=false and `start` ran as 1000 under --read-only; `daemon` failed the same mkdir.
//
// The release is found from the image's start: `<root>/bin/<name> start` (the release's own script), or a script the
// release's overlays put in `<root>/bin/` (phx.gen.release's `bin/server`: `exec ./<name> start`), read from the mix
// project's `rel/overlays/bin/` (or `<rel_templates_path>/overlays/bin/`). The mix project is the build context of a
// Dockerfile whose RUN builds the release (`mix release`, `mix do compile, release`).
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { isFile } from './read.js';
import { commandsOf, unwrap, type FrameworkStartText } from './framework-starts.js';
import type { StartWrite } from './start-scripts.js';
import type { DockerfileSource, Project } from './model.js';
import { PassMemo } from './pass-memo.js';

/** The bin script's commands that write RELEASE_TMP: always (`daemon*`), or with a runtime config that reboots. */
const ALWAYS = new Set(['daemon', 'daemon_iex']);
const WITH_RUNTIME_CONFIG = new Set(['start', 'start_iex', 'eval']);
/** A RUN that assembles a release: `mix release`, `mix release app --path /opt/built`, `mix do compile + assets.setup + release livebook`. */
const MIX_RELEASE = /\bmix\s+(release\b|do\b[^;&|\n]*[\s,+]release\b)/;

/** What the mix project that builds the image's release says about what the release writes at start. */
export interface MixRelease {
  /** Folder of mix.exs on the host. */
  dir: string;
  /** mix.exs as written. */
  mixExs: string;
  /** Whether sys.config says RUNTIME_CONFIG=true (undefined: mix.exs sets the option to something not a literal). */
  runtimeConfig: boolean | undefined;
  /** Why, for findings. */
  why: string;
  /** A RELEASE_TMP the release's env.sh.eex sets: its value (undefined when it sets one the tool cannot read). */
  envTmp?: { value?: string; where: string };
  /** Folder of the release's templates (rel_templates_path, `rel` by default), relative to dir. */
  templates: string;
}

const memo = new PassMemo<DockerfileSource, MixRelease | null>();

/** The mix project a Dockerfile builds a release of: its build context holds mix.exs and a RUN runs `mix release`. */
export function mixReleaseOf(project: Project, df: DockerfileSource): MixRelease | undefined {
  return memo.get(df, () => readMixRelease(project, df) ?? null) ?? undefined;
}

function readMixRelease(project: Project, df: DockerfileSource): MixRelease | undefined {
  if (!df.parsed.instructions.some((i) => i.keyword === 'RUN' && MIX_RELEASE.test(i.raw.replace(/\\\r?\n/g, ' ')))) return undefined;
  for (const dir of project.contexts.get(df.path) ?? [path.dirname(df.path)]) {
    const mixExs = read(path.join(dir, 'mix.exs'));
    if (mixExs === undefined) continue;
    const code = mixExs.replace(/#.*$/gm, '');
    const runtime = isFile(path.join(dir, 'config', 'runtime.exs'));
    const releases = isFile(path.join(dir, 'config', 'releases.exs'));
    const option = /\breboot_system_after_config:\s*([^\s,\]]+)/.exec(code)?.[1];
    const providers = /\bconfig_providers:/.test(code);
    let runtimeConfig: boolean | undefined;
    let why: string;
    if (!runtime && !releases && !providers) {
      runtimeConfig = false;
      why = 'no runtime configuration';
    } else if (option === 'true' || option === 'false') {
      runtimeConfig = option === 'true';
      why = `mix.exs sets reboot_system_after_config: ${option}`;
    } else if (option !== undefined) {
      runtimeConfig = undefined;
      why = `mix.exs sets reboot_system_after_config: ${option}`;
    } else {
      // The default: true with the deprecated config/releases.exs alone, false with config/runtime.exs (which wins).
      runtimeConfig = !runtime && releases;
      why = runtime ? 'config/runtime.exs, reboot_system_after_config false by default' : releases ? 'config/releases.exs, which reboots after configuration by default' : 'config_providers without reboot_system_after_config';
    }
    const templates = /\brel_templates_path:\s*"([^"#{}]+)"/.exec(code)?.[1]?.replace(/\/+$/, '') ?? 'rel';
    const envFile = path.join(dir, templates, 'env.sh.eex');
    const env = read(envFile);
    let envTmp: MixRelease['envTmp'];
    if (env !== undefined) {
      const m = /^\s*(?:export\s+)?RELEASE_TMP=(\S*)/m.exec(env.replace(/^\s*#.*$/gm, ''));
      if (m) {
        const value = m[1]!.replace(/^(["'])(.*)\1$/, '$2');
        envTmp = { ...(value.startsWith('/') && !/[$`]/.test(value) ? { value } : {}), where: path.posix.join(templates, 'env.sh.eex') };
      }
    }
    return { dir, mixExs: code, runtimeConfig, why, templates, ...(envTmp ? { envTmp } : {}) };
  }
  return undefined;
}

function read(p: string): string | undefined {
  try {
    return readFileSync(p, 'utf8').replace(/\r\n/g, '\n');
  } catch {
    return undefined;
  }
}

/** Whether mix.exs names a release (or the app, the default release's name) `name`. */
function namesRelease(release: MixRelease, name: string): boolean {
  const n = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`\\bapp:\\s*:${n}\\b|(^|[\\s\\[,])${n}:\\s*\\[`, 'm').test(release.mixExs);
}

/** The release's bin script a command runs (`/app/bin/teslamate start`): the release root, its name and the command. */
function releaseCommand(argv: string[], cwd: string, release: MixRelease): { root: string; name: string; sub: string } | undefined {
  const script = argv[0] ?? '';
  const sub = argv[1] ?? '';
  if (script.includes('$') || !(ALWAYS.has(sub) || WITH_RUNTIME_CONFIG.has(sub))) return undefined;
  const full = path.posix.resolve(cwd, script);
  if (path.posix.basename(path.posix.dirname(full)) !== 'bin') return undefined;
  const name = path.posix.basename(full);
  if (!namesRelease(release, name)) return undefined;
  return { root: path.posix.dirname(path.posix.dirname(full)), name, sub };
}

/** A script the release's overlays put in its bin/ (phx.gen.release's `bin/server`), read from the mix project. */
function overlayCommand(argv: string[], cwd: string, release: MixRelease): { root: string; name: string; sub: string; via: string } | undefined {
  const script = argv[0] ?? '';
  if (script.includes('$')) return undefined;
  const full = path.posix.resolve(cwd, script);
  if (path.posix.basename(path.posix.dirname(full)) !== 'bin') return undefined;
  const rel = path.posix.join(release.templates, 'overlays', 'bin', path.posix.basename(full));
  const text = read(path.join(release.dir, ...rel.split('/')));
  if (text === undefined) return undefined;
  // The overlay runs from its own folder (`cd -P -- "$(dirname -- "$0")"`): `./<name> start`, or by the release root.
  for (const { words } of commandsOf(text)) {
    for (const inner of unwrap(words)) {
      const c = releaseCommand(inner.map((w) => w.replace(/^"?\$(\{RELEASE_ROOT\}|RELEASE_ROOT)"?\/bin\//, '../bin/')), path.posix.dirname(full), release);
      if (c) return { ...c, via: rel };
    }
  }
  return undefined;
}

/** The RELEASE_TMP folder a release started by the image's start commands writes, with why; none where it writes nothing or where is not known. */
export function releaseStartWrites(texts: readonly FrameworkStartText[], workdir: string, vars: ReadonlyMap<string, string | undefined>, release: MixRelease | undefined): StartWrite[] {
  if (!release) return [];
  const out: StartWrite[] = [];
  for (const t of texts) {
    let cwd: string | undefined = workdir;
    for (const { words, line } of commandsOf(t.text.replace(/\r\n/g, '\n'))) {
      const at = t.numbered ? `${t.where} line ${line}` : t.where;
      for (const argv of unwrap(words)) {
        if (path.posix.basename(argv[0] ?? '') === 'cd') {
          const dir = argv[1];
          cwd = dir === undefined || dir.includes('$') || (!dir.startsWith('/') && cwd === undefined) ? undefined : path.posix.resolve(cwd ?? '/', dir);
          continue;
        }
        if (cwd === undefined) continue;
        const c = releaseCommand(argv, cwd, release) ?? overlayCommand(argv, cwd, release);
        if (!c) continue;
        const always = ALWAYS.has(c.sub);
        if (!always && release.runtimeConfig !== true) continue;
        const tmp = releaseTmp(c.root, vars, release);
        if (!tmp || out.some((o) => o.path === tmp.path)) continue;
        const runs = `${'via' in c ? `${c.via} (` : ''}bin/${c.name} ${c.sub}${'via' in c ? ')' : ''}`;
        const what = always ? `pipes the node's console and log into RELEASE_TMP (${tmp.where})` : `writes a copy of its sys.config into RELEASE_TMP (${tmp.where}) at every start, and does not start when it cannot (${release.why})`;
        out.push({ path: tmp.path, kind: 'dir', how: `the Elixir release's ${runs} ${what} (${at})` });
      }
    }
  }
  return out;
}

/** RELEASE_TMP: the container's environment, else the release's env.sh.eex, else `<root>/tmp`; undefined when set to what the tool cannot read. */
function releaseTmp(root: string, vars: ReadonlyMap<string, string | undefined>, release: MixRelease): { path: string; where: string } | undefined {
  if (vars.has('RELEASE_TMP')) {
    const v = vars.get('RELEASE_TMP');
    return v && v.startsWith('/') && !/[$`]/.test(v) ? { path: path.posix.normalize(v), where: 'RELEASE_TMP set in the environment' } : undefined;
  }
  if (release.envTmp) return release.envTmp.value ? { path: path.posix.normalize(release.envTmp.value), where: `set in ${release.envTmp.where}` } : undefined;
  return { path: path.posix.join(root, 'tmp'), where: 'by default the release\'s tmp/' };
}
