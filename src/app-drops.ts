// Privilege drops an application makes in its own code, read from the files its
// start runs. Some apps start as root on purpose, do root-only setup, then step
// down themselves: DocuSeal's config/dotenv.rb (loaded by config/puma.rb and
// config/boot.rb), when `Process.uid.zero?`, chowns its data folder to 2000,
// writes its env file as root's 0600, then calls `Process::Sys.seteuid(2000)`.
// Started as 2000 by a USER, that setup cannot run (a root-owned bind mount stays
// unwritable, an existing root-owned 0600 env file unreadable). Such a call is the
// image's own drop, as gosu in an entrypoint is: USER is left alone and compose
// gives back the capabilities the step down needs.
//
// Read, never run. The scan is bounded: the entry file of the program the start
// command runs (`ruby app.rb`, `puma -C config/puma.rb`, `python app.py`,
// `python -m pkg`, `gunicorn mod:app`, `node server.js`, `npm start` through
// package.json, `php index.php`, `go run main.go`), the files it loads by a path
// relative to itself (require_relative, `from .x import`, `require('./x')`,
// `include __DIR__ . '/x.php'`), two levels deep, at most APP_FILES files. A
// compiled program (a Go binary built elsewhere in the Dockerfile) is not followed.
//
// Calls that change the process's user or group, by language:
//   Ruby    Process::Sys.setuid/seteuid/setreuid/setresuid (and the gid ones),
//           Process.uid=/euid=/gid=/egid=, Process::UID/GID.change_privilege,
//           Process.initgroups (https://docs.ruby-lang.org/en/master/Process/Sys.html)
//   Python  os.setuid/seteuid/setreuid/setresuid/setgid/setegid/setgroups/initgroups
//           (https://docs.python.org/3/library/os.html#os.setuid)
//   Node    process.setuid/seteuid/setgid/setegid/setgroups/initgroups
//           (https://nodejs.org/api/process.html#processsetuidid)
//   Go      syscall.Setuid/Setgid/Setgroups…, golang.org/x/sys/unix's the same
//   PHP     posix_setuid/seteuid/setgid/setegid/initgroups
// and, in any of them, a drop tool the code runs by name, as an element of the
// argv it execs or spawns: Synapse's docker/start.py (the image's ENTRYPOINT,
// run by its shebang) chowns /data with subprocess.run(["chown", ...]) and then
// `os.execve("/usr/sbin/gosu", ["gosu", "991:991", ...])` when `os.getuid() == 0`.
// gosu, su-exec, setpriv, s6-setuidgid, runuser and chpst set the user and groups
// (SETUID and SETGID), as they do from a shell entrypoint.
// Each needs CAP_SETUID (a uid) or CAP_SETGID (a gid or the group list) when it
// changes to another id (setuid(2), setgroups(2)); a chown in the same files
// (FileUtils.chown_R, os.chown, fs.chownSync, os.Chown, chown()) needs CHOWN, and
// DAC_OVERRIDE/FOWNER for files of others, as a shell chown before gosu does.
import path from 'node:path';
import { commandsOf, unwrap, type ReadContainerFile } from './framework-starts.js';
import type { PrivilegeDrop, ScriptReading } from './start-scripts.js';
import { RunMemo } from './pass-memo.js';

/** A bound on the files read for one start. */
const APP_FILES = 16;
/** How many `require_relative`/import hops from the entry file are followed. */
const LOAD_DEPTH = 2;
/** Larger files (bundles, generated code) are not the app's start code. */
const MAX_BYTES = 256 * 1024;

export interface AppCodeReading {
  /** The drops, root check and root caps the app's code shows, as a start script's reading says them. */
  reading: ScriptReading;
  /** The file that drops, as the repository names it (`config/dotenv.rb`). */
  where: string;
  /** The files read, as the repository names them, in the order read (for findings: what the scan covered). */
  read: string[];
}

type Language = 'ruby' | 'python' | 'node' | 'php' | 'go';

const LANGUAGES: Language[] = ['ruby', 'python', 'node', 'php', 'go'];

/**
 * A drop tool named as a string element of an argv the code runs (`["gosu", ownership] + args`,
 * `os.execve("/usr/sbin/gosu", ...)`, `exec('su-exec', user, ...)`), followed by what is passed next.
 */
const DROP_TOOL_ARG = /['"](?:\/[\w/]*\/)?(gosu|su-exec|setpriv|s6-setuidgid|runuser|chpst)['"]\s*(?:[,\])]\s*([^,\])\n]*))?/g;

/** A call that changes the user or group: its language, the pattern, and what it changes (`call`: how a finding names it, when not the matched call). */
const DROP_CALLS: { lang: Language; re: RegExp; ids: (name: string) => 'uid' | 'gid'; call?: (m: RegExpMatchArray) => string }[] = [
  // A drop tool sets both the user and the groups: one entry for each.
  ...LANGUAGES.flatMap((lang) => (['uid', 'gid'] as const).map((kind) => ({ lang, re: DROP_TOOL_ARG, ids: () => kind, call: (m: RegExpMatchArray) => m[1]! }))),
  { lang: 'ruby', re: /\bProcess::Sys\.(set(?:e|re|res)?[ug]id)\s*\(?\s*([^)\n]*)/g, ids: (n) => (/gid$/.test(n) ? 'gid' : 'uid') },
  { lang: 'ruby', re: /\bProcess\.(e?uid|e?gid)\s*=(?!=)\s*([^\n;]*)/g, ids: (n) => (/gid$/.test(n) ? 'gid' : 'uid') },
  { lang: 'ruby', re: /\bProcess::(UID|GID)\.(?:change_privilege|grant_privilege|eid\s*=)\s*\(?\s*([^)\n]*)/g, ids: (n) => (n === 'GID' ? 'gid' : 'uid') },
  { lang: 'ruby', re: /\bProcess\.(initgroups)\s*\(\s*([^)\n]*)/g, ids: () => 'gid' },
  { lang: 'python', re: /\bos\.(set(?:e|re|res)?[ug]id|setgroups|initgroups)\s*\(\s*([^)\n]*)/g, ids: (n) => (/uid$/.test(n) ? 'uid' : 'gid') },
  { lang: 'node', re: /\bprocess\.(set(?:e)?[ug]id|setgroups|initgroups)\s*\(\s*([^)\n]*)/g, ids: (n) => (/uid$/.test(n) ? 'uid' : 'gid') },
  { lang: 'go', re: /\b(?:syscall|unix)\.(Set(?:e|re|res)?[ug]id|Setgroups)\s*\(\s*([^)\n]*)/g, ids: (n) => (/uid$/.test(n) ? 'uid' : 'gid') },
  { lang: 'php', re: /\bposix_(set(?:e)?[ug]id|initgroups)\s*\(\s*([^)\n]*)/g, ids: (n) => (/uid$/.test(n) ? 'uid' : 'gid') },
];

/** A test for root before the step down (`if Process.uid.zero?`, `if os.getuid() == 0:`, `process.getuid() === 0`). */
const ROOT_TESTS: Record<Language, RegExp> = {
  ruby: /\bProcess\.e?uid(\.zero\?|\s*==\s*0\b)|\bProcess::UID\.eid(\.zero\?|\s*==\s*0\b)/,
  python: /\bos\.gete?uid\(\)\s*(==|!=)\s*0\b/,
  node: /\bprocess\.gete?uid\??\.?\(\)\s*[!=]==?\s*0\b/,
  go: /\b(os|syscall|unix)\.Gete?uid\(\)\s*[!=]=\s*0\b/,
  php: /\bposix_gete?uid\(\)\s*[!=]==?\s*0\b/,
};

/** A chown of files in the app's code (or the chown program as the first element of an argv it runs: `subprocess.run(["chown", ...])`). */
const CHOWN_CALLS: Record<Language, RegExp> = {
  ruby: /\b(FileUtils\.chown(_R)?|File\.l?chown|\.chown)\s*\(|\b(system|exec|spawn)\s*\(?\s*['"](?:\/[\w/]*\/)?chown['"]/,
  python: /\b(os\.[lf]?chown|shutil\.chown)\s*\(|\[\s*['"](?:\/[\w/]*\/)?chown['"]\s*,/,
  node: /\bfs(\.promises)?\.l?chown(Sync)?\s*\(|\bl?chown(Sync)?\s*\(/,
  go: /\bos\.L?chown\s*\(|\bos\.Chown\s*\(/,
  php: /\b(l?chown|l?chgrp)\s*\(/,
};

/** The comment a line starts with in each language, so commented-out calls are not read. */
const COMMENT: Record<Language, RegExp> = { ruby: /^\s*#/, python: /^\s*#/, node: /^\s*(\/\/|\*)/, go: /^\s*(\/\/|\*)/, php: /^\s*(\/\/|#|\*)/ };

function languageOf(file: string): Language | undefined {
  if (/\.(rb|ru)$/.test(file)) return 'ruby';
  if (/\.py$/.test(file)) return 'python';
  if (/\.(js|mjs|cjs|ts)$/.test(file)) return 'node';
  if (/\.php$/.test(file)) return 'php';
  if (/\.go$/.test(file)) return 'go';
  return undefined;
}

/** The language a script's shebang runs it with (`#!/usr/local/bin/python`, `#!/usr/bin/env ruby`). */
function shebangLanguage(text: string): Language | undefined {
  const shebang = /^#!\s*(\S+)(?:[ \t]+(\S+))?/.exec(text);
  if (!shebang) return undefined;
  const interpreter = path.posix.basename(shebang[1]!) === 'env' ? shebang[2] ?? '' : path.posix.basename(shebang[1]!);
  if (PYTHON.test(interpreter)) return 'python';
  if (RUBY.test(interpreter)) return 'ruby';
  if (/^(node|nodejs)$/.test(interpreter)) return 'node';
  if (/^php\d*(\.\d+)?$/.test(interpreter)) return 'php';
  return undefined;
}

const RUBY = /^ruby(\d(\.\d+)*)?$/;
const PYTHON = /^python(3(\.\d+)?)?$/;

/**
 * The entry files a start's commands run (container paths), with the folder each runs in: `puma -C /app/config/puma.rb`
 * gives /app/config/puma.rb, `python app.py` gives WORKDIR/app.py.
 */
export function appEntryFiles(texts: readonly { text: string }[], workdir: string, read: ReadContainerFile): string[] {
  const out: string[] = [];
  const add = (p: string | undefined) => {
    if (p && !p.includes('$') && !out.includes(p)) out.push(p);
  };
  for (const t of texts) {
    let cwd: string | undefined = workdir;
    for (const { words } of commandsOf(t.text.replace(/\r\n/g, '\n'))) {
      for (const raw of unwrap(words)) {
        const argv = raw.slice(raw.findIndex((w) => !/^\w+=/.test(w)));
        const cmd = path.posix.basename(argv[0] ?? '');
        if (cmd === 'cd') {
          const dir = argv[1];
          cwd = dir === undefined || dir.includes('$') ? undefined : path.posix.resolve(cwd ?? '/', dir);
          continue;
        }
        if (cwd === undefined) continue;
        for (const f of entryOf(argv, cwd, read, 0)) add(f);
      }
    }
  }
  return out;
}

function entryOf(argv: string[], cwd: string, read: ReadContainerFile, depth: number): string[] {
  const cmd = path.posix.basename(argv[0] ?? '');
  const at = (p: string | undefined) => (p === undefined ? undefined : path.posix.resolve(cwd, p));
  const firstFile = (args: string[], valued: RegExp = /^$/) => {
    for (let i = 0; i < args.length; i++) {
      const w = args[i]!;
      if (w.startsWith('-')) {
        if (valued.test(w)) i++;
        continue;
      }
      return w;
    }
    return undefined;
  };
  // `bundle exec X`, `npx X`, `uv run X` are unwrapped by framework-starts' unwrap for some; these are the Ruby and Node ones.
  if ((cmd === 'bundle' || cmd === 'bundler') && argv[1] === 'exec' && depth < 3) return entryOf(argv.slice(2), cwd, read, depth + 1);
  if (cmd === 'npx' && depth < 3) return entryOf(argv.slice(1).filter((w) => !w.startsWith('-')), cwd, read, depth + 1);
  if (RUBY.test(cmd)) return [at(firstFile(argv.slice(1), /^-[rIeC]$/))].filter((x): x is string => !!x && x.endsWith('.rb'));
  if (cmd === 'puma' || cmd === 'unicorn' || cmd === 'rackup' || cmd === 'thin' || cmd === 'falcon') {
    const dir = at(optionValue(argv, ['--dir', '--chdir', '-D'])) ?? cwd;
    const config = optionValue(argv, ['-C', '--config', '-c']);
    return [config ? path.posix.resolve(cwd, config) : cmd === 'puma' ? path.posix.join(dir, 'config/puma.rb') : undefined, path.posix.join(dir, 'config.ru'), path.posix.join(dir, 'config/boot.rb')].filter((x): x is string => !!x);
  }
  if ((cmd === 'rails' || /(^|\/)bin\/rails$/.test(argv[0] ?? '')) && /^(s|server)$/.test(argv[1] ?? '')) {
    const root = /bin\/rails$/.test(argv[0] ?? '') ? path.posix.dirname(path.posix.dirname(path.posix.resolve(cwd, argv[0]!))) : cwd;
    return [path.posix.join(root, 'config/boot.rb'), path.posix.join(root, 'config.ru')];
  }
  if (PYTHON.test(cmd)) {
    const m = argv.indexOf('-m');
    if (m > 0 && argv[m + 1]) {
      const mod = path.posix.join(cwd, ...argv[m + 1]!.split('.'));
      return [`${mod}.py`, `${mod}/__main__.py`];
    }
    const f = firstFile(argv.slice(1), /^-[WXc]$/);
    return f && f.endsWith('.py') ? [at(f)!] : [];
  }
  if (cmd === 'gunicorn' || cmd === 'uvicorn' || cmd === 'hypercorn' || cmd === 'daphne' || cmd === 'celery') {
    const out: string[] = [];
    const config = optionValue(argv, ['-c', '--config']);
    if (config && config.endsWith('.py')) out.push(at(config.replace(/^python:/, ''))!);
    // The app is `module:attr` (gunicorn also takes a bare module as its last word: `gunicorn web.wsgi`).
    const last = argv[argv.length - 1] ?? '';
    const bare = argv.length > 2 && /^[\w.]+$/.test(last) && !last.endsWith('.py') && !(argv[argv.length - 2] ?? '').startsWith('-') ? last : undefined;
    const app = cmd === 'celery' ? optionValue(argv, ['-A', '--app']) : argv.slice(1).find((w) => /^[\w.]+:[\w().]+$/.test(w)) ?? bare;
    const chdir = optionValue(argv, ['--chdir', '--app-dir']);
    if (app) out.push(path.posix.join(chdir ? path.posix.resolve(cwd, chdir) : cwd, ...app.replace(/:.*$/, '').split('.')) + '.py');
    return out;
  }
  if (cmd === 'node' || cmd === 'nodejs' || cmd === 'bun' || cmd === 'deno') {
    const f = firstFile(argv.slice(cmd === 'deno' || (cmd === 'bun' && argv[1] === 'run') ? 2 : 1), /^(-r|--require|--import|--loader)$/);
    if (!f) return [];
    if (f === '.') return packageMain(cwd, read);
    const p = at(f)!;
    return languageOf(p) ? [p] : [`${p}.js`, `${p}/index.js`];
  }
  if (/^(npm|yarn|pnpm)$/.test(cmd) && depth < 3) {
    const args = argv.slice(1).filter((w) => !w.startsWith('-'));
    const script = args[0] === 'run' || args[0] === 'run-script' ? args[1] : args[0] === 'start' ? 'start' : cmd !== 'npm' ? args[0] : undefined;
    if (!script) return [];
    const pkg = read(path.posix.join(cwd, 'package.json'));
    if (!pkg) return [];
    let scripts: Record<string, unknown> | undefined;
    try {
      scripts = (JSON.parse(pkg.text) as { scripts?: Record<string, unknown> }).scripts;
    } catch {
      return [];
    }
    const body = scripts?.[script];
    // npm's default start is `node server.js` (npm-start(1)).
    if (body === undefined && script === 'start') return [path.posix.join(cwd, 'server.js')];
    if (typeof body !== 'string') return [];
    return commandsOf(body).flatMap(({ words }) => unwrap(words).flatMap((w) => entryOf(w.slice(w.findIndex((x) => !/^\w+=/.test(x))), cwd, read, depth + 1)));
  }
  if (/^php(\d(\.\d+)?)?$/.test(cmd)) {
    const f = firstFile(argv.slice(1), /^-[cdS]$/);
    return f && f.endsWith('.php') ? [at(f)!] : [];
  }
  if (cmd === 'go' && argv[1] === 'run') return argv.slice(2).filter((w) => w.endsWith('.go')).map((w) => at(w)!);
  // A script run by its path (`ENTRYPOINT ["/start.py"]`): the kernel runs its shebang's interpreter on it.
  if (argv[0] && argv[0].includes('/') && !argv[0].includes('$')) {
    const p = at(argv[0])!;
    if (languageOf(p) && languageOf(p) !== 'go') return [p];
    if (shebangLanguage(read(p)?.text ?? '')) return [p];
  }
  return [];
}

function packageMain(dir: string, read: ReadContainerFile): string[] {
  const pkg = read(path.posix.join(dir, 'package.json'));
  if (!pkg) return [];
  try {
    const main = (JSON.parse(pkg.text) as { main?: unknown }).main;
    return [path.posix.resolve(dir, typeof main === 'string' ? main : 'index.js')];
  } catch {
    return [];
  }
}

function optionValue(argv: string[], names: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const w = argv[i]!;
    if (names.includes(w)) return argv[i + 1];
    const eq = names.find((n) => n.startsWith('--') && w.startsWith(`${n}=`));
    if (eq) return w.slice(eq.length + 1);
  }
  return undefined;
}

/** Files one file loads by a path relative to itself (container paths, candidates: the reader skips those not there). */
function loadedFiles(lang: Language, file: string, text: string): string[] {
  const dir = path.posix.dirname(file);
  const out: string[] = [];
  const add = (p: string) => {
    if (!out.includes(p)) out.push(p);
  };
  if (lang === 'ruby') {
    for (const m of text.matchAll(/^\s*require_relative\s*\(?\s*['"]([^'"]+)['"]/gm)) add(path.posix.resolve(dir, m[1]!.endsWith('.rb') ? m[1]! : `${m[1]}.rb`));
    for (const m of text.matchAll(/^\s*(?:require|load)\s*\(?\s*['"](\.\.?\/[^'"]+)['"]/gm)) add(path.posix.resolve(dir, m[1]!.endsWith('.rb') ? m[1]! : `${m[1]}.rb`));
  } else if (lang === 'python') {
    for (const m of text.matchAll(/^\s*from\s+(\.+)([\w.]*)\s+import\s+([\w, ()]+)/gm)) {
      const base = path.posix.join(dir, ...Array<string>(m[1]!.length - 1).fill('..'), ...(m[2] ? m[2].split('.') : []));
      if (m[2]) add(`${base}.py`), add(`${base}/__init__.py`);
      else for (const name of m[3]!.replace(/[()]/g, '').split(',').map((x) => x.trim().split(/\s+/)[0]!).filter(Boolean)) add(path.posix.join(base, `${name}.py`));
    }
    // `import config`, `from app.settings import x`: a module beside the entry file (the folder Python puts first on sys.path).
    for (const m of text.matchAll(/^\s*(?:from\s+([\w.]+)\s+import|import\s+([\w.]+))/gm)) {
      const mod = (m[1] ?? m[2])!;
      add(path.posix.join(dir, ...mod.split('.')) + '.py');
      add(path.posix.join(dir, ...mod.split('.'), '__init__.py'));
    }
  } else if (lang === 'node') {
    for (const m of text.matchAll(/(?:\brequire\s*\(\s*|\bimport\s*\(\s*|\bfrom\s*|^\s*import\s*)['"](\.\.?\/[^'"]+)['"]/gm)) {
      const p = path.posix.resolve(dir, m[1]!);
      if (languageOf(p)) add(p);
      else for (const ext of ['.js', '.mjs', '.cjs', '.ts', '/index.js']) add(p + ext);
    }
  } else if (lang === 'php') {
    for (const m of text.matchAll(/\b(?:require|include)(?:_once)?\s*\(?\s*(?:__DIR__\s*\.\s*)?['"]([^'"]+\.php)['"]/g)) add(path.posix.resolve(dir, m[1]!.replace(/^\//, '')));
  }
  return out;
}

/**
 * The drops in the code the start runs, or undefined when none is seen (or no entry file is in the repository). `name`
 * names a host path as findings do (relative to the repository).
 */
export function appCodeDrops(entries: readonly string[], read: ReadContainerFile, name: (hostPath: string) => string): AppCodeReading | undefined {
  const queue: { file: string; depth: number }[] = entries.map((file) => ({ file, depth: 0 }));
  const seen = new Set<string>();
  const readFiles: string[] = [];
  const drops: PrivilegeDrop[] = [];
  const rootCaps = new Set<string>();
  let rootCheck = false;
  let chownEarlier = false;
  let where: string | undefined;
  while (queue.length && readFiles.length < APP_FILES) {
    const { file, depth } = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const f = read(file);
    if (!f || f.text.length > MAX_BYTES) continue;
    const lang = languageOf(file) ?? shebangLanguage(f.text);
    if (!lang) continue;
    const rel = name(f.hostPath);
    readFiles.push(rel);
    const { text, fileDrops, chownLine, user, group, rootTest } = fileDropsOf(f.text, lang);
    if (fileDrops.length) {
      const uid = fileDrops.find((d) => d.kind === 'uid');
      const first = uid ?? fileDrops[0]!;
      const caps = [...new Set(fileDrops.map((d) => (d.kind === 'uid' ? 'SETUID' : 'SETGID')))].sort();
      if (!drops.length) where = rel;
      drops.push({ tool: first.call, ...(user ? { user: group ? `${user}:${group}` : user } : {}), line: first.line, caps });
      if (rootTest) rootCheck = true;
      // The root-only setup before the step down: a chown there needs CHOWN, and DAC_OVERRIDE/FOWNER for others' files.
      if (chownEarlier || (chownLine !== undefined && chownLine < first.line)) for (const c of ['CHOWN', 'DAC_OVERRIDE', 'FOWNER']) rootCaps.add(c);
    } else if (chownLine !== undefined && !drops.length) {
      // A file read before the one that drops (the entry file, then what it loads): its chown runs first, as root.
      chownEarlier = true;
    }
    if (depth < LOAD_DEPTH) for (const next of loadedFiles(lang, file, text)) if (!seen.has(next)) queue.push({ file: next, depth: depth + 1 });
  }
  if (!drops.length || !where) return undefined;
  return { reading: { drops, writes: [], rootCheck, rootCaps: [...rootCaps].sort(), rootDaemons: [] }, where, read: readFiles };
}

/** What one file of app code says about dropping privileges (fileDropsOf). */
interface FileDrops {
  /** The text, line ends made LF. */
  text: string;
  fileDrops: { line: number; call: string; kind: 'uid' | 'gid'; arg: string }[];
  /** The first line that chowns, if any. */
  chownLine: number | undefined;
  /** The user and group the drops name, when they drop. */
  user: string | undefined;
  group: string | undefined;
  /** Whether it tests for root, when it drops. */
  rootTest: boolean;
}

/**
 * The drop calls, chown line and named ids of one file's text in its language: a function of the two alone, so worked
 * out once per run for each (a RunMemo keyed on the text itself): every pass reads the app code again for the image
 * and for each service that runs it, and matching these patterns was ~8% of appwrite/appwrite's CPU profile (issue 13).
 * Callers only read the answer.
 */
function fileDropsOf(raw: string, lang: Language): FileDrops {
  return fileDropsInRun.get(raw, lang, () => {
    const text = raw.replace(/\r\n/g, '\n');
    const lines = text.split('\n');
    const fileDrops: FileDrops['fileDrops'] = [];
    let chownLine: number | undefined;
    const bareCalls = importedDropCalls(lang, text);
    // Only the calls of this language that match somewhere in the whole text are tried line by line: app code runs to
    // thousands of lines and most files call none (issue 13). None of these patterns has an anchor or a lookaround that
    // reads a line's end or start differently from a newline, so a match in a line is a match in the text.
    const calls = [...DROP_CALLS, ...bareCalls].filter((c) => c.lang === lang && matchesIn(c.re, text));
    const chowns = CHOWN_CALLS[lang].test(text);
    if (calls.length || chowns) lines.forEach((line, i) => {
      if (COMMENT[lang].test(line)) return;
      for (const c of calls) {
        for (const m of line.matchAll(c.re)) {
          const head = m[0].replace(/[\s(=].*$/s, '');
          const call = c.call ? c.call(m) : head + (/^\s*=/.test(m[0].slice(head.length)) ? '=' : '');
          fileDrops.push({ line: i + 1, call, kind: c.ids(m[1]!), arg: (m[2] ?? '').trim() });
        }
      }
      if (chowns && chownLine === undefined && CHOWN_CALLS[lang].test(line)) chownLine = i + 1;
    });
    if (!fileDrops.length) return { text, fileDrops, chownLine, user: undefined, group: undefined, rootTest: false };
    // The ids named (a `setgroups([])` before `setgid(2000)` names none).
    const user = fileDrops.filter((d) => d.kind === 'uid').map((d) => idOf(d.arg, text)).find(Boolean);
    const group = fileDrops.filter((d) => d.kind === 'gid').map((d) => idOf(d.arg, text)).find(Boolean);
    return { text, fileDrops, chownLine, user, group, rootTest: ROOT_TESTS[lang].test(text) };
  });
}

const fileDropsInRun = new RunMemo<FileDrops>(1024);

/** Whether a global pattern matches anywhere in the text (its lastIndex left as matchAll expects it, at 0). */
function matchesIn(re: RegExp, text: string): boolean {
  re.lastIndex = 0;
  const found = re.test(text);
  re.lastIndex = 0;
  return found;
}

const BARE_DROP_NAMES = /^(set(?:e|re|res)?[ug]id|setgroups|initgroups)$/;

/**
 * Drop calls by a bare name the file imports: `import { setgid, setuid } from 'process'` (or node:process, or
 * `const { setuid } = require('process')`), Python's `from os import setuid, setgid`.
 */
function importedDropCalls(lang: Language, text: string): typeof DROP_CALLS {
  const names: string[] = [];
  if (lang === 'node') {
    for (const m of text.matchAll(/\b(?:import\s*\{([^}]*)\}\s*from|(?:const|let|var)\s*\{([^}]*)\}\s*=\s*require\s*\()\s*['"](?:node:)?process['"]/g)) {
      for (const n of (m[1] ?? m[2] ?? '').split(',').map((x) => x.trim().split(/\s+as\s+|\s*:\s*/)[0]!)) if (BARE_DROP_NAMES.test(n)) names.push(n);
    }
  } else if (lang === 'python') {
    for (const m of text.matchAll(/^\s*from\s+os\s+import\s+\(?([\w, ]+)/gm)) for (const n of m[1]!.split(',').map((x) => x.trim().split(/\s+/)[0]!)) if (BARE_DROP_NAMES.test(n)) names.push(n);
  }
  return names.map((n) => ({ lang, re: new RegExp(`(?<![.\\w])(${n})\\s*\\(\\s*([^)\\n]*)`, 'g'), ids: (x: string) => (/uid$/.test(x) ? 'uid' : 'gid') }));
}

/** A uid or gid as the code gives it: a number (`2000`), or the name `getpwnam('app')`/`Etc.getpwnam("app")` looks up. */
function idOf(arg: string | undefined, text: string, depth = 0): string | undefined {
  if (!arg) return undefined;
  // `running_uid = pwd.getpwnam('agent').pw_uid` then `os.setuid(running_uid)`: the value it was given (one step).
  const bare = /^([A-Za-z_]\w*)\s*$/.exec(arg);
  if (bare && depth === 0) {
    const given = new RegExp(`^\\s*${bare[1]}\\s*=(?!=)\\s*([^\\n#]+)`, 'm').exec(text);
    return given ? idOf(given[1]!.trim(), text, depth + 1) : undefined;
  }
  const n = /^(\d+)\b/.exec(arg);
  if (n) return n[1];
  const named = /\bget(?:pw|gr)nam\s*\(?\s*['"]([a-z_][\w.-]*)['"]/i.exec(arg);
  if (named) return named[1];
  // `user = pwd.getpwnam("worker")` then `os.setuid(user.pw_uid)`: the name the variable was looked up by.
  const held = /^([A-Za-z_]\w*)\.(pw_uid|pw_gid|gr_gid|uid|gid)$/.exec(arg.replace(/\s+$/, ''));
  if (!held) return undefined;
  const looked = new RegExp(`^\\s*${held[1]}\\s*=\\s*[\\w.]*get(?:pw|gr)nam\\s*\\(?\\s*['"]([a-z_][\\w.-]*)['"]`, 'm').exec(text);
  return looked?.[1];
}
