// `npm run bench`: how long a --dry-run takes against the cost of only
// reading and parsing the same files, how that grows with the size of the
// repository, and how much memory it needs. Every run is a separate child
// process, so peak RSS (the child's own maxRSS) and cold module loading are
// each run's own.
//   full  - the CLI's --dry-run end to end (discover, model, transforms, engine, diff)
//   floor - walking the tree (discover) and reading and parsing every file the
//           full run's model holds (Dockerfiles, compose files, and the nginx
//           and env files they link), nothing else
//   floor+reparse - the floor, then parsing once more the final text of every
//           file the full run changes: the least a run costs that checks each
//           change by parsing its result (the engine does; that parse is also
//           the next pass's model), so the part of full above it is the
//           transforms, linking, the extra passes and the report
// Usage:
//   npm run bench                              synthetic repos of 500, 1000, 2000 and 8000 files
//   npm run bench -- --files 2000[,8000]       synthetic repos of these sizes
//   npm run bench -- --dir PATH [--copies 8]   PATH as it is, and PATH copied 8 times side by side
//   npm run bench -- --make DIR --files N      only write the synthetic repo of N files into DIR
//   npm run bench -- --cold-only               only the cold start of docker-harden --dry-run examples/
// Options: --runs R (default 3; the median wall time is shown, floor, floor+reparse and full
// runs alternate so load on a shared machine hits both alike), --keep,
// --cold-runs C (default 20; cold starts, with the code cache warm and without one, alternate with a bare node -e 0).
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FileKind } from '../src/types.js';
import type { PassStats } from '../src/engine.js';

const HERE = fileURLToPath(import.meta.url);
/** The package root: dist/bench/bench.js -> ../.. */
const PACKAGE = path.resolve(path.dirname(HERE), '..', '..');

interface Sample {
  wallMs: number;
  cpuMs: number;
  maxRssMb: number;
  files: number;
}

// ------------------------------------------------------------ child side

async function fullRun(dir: string): Promise<number> {
  const { main } = await import('../src/cli.js');
  let out = 0;
  const code = await main(['--dry-run', '.'], { stdout: (s) => (out += s.length), stderr: () => undefined, isTTY: false, cwd: dir });
  if (code !== 1 && code !== 0 && code !== 2) throw new Error(`unexpected exit ${code}`);
  return out;
}

interface ListedFile {
  path: string;
  kind: FileKind;
  root: string;
  /** The text a --dry-run with the default transforms and options leaves, when it changes the file. */
  after?: string;
}

/** What the list child writes once per repo: the model's files (read by every floor run) and the full run's passes. */
interface Listing {
  files: ListedFile[];
  passStats: PassStats[];
}

/** The files the full run's model holds, with the final text of those it changes, and what each of its passes did. */
async function listModelFiles(dir: string): Promise<Listing> {
  const { run } = await import('../src/driver.js');
  const { TRANSFORMS } = await import('../transforms/index.js');
  const { DEFAULT_OPTIONS } = await import('../src/types.js');
  const result = await run({ paths: ['.'], cwd: dir, dryRun: true, exclude: [], transforms: TRANSFORMS, options: DEFAULT_OPTIONS });
  const files = [...result.engine.project.files.values()].map((f) => ({ path: f.path, kind: f.kind, root: f.root, after: result.engine.changed.get(f.path) }));
  return { files, passStats: result.engine.passStats };
}

async function floorRun(dir: string, listFile: string, reparse: boolean): Promise<number> {
  const { discover } = await import('../src/discover.js');
  const { parseSource, relPath } = await import('../src/model.js');
  const { readTextFile } = await import('../src/read.js');
  const list = (JSON.parse(readFileSync(listFile, 'utf8')) as Listing).files;
  await discover(['.'], dir, { exclude: [] });
  let parsed = 0;
  for (const f of list) {
    try {
      const read = await readTextFile(f.path, f.root);
      parseSource(f.kind, read, relPath(dir, f.path), f.root);
      if (reparse && f.after !== undefined) parseSource(f.kind, { ...read, text: f.after }, relPath(dir, f.path), f.root);
      parsed++;
    } catch {
      // the full run reports these; the floor only pays for trying
    }
  }
  return parsed;
}

async function child(): Promise<void> {
  const [mode, dir, listFile] = process.argv.slice(3);
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  let files = 0;
  if (mode === 'list') {
    writeFileSync(listFile, JSON.stringify(await listModelFiles(dir)));
    return;
  }
  if (mode === 'full') await fullRun(dir);
  else files = await floorRun(dir, listFile, mode === 'reparse');
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpu0);
  const sample: Sample = { wallMs, cpuMs: (cpu.user + cpu.system) / 1000, maxRssMb: process.resourceUsage().maxRSS / 1024, files };
  process.stdout.write(JSON.stringify(sample));
}

// ------------------------------------------------------------ the synthetic repo

const DOCKERFILES: ((i: number) => string)[] = [
  (i) => `FROM python:3.12-slim\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\nVOLUME /data${i}\nEXPOSE 8000\nCMD ["python", "-m", "app"]\n`,
  (i) => `ARG NODE_VERSION=20\nFROM node:\${NODE_VERSION}-alpine\nWORKDIR /srv\nCOPY package*.json ./\nRUN npm ci --omit=dev\nCOPY . .\n# service ${i}\nCMD ["node", "server.js"]\n`,
  (i) => `FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /out/app${i} ./cmd\n\nFROM debian:bookworm-slim\nRUN apt-get update \\\n    # certificates for TLS \\\n    && apt-get install -y ca-certificates \\\n    && rm -rf /var/lib/apt/lists/*\nCOPY --from=build /out/app${i} /usr/local/bin/app\nENTRYPOINT ["/usr/local/bin/app"]\n`,
  (i) => `# syntax=docker/dockerfile:1\nFROM alpine:3.20\nRUN <<EOF\napk add --no-cache curl\necho ${i} > /etc/build-id\nEOF\nHEALTHCHECK CMD curl -f http://localhost:9000/ || exit 1\nCMD ["/bin/sh"]\n`.replace(/\n/g, '\r\n'),
  (i) => `FROM node:20 AS build\nWORKDIR /app\nCOPY . .\nRUN npm run build\n\nFROM nginx:1.27-alpine\nCOPY --from=build /app/dist /usr/share/nginx/html\nEXPOSE 80\nLABEL build="${i}"\n`,
  (i) => `FROM eclipse-temurin:21-jre\nCOPY target/app-${i}.jar /opt/app.jar\nUSER root\nRUN mkdir -p /var/lib/app\nENTRYPOINT ["java", "-jar", "/opt/app.jar"]\n`,
];

const COMPOSE: ((i: number, dirs: string[]) => string)[] = [
  (i, dirs) =>
    `x-common: &common\n  restart: unless-stopped\n  logging:\n    driver: json-file\n\nservices:\n` +
    dirs.map((d, k) => `  svc${k}:\n    <<: *common\n    build: ./${d}\n    ports:\n      - "${8000 + k}:8000"\n    volumes:\n      - data${k}:/data\n`).join('') +
    `  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: \${PG_PASSWORD:-example}\n\nvolumes:\n` +
    dirs.map((_, k) => `  data${k}:\n`).join('') +
    `# stack ${i}\n`,
  (i, dirs) =>
    `services:\n` +
    dirs.map((d, k) => `  s${k}: { build: { context: ./${d}, dockerfile: Dockerfile }, environment: [A=${i}], cap_add: [NET_BIND_SERVICE] }\n`).join('') +
    `  cache: { image: "redis:7-alpine", command: ["redis-server", "--appendonly", "yes"] }\n`,
];

/** Stacks of up to four services, each with its Dockerfile, and one compose file; `total` files in all. */
function writeSyntheticRepo(root: string, total: number): void {
  let written = 0;
  let stack = 0;
  while (written < total) {
    const perStack = Math.min(4, Math.max(1, total - written - 1));
    const stackDir = path.join(root, `stack${stack}`);
    const dirs: string[] = [];
    for (let k = 0; k < perStack && written < total - 1; k++) {
      const d = `svc${k}`;
      mkdirSync(path.join(stackDir, d), { recursive: true });
      writeFileSync(path.join(stackDir, d, 'Dockerfile'), DOCKERFILES[(stack + k) % DOCKERFILES.length](written));
      dirs.push(d);
      written++;
    }
    mkdirSync(stackDir, { recursive: true });
    writeFileSync(path.join(stackDir, 'docker-compose.yml'), COMPOSE[stack % COMPOSE.length](stack, dirs));
    written++;
    stack++;
  }
}

// ---------------------------------------------------------------- parent side

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function spawnChild(args: string[]): string {
  const r = spawnSync(process.execPath, [HERE, '--child', ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`bench ${args[0]} failed: ${r.stderr}`);
  return r.stdout;
}

interface Row {
  label: string;
  files: number;
  /** Files the full run changes. */
  changed: number;
  full: Sample;
  floor: Sample;
  reparse: Sample;
  /** The full run's passes (each pass models every file and runs every transform). */
  passStats: PassStats[];
}

function measureDir(label: string, dir: string, runs: number, scratch: string): Row {
  const listFile = path.join(scratch, `list-${label.replace(/\W+/g, '_')}.json`);
  spawnChild(['list', dir, listFile]);
  const fulls: Sample[] = [];
  const floors: Sample[] = [];
  const reparses: Sample[] = [];
  for (let r = 0; r < runs; r++) {
    floors.push(JSON.parse(spawnChild(['floor', dir, listFile])) as Sample);
    reparses.push(JSON.parse(spawnChild(['reparse', dir, listFile])) as Sample);
    fulls.push(JSON.parse(spawnChild(['full', dir])) as Sample);
  }
  const summary = (xs: Sample[]): Sample => ({
    wallMs: median(xs.map((s) => s.wallMs)),
    cpuMs: median(xs.map((s) => s.cpuMs)),
    maxRssMb: Math.max(...xs.map((s) => s.maxRssMb)),
    files: xs[0].files,
  });
  const { files: list, passStats } = JSON.parse(readFileSync(listFile, 'utf8')) as Listing;
  return { label, files: list.length, changed: list.filter((f) => f.after !== undefined).length, full: summary(fulls), floor: summary(floors), reparse: summary(reparses), passStats };
}

function printRows(rows: Row[]): void {
  const head = ['repo', 'files', 'changed', 'full files/s', 'full wall', 'full cpu', 'floor wall', 'floor cpu', '×floor wall', '×floor cpu', '+reparse wall', '×(+reparse) wall', 'full RSS', 'floor RSS'];
  const body = rows.map((r) => [
    r.label,
    String(r.files),
    String(r.changed),
    (r.files / (r.full.wallMs / 1000)).toFixed(0),
    `${(r.full.wallMs / 1000).toFixed(2)} s`,
    `${(r.full.cpuMs / 1000).toFixed(2)} s`,
    `${(r.floor.wallMs / 1000).toFixed(2)} s`,
    `${(r.floor.cpuMs / 1000).toFixed(2)} s`,
    `${(r.full.wallMs / r.floor.wallMs).toFixed(2)}×`,
    `${(r.full.cpuMs / r.floor.cpuMs).toFixed(2)}×`,
    `${(r.reparse.wallMs / 1000).toFixed(2)} s`,
    `${(r.full.wallMs / r.reparse.wallMs).toFixed(2)}×`,
    `${r.full.maxRssMb.toFixed(0)} MiB`,
    `${r.floor.maxRssMb.toFixed(0)} MiB`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ') + ' |';
  console.log(line(head));
  console.log('|' + widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|');
  for (const b of body) console.log(line(b));
  for (const r of rows) console.log(describePasses(r));
}

/**
 * Per repo, what each pass of the full run applied and held back: a fix
 * applied in a later pass either collided with one taken first (held) or is
 * found only once an earlier pass's fixes are in the text.
 */
function describePasses(r: Row): string {
  const total = (m: Record<string, number>) => Object.values(m).reduce((a, b) => a + b, 0);
  const list = (m: Record<string, number>) =>
    Object.entries(m)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .map(([t, n]) => `${t} ${n}`)
      .join(', ');
  const passes = r.passStats.map((p) => {
    const applied = total(p.applied);
    const overlap = total(p.heldOverlap);
    const intent = total(p.heldIntent);
    let s = `pass ${p.pass}: ${applied} applied`;
    if (applied > 0) s += ` (${list(p.applied)})`;
    if (p.pass > 1 && applied > 0) s += `, ${p.appliedAfterHold} of them held in pass ${p.pass - 1}, ${applied - p.appliedAfterHold} found anew`;
    if (overlap > 0) s += `; held, edits overlap: ${overlap} (${list(p.heldOverlap)})`;
    if (intent > 0) s += `; held, intent paths collide: ${intent} (${list(p.heldIntent)})`;
    return s;
  });
  return `passes, ${r.label}: ${r.passStats.length}; ${passes.join('; ')}`;
}

function printScaling(small: Row, big: Row): void {
  const factor = big.files / small.files;
  console.log(
    `scaling: ${big.label} (${big.files} files) against ${small.label} (${small.files} files), ${factor.toFixed(2)}× the files: ` +
      `${(big.full.wallMs / small.full.wallMs).toFixed(2)}× the wall time, ${(big.full.cpuMs / small.full.cpuMs).toFixed(2)}× the CPU time ` +
      `(floor: ${(big.floor.wallMs / small.floor.wallMs).toFixed(2)}× wall)`,
  );
}

interface ColdStart {
  /** With the code cache the build's first run wrote (what every later run of an installed build takes). */
  cli: number[];
  /** The first run of a build: no code cache yet, the bundle compiled from source and the cache written at exit. */
  first: number[];
  node: number[];
}

/**
 * Wall time of `docker-harden --dry-run examples/` as a user starts it (a fresh
 * node process), alternating with a bare `node -e 0` so load on a shared
 * machine hits both alike. The headline figure has the code cache warm: one
 * run first, not counted, compiles the bundle and writes the cache
 * (bin/load-bundle.js), as the first run of an installed build does once. Each
 * round also times such a first run (an empty cache directory of its own), so
 * both are printed.
 * The code caches are kept in directories of the bench's own: in the user's
 * cache directory, every other build run meanwhile (other checkouts on a
 * shared machine) writes its own cache and prunes the oldest, so a counted
 * run could find this build's cache gone and compile the bundle again.
 */
function coldStart(runs: number): ColdStart {
  const bin = path.join(PACKAGE, 'bin', 'docker-harden.js');
  const cacheHome = mkdtempSync(path.join(tmpdir(), 'docker-harden-bench-cache-'));
  try {
    return coldStartRuns(runs, bin, cacheHome);
  } finally {
    rmSync(cacheHome, { recursive: true, force: true });
  }
}

function coldStartRuns(runs: number, bin: string, cacheHome: string): ColdStart {
  const timed = (args: string[], expected: number, env: NodeJS.ProcessEnv = process.env): number => {
    const t0 = performance.now();
    const res = spawnSync(process.execPath, args, { cwd: PACKAGE, encoding: 'utf8', env });
    const ms = performance.now() - t0;
    if (res.status !== expected) throw new Error(`cold start: ${args.join(' ')}: expected exit ${expected}, got ${res.status}: ${res.stderr}`);
    return ms;
  };
  const cliArgs = [bin, '--dry-run', 'examples/'];
  const warm = { ...process.env, XDG_CACHE_HOME: path.join(cacheHome, 'warm'), NODE_DISABLE_COMPILE_CACHE: '' };
  timed(cliArgs, 1, warm);
  const result: ColdStart = { cli: [], first: [], node: [] };
  for (let r = 0; r < runs; r++) {
    result.node.push(timed(['-e', '0'], 0));
    result.cli.push(timed(cliArgs, 1, warm));
    result.first.push(timed(cliArgs, 1, { ...warm, XDG_CACHE_HOME: path.join(cacheHome, `first-${r}`) }));
  }
  return result;
}

function printColdStart(c: ColdStart): void {
  const s = (ms: number) => `${(ms / 1000).toFixed(3)} s`;
  console.log(
    `cold start: docker-harden --dry-run examples/ in a fresh process: ${s(median(c.cli))} median, ${s(Math.min(...c.cli))} min ` +
      `with the code cache written by the build's first run; that first run (no cache yet): ${s(median(c.first))} median, ${s(Math.min(...c.first))} min; ` +
      `${c.cli.length} runs of each alternating with bare node -e 0: ${s(median(c.node))} median, ${s(Math.min(...c.node))} min ` +
      `(load ${loadavg()[0].toFixed(2)})`,
  );
}

async function parent(): Promise<void> {
  const runs = Number(option('runs') ?? 3);
  const keep = process.argv.includes('--keep');
  const make = option('make');
  if (make) {
    writeSyntheticRepo(path.resolve(make), Number(option('files') ?? 2000));
    console.log(`wrote ${option('files') ?? 2000} files under ${path.resolve(make)}`);
    return;
  }
  if (process.argv.includes('--cold-only')) {
    printColdStart(coldStart(Number(option('cold-runs') ?? 20)));
    return;
  }
  const scratch = mkdtempSync(path.join(tmpdir(), 'docker-harden-bench-'));
  console.log(`docker-harden bench: node ${process.version}, median of ${runs} runs (RSS: the highest), floor, floor+reparse and full alternating`);
  try {
    const rows: Row[] = [];
    const dir = option('dir');
    if (dir) {
      const abs = path.resolve(dir);
      const copies = Number(option('copies') ?? 8);
      rows.push(measureDir(path.basename(abs) + ' 1×', abs, runs, scratch));
      const many = path.join(scratch, 'copies');
      for (let c = 0; c < copies; c++) cpSync(abs, path.join(many, `copy${c}`), { recursive: true, verbatimSymlinks: true });
      rows.push(measureDir(`${path.basename(abs)} ${copies}×`, many, runs, scratch));
      printRows(rows);
      printScaling(rows[0], rows[1]);
    } else {
      const sizes = (option('files') ?? '500,1000,2000,8000').split(',').map(Number);
      for (const n of sizes) {
        const repo = path.join(scratch, `synthetic-${n}`);
        writeSyntheticRepo(repo, n);
        rows.push(measureDir(`synthetic ${n}`, repo, runs, scratch));
      }
      printRows(rows);
      const small = rows.find((r) => rows.some((b) => b.files === r.files * 8));
      if (small) printScaling(small, rows.find((b) => b.files === small.files * 8)!);
      else if (rows.length > 1) printScaling(rows[0], rows[rows.length - 1]);
    }
    printColdStart(coldStart(Number(option('cold-runs') ?? 20)));
  } finally {
    if (keep) console.log(`kept ${scratch}`);
    else rmSync(scratch, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') await child();
else await parent();
