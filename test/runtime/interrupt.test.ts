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
import { copyStack, findEngine, guardRuns, projectPrefix, removeStack, standins, verifyLeftovers, type Runtime } from './helpers.js';

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

/**
 * The first container created for a compose project whose name starts with
 * `prefix`, read from `docker events` (pushed by the engine as it happens), or
 * undefined once `ended` settles first. `since`: Unix seconds, taken before
 * the command was started. The child that sends SIGINT is the
 * caller: the container exists from its create event on.
 */
async function firstCreated(rt: Runtime, prefix: string, since: number, ended: Promise<unknown>): Promise<{ project: string; workingDir: string } | undefined> {
  // --since replays what happened before the stream was open: no create is missed while it starts.
  const events = spawn(rt.docker.bin, ['events', '--since', String(since), '--filter', 'type=container', '--filter', 'event=create', '--format', '{{json .Actor.Attributes}}'], {
    env: rt.docker.env,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  try {
    const seen = new Promise<{ project: string; workingDir: string }>((resolve) => {
      let buffered = '';
      events.stdout.on('data', (d) => {
        buffered += d;
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const line of lines) {
          const attrs = JSON.parse(line) as Record<string, string>;
          const project = attrs['com.docker.compose.project'] ?? '';
          if (project.startsWith(prefix)) resolve({ project, workingDir: attrs['com.docker.compose.project.working_dir'] ?? '' });
        }
      });
    });
    return await Promise.race([seen, ended.then(() => undefined)]);
  } finally {
    events.kill();
  }
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
        const since = Math.floor(Date.now() / 1000) - 1;
        const child = spawn(process.execPath, [path.join(REPO, 'bin/docker-harden.js'), 'verify', '--keep', '--format', 'json', '.'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (d) => (stderr += d));
        const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
        // Mid-boot: the engine's own event stream reports the first container of one of its projects
        // as it is created. Polling `docker ps` instead sampled: on a loaded engine each poll took
        // seconds and could fall between boots, so verify sometimes ended unseen (a CI rehearsal).
        const created = await firstCreated(rt, projectPrefix(dir), since, exited);
        expect(created, `verify ended before a container of it was created:\n${stderr}`).toBeDefined();
        child.kill('SIGINT');
        expect(await exited, stderr).toBe(2);
        expect(stderr).toMatch(/docker-harden: verification interrupted; the containers, volumes and copies it made are removed/);
        expect(await verifyLeftovers(rt, dir)).toEqual({ projects: [], workingDirs: [] });
        expect(created!.workingDir, 'the project runs from a copy of the tree').toMatch(/dh-verify-/);
        expect(existsSync(created!.workingDir), `${created!.workingDir} removed`).toBe(false);
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
