// What the Python program an image starts writes inside fixed paths when it runs: FileCodeBox's
// core/settings.py binds `BASE_DIR = Path(__file__).resolve().parent.parent` and `data_root = BASE_DIR / "data"`,
// where the app keeps its SQLite database and uploads (vastsa/FileCodeBox eda0a31 made and chowned /app/data for
// its USER); Upload-Assistant `os.chmod`s the binary it downloaded under its tree (Audionut/Upload-Assistant
// 73bdcc99 chowned bin/mkbrr so `--user 1000` works). The shell readers of start-scripts.ts do not read Python;
// this reads the program the start runs, from the repository, where the image's COPYs put it:
//   `python FILE.py`, `python -m MODULE`, `gunicorn`/`uvicorn`/`hypercorn`/`daphne` MODULE:APP, in the CMD/ENTRYPOINT
//   (or compose command/entrypoint) and in the start scripts start-scripts.ts reads (`entrypoint.sh` running
//   `python manage.py migrate`, then `exec gunicorn app:app`; a `cd DIR` before it moves where it runs),
//   and the modules of the repository those files import (`from core.settings import data_root`), two levels deep;
//   Django's settings module (DJANGO_SETTINGS_MODULE of the image's ENV or compose's environment, else the setdefault
//   of manage.py or the wsgi/asgi module).
// In those files a write call whose path is fixed counts:
//   os.makedirs / os.mkdir / PATH.mkdir() (a folder); open(PATH, "w"/"a"/"x"...), PATH.write_text/write_bytes/touch(),
//   shutil.copy/copy2/copyfile/move(SRC, PATH), os.chmod(PATH) (a file); sqlite3.connect(PATH), a `sqlite:///PATH`
//   URL literal and the NAME of a Django database whose ENGINE is django.db.backends.sqlite3 (a database file, with its
//   journal beside it: https://www.sqlite.org/tempfiles.html, its folder).
// A path is fixed when it is built only from string literals, `__file__`, names the module binds once at its top level
// to such a path (or imports from a module read here; a module imported whole gives its names as attributes:
// `from config import settings` then `settings.DATA_DIR`), a Flask app's `instance_path`, `Path(...)`, `/`, `.parent`,
// `.parents[n]`, `.resolve()`, `os.path.join`/`dirname`/`abspath` (framework-starts.ts's evaluator, without environment
// reads). A path the environment, an argument, a function's result or a class's fields (pydantic's BaseSettings reads
// the environment) gives is not followed: the tool says nothing rather than guess.
// Relative paths are the process's working directory (compose `working_dir`, else the image's WORKDIR, moved by `cd`).
// dockerfile/non-root-user makes and chowns what is found; compose/read-only keeps it writable (a tmpfs where its path
// says scratch, else read_only withheld with the volume to mount: write-paths.ts).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { DockerfileSource, Project, ServiceLink } from './model.js';
import { lastEnv, workdirs, type StageBase } from './dockerfile-info.js';
import { copyMappings, mountMappings, resolveContainerPath, type ContainerMapping } from './nginx-files.js';
import { imageStart, ownStartCommandTexts, serviceStart, serviceStartCommandTexts, type ImageStart, type StartCommandText, type StartWrite } from './start-scripts.js';
import { commandsOf, evaluate, StartFolder, unwrap, type Value } from './framework-starts.js';
import { serviceEnvironment } from './env-files.js';
import { shellCommands } from './knowledge/images.js';
import { lineColumn } from './text.js';
import { outsideStrings, PYTHON_QUOTES } from './source-strings.js';
import { PassMemo } from './pass-memo.js';

const PYTHON = /^python(3(\.\d+)?)?$/;
const SERVERS = /^(gunicorn|uvicorn|hypercorn|daphne)$/;
/** Python modules read per start at most: a large package imported from the start file stays cheap. */
const MODULE_LIMIT = 24;
/** How many imports deep from the start file modules are read. */
const IMPORT_DEPTH = 2;
const NO_ENV: ReadonlyMap<string, string | undefined> = new Map();

/** A start command of the image or a service, or a start script it runs (`entrypoint.sh` ending in `exec gunicorn app:app`). */
interface Start extends StartCommandText {
  /** A script: its lines are named in findings (`entrypoint.sh line 12`). */
  script?: boolean;
}

/** What the Python program of service `s` (its compose command or entrypoint, else the image's CMD/ENTRYPOINT) writes. */
export function pythonStartWrites(project: Project, s: ServiceLink, df: DockerfileSource, base: StageBase): StartWrite[] {
  // Asked per pass by dockerfile/non-root-user and compose/read-only, for each service: read once per pass.
  const asked = serviceWritesInPass.get(s, () => []);
  const hit = asked.find((a) => a.df === df && a.base === base);
  if (hit) return hit.writes;
  const writes = readServiceWrites(project, s, df, base);
  asked.push({ df, base, writes });
  return writes;
}

const serviceWritesInPass = new PassMemo<ServiceLink, { df: DockerfileSource; base: StageBase; writes: StartWrite[] }[]>();
const imageWritesInPass = new PassMemo<DockerfileSource, Map<string, StartWrite[]>>();

function readServiceWrites(project: Project, s: ServiceLink, df: DockerfileSource, base: StageBase): StartWrite[] {
  const starts: Start[] = serviceStartCommandTexts(s, base);
  // The environment's DJANGO_SETTINGS_MODULE wins over the setdefault in manage.py/wsgi.py: the image's ENV, then compose's.
  const env = serviceEnvironment(s).get(SETTINGS_VARIABLE)?.value ?? lastEnv(base.chain, SETTINGS_VARIABLE)?.value;
  return startProgramWrites(
    [...starts, ...scriptStarts(serviceStart(project, s, df, base))],
    () => (typeof s.effective.working_dir === 'string' && s.effective.working_dir.startsWith('/') ? s.effective.working_dir : workdirs(base.chain, base.buildArgs, base.globalArgs).final),
    () => [...copyMappings(project, df.path, new Set(base.chain.map((st) => st.index))), ...mountMappings(project, s)],
    env,
  );
}

/** What the Python program of the image's own CMD/ENTRYPOINT writes, in its WORKDIR, read from the files it copies in. */
export function imagePythonStartWrites(project: Project, df: DockerfileSource, base: StageBase): StartWrite[] {
  const byChain = imageWritesInPass.get(df, () => new Map());
  const key = base.chain.map((st) => st.index).join(',');
  let writes = byChain.get(key);
  if (!writes) {
    writes = readImageWrites(project, df, base);
    byChain.set(key, writes);
  }
  return writes;
}

function readImageWrites(project: Project, df: DockerfileSource, base: StageBase): StartWrite[] {
  return startProgramWrites(
    [...ownStartCommandTexts(base), ...scriptStarts(imageStart(project, df, base))],
    () => workdirs(base.chain, base.buildArgs, base.globalArgs).final,
    () => copyMappings(project, df.path, new Set(base.chain.map((st) => st.index))),
    lastEnv(base.chain, SETTINGS_VARIABLE)?.value,
  );
}

const SETTINGS_VARIABLE = 'DJANGO_SETTINGS_MODULE';

/**
 * The start scripts of the repository the start runs (start-scripts.ts reads them: the image's ENTRYPOINT script, what
 * it calls, s6 run files, a compose entrypoint's script): most Python images start their program from one.
 */
function scriptStarts(start: ImageStart): Start[] {
  return start.scripts.map((x) => ({ argv: undefined, shell: x.source.text.replace(/\r\n/g, '\n'), where: x.where, script: true }));
}

/** The Python entry of one command: a script path or a module name, and the folder modules are imported from. */
type Entry = { script: string } | { module: string; chdir?: string; main?: true };

/** `python FILE.py`, `python -m MODULE`, `gunicorn [--chdir D] MODULE:APP`, `uvicorn --app-dir D MODULE:APP`. */
export function pythonEntries(argv: string[]): Entry[] {
  const out: Entry[] = [];
  for (const words of unwrap(argv)) {
    const cmd = path.posix.basename(words[0] ?? '');
    let server: string | undefined;
    let args: string[] = [];
    if (PYTHON.test(cmd)) {
      const m = words.indexOf('-m');
      const first = words.slice(1).findIndex((w) => !w.startsWith('-'));
      if (m > 0 && (first < 0 || first + 1 > m)) {
        const module = words[m + 1];
        if (!module || module.includes('$')) continue;
        if (SERVERS.test(module)) {
          server = module;
          args = words.slice(m + 2);
        } else {
          out.push({ module, main: true }); // run as __main__
          continue;
        }
      } else {
        const script = first < 0 ? undefined : words[first + 1];
        if (script && /\.py$/.test(script) && !script.includes('$')) out.push({ script });
        continue;
      }
    } else if (SERVERS.test(cmd)) {
      server = cmd;
      args = words.slice(1);
    }
    if (!server) continue;
    // gunicorn takes a bare module too and looks up `application` in it (gunicorn's util.import_app): Django's
    // `gunicorn mysite.wsgi`, written last, after the options (a dotted name, not an option's value such as `-c gunicorn.conf.py`).
    const last = args[args.length - 1];
    const bare = server === 'gunicorn' && last && /^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+$/.test(last) && !/^-[^=]*$/.test(args[args.length - 2] ?? '') && !/\.py$/.test(last) ? `${last}:application` : undefined;
    const app = args.find((w, i) => /^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*(\(\))?$/.test(w) && !/^-/.test(args[i - 1] ?? '') ) ?? args.find((w) => /^[A-Za-z_][\w.]*:[A-Za-z_]/.test(w)) ?? bare;
    if (!app) continue;
    const chdir = option(args, '--chdir') ?? option(args, '--app-dir');
    if (chdir?.includes('$')) continue;
    out.push({ module: app.slice(0, app.indexOf(':')), ...(chdir ? { chdir } : {}) });
  }
  return out;
}

function option(args: string[], name: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === name) return args[i + 1];
    if (args[i]!.startsWith(`${name}=`)) return args[i]!.slice(name.length + 1);
  }
  return undefined;
}

interface PyFile {
  containerPath: string;
  text: string;
}

function startProgramWrites(starts: Start[], workingDir: () => string, containerMappings: () => ContainerMapping[], settingsModule: string | undefined): StartWrite[] {
  const out: StartWrite[] = [];
  // The working directory and the mappings only for a start that runs Python: most starts run none.
  let wd: string | undefined;
  let mappings: ContainerMapping[] | undefined;
  const read = (containerPath: string): PyFile | undefined => {
    const found = resolveContainerPath(mappings!, containerPath);
    if (!found?.hostPath || !found.exists) return undefined;
    try {
      // Files checked out with CRLF line ends read as the same Python.
      return { containerPath, text: readFileSync(found.hostPath, 'utf8').replace(/\r\n/g, '\n') };
    } catch {
      return undefined;
    }
  };
  // A script runs several Python commands (`manage.py migrate`, then gunicorn): each program once, from where it runs.
  const done = new Set<string>();
  // Modules read for an earlier entry, by file and what their reading depends on: Tandoor's boot.sh runs manage.py three
  // times and gunicorn, each of them importing the same settings; their writes are in `out` already.
  const parsed = new Map<string, Map<string, Value>>();
  for (const start of starts) {
    // A start's own shell text or a script, command by command, with the folder a `cd` moves it to; undefined after a
    // `cd` to a folder run time decides: what runs there is not followed.
    const commands = start.argv ? [{ words: start.argv, line: 0 }] : start.script ? commandsOf(start.shell ?? '') : shellCommands(start.shell ?? '').map((words) => ({ words, line: 0 }));
    let folder: StartFolder | undefined;
    for (const { words, line } of commands) {
      // A quick look before the walk: most commands run no Python.
      if (!words.some((w) => PYTHON.test(path.posix.basename(w)) || SERVERS.test(path.posix.basename(w)) || w === 'cd' || w === '-c')) continue;
      if (!folder) {
        wd ??= workingDir();
        folder = new StartFolder(wd);
      }
      for (const argv of unwrap(words)) {
        if (folder.follow(argv)) continue;
        const cwd = folder.cwd;
        if (cwd === undefined) continue;
        const where = start.script ? `${start.where} line ${line}` : start.where;
        for (const entry of pythonEntries(argv)) {
          const key = `${cwd}\u0000${JSON.stringify(entry)}`;
          if (done.has(key)) continue;
          done.add(key);
          mappings ??= containerMappings();
          entryWrites(entry, cwd, where, read, settingsModule, out, parsed);
        }
      }
    }
  }
  return out;
}

/** The writes of one Python entry run from `wd`, added to `out`. */
function entryWrites(entry: Entry, wd: string, where: string, read: (p: string) => PyFile | undefined, settingsModule: string | undefined, out: StartWrite[], parsed: Map<string, Map<string, Value>>): void {
  const root = 'chdir' in entry && entry.chdir ? path.posix.resolve(wd, entry.chdir) : wd;
  const first = 'script' in entry ? read(path.posix.resolve(wd, entry.script)) : moduleFile(root, entry.module, read);
  if (!first) return;
  // The script's own folder is first on sys.path for `python FILE.py`; the working directory for -m and the servers.
  const importRoot = 'script' in entry ? path.posix.dirname(first.containerPath) : root;
  const modules = new Map<string, Map<string, Value>>();
  const readModule = (file: PyFile, depth: number): Map<string, Value> => {
    const known = modules.get(file.containerPath);
    if (known) return known;
    // The entry runs as `__main__` (`python FILE.py`, `python -m MODULE`); a server imports it by its name.
    const main = depth === 0 && ('script' in entry || entry.main === true);
    const key = [file.containerPath, depth, importRoot, main ? 'main' : '', wd].join('\u0000');
    const before = parsed.get(key);
    if (before) {
      modules.set(file.containerPath, before);
      return before;
    }
    const names = new Map<string, Value>();
    modules.set(file.containerPath, names);
    parsed.set(key, names);
    const shown = path.posix.relative(importRoot, file.containerPath) || path.posix.basename(file.containerPath);
    for (const w of moduleWrites(file, names, wd, settingsModule, main ? wd : importRoot, (module, level) => {
      if (depth >= IMPORT_DEPTH || modules.size >= MODULE_LIMIT) return undefined;
      const from = level ? path.posix.join(path.posix.dirname(file.containerPath), ...Array<string>(level - 1).fill('..')) : importRoot;
      const f = module ? moduleFile(from, module, read) : undefined;
      return f ? readModule(f, depth + 1) : undefined;
    })) {
      const target = path.posix.resolve(wd, w.path);
      const how = `${w.call}${w.call.includes('sqlite:///') || w.call.includes('(SQLite database') ? '' : `, which is ${target}`} (${shown} line ${w.line}, run by ${where})`;
      if (!out.some((o) => o.path === target && o.kind === w.kind)) out.push({ path: target, kind: w.kind, how });
    }
    return names;
  };
  readModule(first, 0);
}

function moduleFile(root: string, module: string, read: (p: string) => PyFile | undefined): PyFile | undefined {
  if (!/^[A-Za-z_][\w.]*$/.test(module)) return undefined;
  const base = path.posix.join(root, ...module.split('.'));
  return read(`${base}.py`) ?? read(`${base}/__init__.py`);
}

/** One write a module makes: the call as written, the path (as evaluated, maybe relative), what it needs, its line. */
interface ModuleWrite {
  call: string;
  path: string;
  kind: StartWrite['kind'];
  line: number;
}

/** Calls whose first argument is a path written to, and what they need of it. */
const FIRST_ARGUMENT: [RegExp, StartWrite['kind']][] = [
  [/\bos\.(makedirs|mkdir)\(/g, 'dir'],
  [/(?<![\w.])(makedirs)\(/g, 'dir'],
  [/\bos\.(chmod)\(/g, 'file'],
  [/\bsqlite3\.(connect)\(/g, 'dir-of'],
];
/** `shutil.copy(SRC, DST)`: the second argument is written. */
const SECOND_ARGUMENT = /\bshutil\.(copy|copy2|copyfile|move)\(/g;
/** `open(PATH, MODE)` and `io.open`: written when the mode writes. */
const OPEN = /(?<![\w.])(?:io\.)?open\(/g;
/** A method of a path that writes it: `data_root.mkdir(`, `(BASE_DIR / "db").mkdir(`, `Path("x").write_text(`. */
const PATH_METHOD = /((?:[A-Za-z_][\w.]*)(?:\([^()\n]*\))?|\((?:[^()\n]|\([^()\n]*\))*\))\.(mkdir|write_text|write_bytes|touch)\(/g;
/** A settings module that names Django's SQLite backend, and the NAME of a database in it (a dict key or an item set). */
const DJANGO_SQLITE = /['"]ENGINE['"]\s*(?::|\]\s*=)\s*['"]django\.db\.backends\.sqlite3['"]/;
const DATABASE_NAME = /['"]NAME['"]\s*(:|\]\s*=(?!=))\s*/g;
const PATH_METHOD_CALLED = /\.(mkdir|write_text|write_bytes|touch)\(/;
/** A SQLite URL literal (SQLAlchemy, Tortoise, peewee's playhouse): `sqlite:///./data/app.db`, `sqlite:////abs/app.db`. */
const SQLITE_URL = /(['"])sqlite(?:\+\w+)?:\/\/\/([^'"?\s{}$]+)[^'"]*\1/g;

/**
 * The top-level names of one module (bound once, to a fixed path, or imported from a module read here) into `names`, and
 * the writes with a fixed path anywhere in it.
 */
function moduleWrites(
  file: PyFile,
  names: Map<string, Value>,
  wd: string,
  settingsModule: string | undefined,
  /** The folder find_package gives for this module: the import root, or the working directory for `__main__`. */
  packageRoot: string,
  importModule: (module: string, level: number) => Map<string, Value> | undefined,
): ModuleWrite[] {
  const text = file.text;
  const lines = text.split('\n');
  // A name bound more than once (at any level, or as a loop/with/except/function name) may hold either value.
  const bound = new Map<string, number>();
  for (const m of text.matchAll(/(?:^|[^\w.])([A-Za-z_]\w*)\s*(?::\s*[\w.[\], |]+)?(?:[-+*/|&%]|\/\/)?=(?!=)/gm)) bound.set(m[1]!, (bound.get(m[1]!) ?? 0) + 1);
  // An import's `as` binds its name once (counted below, with the import), not as a `with`/`except` name that may change.
  const unimported = text.replace(/^(?:from\s+\S+\s+)?import\s[^\n]*$/gm, '');
  for (const m of unimported.matchAll(/\b(?:for|as|def|class|global|nonlocal)\s+([A-Za-z_]\w*)/g)) bound.set(m[1]!, (bound.get(m[1]!) ?? 0) + 2);
  const scope = new Map<string, Value>([['__file__', { kind: 'path', v: file.containerPath }]]);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    if (/^\s/.test(line) || line.startsWith('#')) continue;
    // The brackets line by line (a comment ends only its own line), for a statement of at most 200 lines: joining and
    // counting the whole text again per line was quadratic, and a comment after an open bracket joined the rest of the file.
    for (let open = openBrackets(line), end = Math.min(lines.length - 1, i + 200); open > 0 && i < end; ) {
      const next = lines[++i]!;
      line += ' ' + next.trim();
      open += openBrackets(next);
    }
    const from = /^from\s+(\.*)([\w.]*)\s+import\s+\(?([\w\s,]+?)\)?\s*(?:#.*)?$/.exec(line);
    if (from) {
      const level = from[1]!.length;
      const imported = from[2] ? importModule(from[2], level) : undefined;
      for (const part of from[3]!.split(',')) {
        const [name, alias] = part.trim().split(/\s+as\s+/);
        if (!name || (bound.get(alias ?? name) ?? 0) > 1) continue;
        const v = imported?.get(name);
        if (v) scope.set(alias ?? name, v);
        // A module of the package (`from config import settings`, `from . import paths`): its names as `settings.DATA_DIR`.
        else if (/^[a-z_][a-z0-9_]*$/.test(name)) bindModule(scope, alias ?? name, importModule(from[2] ? `${from[2]}.${name}` : name, level));
      }
      continue;
    }
    if (/^import\s/.test(line)) {
      // `import core.settings` (its names as `core.settings.X`), `import core.settings as cs` (as `cs.X`); its own writes count.
      for (const m of line.slice(7).split(',')) {
        const [module, alias] = m.trim().split(/\s+as\s+/);
        if (!module || !/^[A-Za-z_][\w.]*$/.test(module)) continue;
        const names = importModule(module, 0);
        if ((bound.get(alias ?? module.split('.')[0]!) ?? 0) <= 1) bindModule(scope, alias ?? module, names);
      }
      continue;
    }
    const a = /^([A-Za-z_]\w*)\s*(?::\s*[\w.[\], |]+)?=(?!=)\s*(.+)$/.exec(line);
    if (!a || bound.get(a[1]!) !== 1) continue;
    const v = evaluate(a[2]!.replace(/\s+#.*$/, ''), scope, NO_ENV, false);
    if (v?.kind === 'path' || v?.kind === 'parents') scope.set(a[1]!, v);
  }
  for (const [k, v] of scope) if (k !== '__file__') names.set(k, v);
  // A Flask app of this module (`app = Flask(__name__)`, at the top or in a create_app factory, one in the file and no
  // instance_path given): its instance folder is `instance` in the folder that holds the top-level package or module
  // (Flask.auto_find_instance_path, sansio/scaffold.py find_package: the import root), or in the working directory for the
  // `__main__` module (`python app.py`, where find_spec fails: https://flask.palletsprojects.com/en/stable/config/#instance-folders),
  // which the tutorial's factory makes with `os.makedirs(app.instance_path)`. Known for this module only, not exported to its importers.
  const flask = !text.includes('Flask(') ? [] : [...text.matchAll(/(?:^|[^\w.])([A-Za-z_]\w*)\s*=\s*(?:flask\.)?Flask\(\s*__name__\s*([,)])/gm)];
  if (flask.length === 1 && !/\binstance_path\s*=/.test(text)) {
    scope.set(`${flask[0]![1]}.instance_path`, { kind: 'path', v: path.posix.join(packageRoot, 'instance') });
  }
  // A Django wsgi/asgi module or manage.py names the settings module Django imports at start (`os.environ.setdefault(
  // "DJANGO_SETTINGS_MODULE", "mysite.settings")`): its module-level writes run then too.
  // The environment's value (the image's ENV, compose's environment) wins over setdefault, as its name says.
  const settings = /DJANGO_SETTINGS_MODULE['"]\s*,\s*['"]([\w.]+)['"]/.exec(text)?.[1];
  if (settings) importModule(settingsModule && /^[\w.]+$/.test(settingsModule) ? settingsModule : settings, 0);
  const pathOf = (expression: string | undefined): string | undefined => {
    if (expression === undefined || /\bf['"]/.test(expression)) return undefined;
    const v = evaluate(expression, scope, NO_ENV, false);
    return v?.kind === 'path' && v.v ? v.v : undefined;
  };
  const out: ModuleWrite[] = [];
  const lineOf = (at: number) => lineColumn(text, at).line;
  const shown = (call: string) => (call.length > 70 ? `${call.slice(0, 67)}...` : call);
  for (const [pattern, kind] of FIRST_ARGUMENT) {
    for (const m of text.matchAll(pattern)) {
      const args = callArguments(text, m.index! + m[0].length);
      const p = pathOf(args?.[0]);
      if (p !== undefined) out.push({ call: shown(`${m[0]}${args!.join(', ')})`), path: p, kind, line: lineOf(m.index!) });
    }
  }
  for (const m of text.matchAll(SECOND_ARGUMENT)) {
    const args = callArguments(text, m.index! + m[0].length);
    const p = pathOf(args?.[1]);
    if (p !== undefined) out.push({ call: shown(`${m[0]}${args!.join(', ')})`), path: p, kind: 'file', line: lineOf(m.index!) });
  }
  for (const m of text.matchAll(OPEN)) {
    const args = callArguments(text, m.index! + m[0].length);
    if (!args) continue;
    const mode = args.find((x) => /^mode\s*=/.test(x))?.replace(/^mode\s*=\s*/, '') ?? (args[1] && !/^\w+\s*=/.test(args[1]) ? args[1] : undefined);
    // Reading (no mode, "r", "rb") writes nothing; a mode the program works out is not followed.
    if (!mode || !/^[rbu]?(['"])[rbt]*[wax+][rbtwax+]*\1$/.test(mode)) continue;
    const p = pathOf(args[0]);
    if (p !== undefined) out.push({ call: shown(`open(${args.join(', ')})`), path: p, kind: 'file', line: lineOf(m.index!) });
  }
  // The path-method pattern backtracks on long lines: only asked of a file that calls one of them.
  for (const m of PATH_METHOD_CALLED.test(text) ? text.matchAll(PATH_METHOD) : []) {
    const p = pathOf(m[1]);
    if (p !== undefined) out.push({ call: shown(`${m[1]}.${m[2]}()`), path: p, kind: m[2] === 'mkdir' ? 'dir' : 'file', line: lineOf(m.index!) });
  }
  // Django's SQLite database (`DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}}`,
  // or `DATABASES["default"]["NAME"] = ...`): the file and its journal in its folder (https://docs.djangoproject.com/en/5.2/ref/settings/#name).
  if (DJANGO_SQLITE.test(text)) {
    // Every ENGINE the file names is SQLite's, written as a literal: an item set (`DATABASES["default"]["NAME"] = ...`) is then SQLite's too.
    const onlySqlite = (text.match(/['"]ENGINE['"]/g) ?? []).length === (text.match(new RegExp(DJANGO_SQLITE.source, 'g')) ?? []).length;
    for (const m of text.matchAll(DATABASE_NAME)) {
      // A dict's NAME counts where the same dict's ENGINE is SQLite's (a PostgreSQL NAME is a database's name, not a file).
      const dict = m[1] === ':' ? enclosingDict(text, m.index!) : undefined;
      if (m[1] === ':' ? !dict || !DJANGO_SQLITE.test(dict) : !onlySqlite) continue;
      const expression = expressionAt(text, m.index! + m[0].length);
      const p = pathOf(expression);
      if (p !== undefined && p !== ':memory:') out.push({ call: shown(`DATABASES NAME ${expression}`), path: p, kind: 'dir-of', line: lineOf(m.index!) });
    }
  }
  for (const m of text.matchAll(SQLITE_URL)) {
    // Three slashes then a relative path, four for an absolute one (https://docs.sqlalchemy.org/en/20/core/engines.html#sqlite).
    const p = m[2]!;
    out.push({ call: `"${m[0].slice(1, -1)}" (SQLite database ${path.posix.resolve(wd, p)})`, path: p, kind: 'dir-of', line: lineOf(m.index!) });
  }
  return out;
}

/** The names of a module read here as attributes of the name it is bound to (`settings.DATA_DIR`). */
function bindModule(scope: Map<string, Value>, as: string, names: Map<string, Value> | undefined): void {
  if (names) for (const [k, v] of names) if (!k.includes('.')) scope.set(`${as}.${k}`, v);
}

/** The text of the innermost `{...}` around `at` (strings not skipped: settings dicts hold no braces in their strings), or undefined. */
function enclosingDict(text: string, at: number): string | undefined {
  let depth = 0;
  let open = -1;
  for (let i = at; i >= 0 && i > at - 2000; i--) {
    const c = text[i];
    if (c === '}') depth++;
    else if (c === '{') {
      if (depth === 0) {
        open = i;
        break;
      }
      depth--;
    }
  }
  if (open < 0) return undefined;
  depth = 0;
  for (let i = open; i < text.length && i < open + 4000; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return text.slice(open, i + 1);
  }
  return undefined;
}

/** The expression that starts at `from`: up to a top-level comma, a closing bracket it did not open, or the end of its line. */
function expressionAt(text: string, from: number): string | undefined {
  let depth = 0;
  for (const i of outsideStrings(text, from, Math.min(text.length, from + 500), PYTHON_QUOTES)) {
    const c = text[i]!;
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (depth === 0) return text.slice(from, i).trim();
      depth--;
    } else if (depth === 0 && (c === ',' || c === '\n' || c === '#')) return text.slice(from, i).trim();
  }
  return undefined;
}

/** Open brackets left at the end of a line (strings skipped): the statement goes on. */
function openBrackets(text: string): number {
  let d = 0;
  for (const i of outsideStrings(text, 0, text.length, PYTHON_QUOTES)) {
    const c = text[i]!;
    if (c === '#') break;
    else if (c === '(' || c === '[' || c === '{') d++;
    else if (c === ')' || c === ']' || c === '}') d--;
  }
  return d;
}

/** The arguments of a call whose `(` ends just before `from`, split at top-level commas; undefined when it does not close. */
function callArguments(text: string, from: number): string[] | undefined {
  let depth = 0;
  let start = from;
  const args: string[] = [];
  for (const i of outsideStrings(text, from, Math.min(text.length, from + 2000), PYTHON_QUOTES)) {
    const c = text[i]!;
    if (c === '(' || c === '[' || c === '{') depth++;
    else if ((c === ')' || c === ']' || c === '}') && depth > 0) depth--;
    else if (depth === 0 && (c === ',' || c === ')')) {
      const arg = text.slice(start, i).replace(/\s+/g, ' ').trim();
      if (arg) args.push(arg);
      if (c === ')') return args;
      start = i + 1;
    }
  }
  return undefined;
}
