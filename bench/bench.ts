// `npm run bench`: builds a synthetic repository (default 2,000 files mixing
// Dockerfiles and compose files in varied shapes), then measures in separate
// processes (so peak RSS is each run's own):
//   full  - the CLI's --dry-run end to end (discover, model, transforms, engine, diff)
//   floor - discovering, reading and parsing the same files, nothing else
// and prints files/s, wall time, peak RSS and the full/floor ratio.
// Usage: npm run bench -- [--files N] [--runs R] [--keep]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = fileURLToPath(import.meta.url);

interface Sample {
  wallMs: number;
  maxRssMb: number;
  files: number;
}

async function measure(mode: 'full' | 'floor', dir: string): Promise<Sample> {
  const started = performance.now();
  let files = 0;
  if (mode === 'full') {
    const { main } = await import('../src/cli.js');
    let out = 0;
    const code = await main(['--dry-run', dir], { stdout: (s) => (out += s.length), stderr: () => undefined, isTTY: false, cwd: dir });
    if (code !== 1) throw new Error(`expected exit 1 (changes pending), got ${code}`);
  } else {
    const { discover } = await import('../src/discover.js');
    const { loadProject } = await import('../src/model.js');
    const found = await discover([dir], dir, { exclude: [] });
    const project = await loadProject(found.files, dir, found.roots);
    files = project.files.size;
  }
  const wallMs = performance.now() - started;
  return { wallMs, maxRssMb: process.resourceUsage().maxRSS / 1024, files };
}

// ------------------------------------------------------------ the repo

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

function buildRepo(total: number): string {
  const root = mkdtempSync(path.join(tmpdir(), 'docker-harden-bench-'));
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
  return root;
}

// ---------------------------------------------------------------- main

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function child(): Promise<void> {
  const mode = process.argv[3] as 'full' | 'floor';
  const sample = await measure(mode, process.argv[4]);
  process.stdout.write(JSON.stringify(sample));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function parent(): Promise<void> {
  const files = arg('files', 2000);
  const runs = arg('runs', 3);
  const dir = buildRepo(files);
  const run = (mode: string): Sample => {
    const r = spawnSync(process.execPath, [HERE, '--child', mode, dir], { encoding: 'utf8', maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new Error(`bench ${mode} failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as Sample;
  };
  const results: Record<string, Sample> = {};
  for (const mode of ['floor', 'full']) {
    const samples = Array.from({ length: runs }, () => run(mode));
    results[mode] = {
      wallMs: median(samples.map((s) => s.wallMs)),
      maxRssMb: Math.max(...samples.map((s) => s.maxRssMb)),
      files: samples[0].files,
    };
  }
  const line = (name: string, s: Sample) =>
    `${name.padEnd(34)} ${(files / (s.wallMs / 1000)).toFixed(0).padStart(8)} files/s ${s.wallMs.toFixed(0).padStart(8)} ms ${s.maxRssMb.toFixed(0).padStart(6)} MiB peak RSS`;
  console.log(`docker-harden bench: ${files} files (${results.floor.files} parsed), median of ${runs} runs, node ${process.version}`);
  console.log(line('full --dry-run (end to end)', results.full));
  console.log(line('floor (discover + read + parse)', results.floor));
  console.log(`ratio full/floor: ${(results.full.wallMs / results.floor.wallMs).toFixed(2)}x wall time, ${(results.full.maxRssMb / results.floor.maxRssMb).toFixed(2)}x peak RSS`);
  if (!process.argv.includes('--keep')) rmSync(dir, { recursive: true, force: true });
  else console.log(`repo kept at ${dir}`);
}

if (process.argv[2] === '--child') await child();
else await parent();
