// Runtime tier: Ctrl-C during `docker-harden verify` on a real engine. The
// command (bin/docker-harden.js, as a person runs it, with --keep) gets SIGINT
// while its first boot is coming up; it must stop, take down every project it
// started (containers, networks, volumes, found by their compose project label)
// and remove its copies of the tree, even with --keep, and exit 2.
// test/verify.test.ts shows the same against the stand-in engine, command by command.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it, expect, beforeAll } from 'vitest';
import { REPO } from '../helpers.js';
import { copyStack, findEngine, guardRuns, removeStack, standins, verifyLeftovers, type Runtime } from './helpers.js';

const engine = await findEngine();
const rt = engine.runtime as Runtime;
const LONG = 20 * 60_000;

/** The newest modification time of the files under a folder. */
function newest(dir: string): number {
  let t = 0;
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    const st = statSync(p);
    t = Math.max(t, st.isDirectory() ? newest(p) : st.mtimeMs);
  }
  return t;
}

describe.skipIf(!rt)('runtime: Ctrl-C during verify leaves nothing behind', () => {
  guardRuns(rt);
  beforeAll(() => standins(rt), LONG);

  it(
    'SIGINT while the baseline boots: exit 2, and no container, network, volume or copy of the tree of its projects is left, --keep or not',
    async (ctx) => {
      // The command as installed runs the build in dist/ (npm test builds it first).
      const cli = path.join(REPO, 'dist/src/cli.js');
      const stale = !existsSync(cli) || ['src', 'transforms'].some((d) => newest(path.join(REPO, d)) > statSync(cli).mtimeMs);
      if (stale) {
        const why = 'dist/ is older than src/ or transforms/ (run npm run build)';
        if (process.env.CI) throw new Error(`CI must run it: ${why}`);
        return ctx.skip(why);
      }
      const dir = copyStack('observed-writes');
      try {
        const child = spawn(process.execPath, [path.join(REPO, 'bin/docker-harden.js'), 'verify', '--keep', '--format', 'json', '.'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (d) => (stderr += d));
        const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
        // Mid-boot: once a container of one of its projects exists (created or running), before verify is done.
        let seen: Awaited<ReturnType<typeof verifyLeftovers>> = { projects: [], workingDirs: [] };
        while (child.exitCode === null && seen.workingDirs.length === 0) {
          await new Promise((r) => setTimeout(r, 200));
          seen = await verifyLeftovers(rt, dir);
        }
        expect(child.exitCode, `verify ended before a container of it was seen:\n${stderr}`).toBe(null);
        child.kill('SIGINT');
        expect(await exited, stderr).toBe(2);
        expect(stderr).toMatch(/docker-harden: verification interrupted; the containers, volumes and copies it made are removed/);
        expect(await verifyLeftovers(rt, dir)).toEqual({ projects: [], workingDirs: [] });
        for (const wd of seen.workingDirs) expect(existsSync(wd), `${wd} removed`).toBe(false);
      } finally {
        // Its images (verify keeps them as build cache) and the stack copy.
        await removeStack(rt, dir);
      }
    },
    LONG,
  );
});

if (!rt) {
  describe('runtime tier (skipped)', () => {
    it.skip(`${engine.reason} (see DEVELOPERS.md)`, () => {});
  });
}
