// `npm run bench:verify`: how long `docker-harden verify` takes on one stack
// against `docker-compose up` alone, with cached images, on the engine
// DOCKER_HOST names. Builds the stand-in images if needed, builds the stack
// once (so every run below finds its images cached), then measures, each run
// on a fresh copy:
//   compose up -d       the command returning
//   compose up healthy  up -d until every service is healthy (what a person waits for)
//   verify              docker-harden verify (a baseline and a hardened boot, settle period included)
// and prints the medians. Usage: npm run bench:verify -- [--stack redis-worker] [--runs 3] [--settle 5]
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ComposeProject, connectRuntime, sleep, type Runtime } from '../src/runtime/index.js';
import { ensureStandins } from './standins.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** The repository: this runs from dist/bench/. */
const REPO = [path.resolve(HERE, '..'), path.resolve(HERE, '../..')].find((d) => existsSync(path.join(d, 'test/runtime/stacks')))!;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

function copy(stack: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `dh-bench-${stack}-`));
  cpSync(path.join(REPO, 'test/runtime/stacks', stack), dir, { recursive: true });
  return dir;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function allHealthy(rt: Runtime, project: string): Promise<boolean> {
  const infos = await rt.docker.inspect(await rt.docker.projectContainers(project));
  return infos.length > 0 && infos.every((c) => c.running && (c.health === undefined || c.health === 'healthy'));
}

async function main(): Promise<void> {
  const stack = arg('stack', 'redis-worker');
  const runs = Number(arg('runs', '3'));
  const settle = arg('settle', '5');
  const rt = await connectRuntime(process.env);
  process.stderr.write(`engine ${rt.engineVersion}, ${rt.compose.argv.join(' ')} ${rt.compose.version}; stack ${stack}, ${runs} runs\n`);
  await ensureStandins(rt.docker, undefined, (s) => process.stderr.write(`${s}\n`));

  // Build once under a fixed project name: the runs below find every layer cached.
  const warm = copy(stack);
  const warmProject = new ComposeProject(rt.compose, rt.env, 'dh-bench-warm', [path.join(warm, 'docker-compose.yml')], warm, rt.exec);
  await warmProject.build([]);

  const upReturn: number[] = [];
  const upHealthy: number[] = [];
  const verify: number[] = [];
  let boots = 0;
  for (let i = 0; i < runs; i++) {
    const dir = copy(stack);
    const project = new ComposeProject(rt.compose, rt.env, `dh-bench-${i}`, [path.join(dir, 'docker-compose.yml')], dir, rt.exec);
    try {
      await project.build([]);
      const t0 = performance.now();
      const up = await project.up([], 300_000);
      if (up.code !== 0) throw new Error(`compose up failed: ${up.stderr}`);
      upReturn.push(performance.now() - t0);
      while (!(await allHealthy(rt, project.name))) {
        if (performance.now() - t0 > 300_000) throw new Error('not healthy within 300 s');
        await sleep(250);
      }
      upHealthy.push(performance.now() - t0);
    } finally {
      await project.down();
      rmSync(dir, { recursive: true, force: true });
    }

    const vdir = copy(stack);
    try {
      const { main: cli } = await import('../src/cli.js');
      let out = '';
      const t0 = performance.now();
      const code = await cli(['verify', '--format', 'json', '--verify-settle', settle, '.'], { stdout: (s) => void (out += s), stderr: () => {}, isTTY: false, cwd: vdir });
      verify.push(performance.now() - t0);
      const report = JSON.parse(out) as { verify: { boots: number; withheldFixes: unknown[] } };
      if (code !== 1 || report.verify.withheldFixes.length) throw new Error(`verify did not verify everything (exit ${code})`);
      boots = report.verify.boots;
    } finally {
      rmSync(vdir, { recursive: true, force: true });
    }
  }
  await warmProject.down();
  rmSync(warm, { recursive: true, force: true });
  // The images of this benchmark (its compose projects' and verify's, named after the copies).
  for (const ref of ['dh-bench-*', 'dh-verify-dh-bench-*']) {
    const ids = (await rt.docker.run(['images', '-q', '--filter', `reference=${ref}`])).stdout.split('\n').filter(Boolean);
    if (ids.length) await rt.docker.run(['rmi', '-f', ...new Set(ids)]);
  }

  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const rows = [
    ['docker compose up -d (returns)', s(median(upReturn))],
    ['docker compose up -d, until healthy', s(median(upHealthy))],
    [`docker-harden verify (${boots} boots, settle ${settle} s)`, s(median(verify))],
  ];
  const w = Math.max(...rows.map((r) => r[0]!.length));
  process.stdout.write(`\nverify vs compose up: ${stack}, cached images, median of ${runs}\n`);
  for (const [k, v] of rows) process.stdout.write(`  ${k!.padEnd(w)}  ${v}\n`);
  process.stdout.write(`  verify / (up until healthy): ${(median(verify) / median(upHealthy)).toFixed(1)}x\n`);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exitCode = 1;
});
