// Runtime tier, part 1 (see stacks.test.ts): data services that start as
// root and drop to their own user, verified with cap_drop ALL and only the
// capabilities they need given back, and still serving their data.
import { describe, it, expect, beforeAll } from 'vitest';
import { copyStack, expectAllVerified, expectHardened, findEngine, guardRuns, inContainer, keptContainers, removeStack, standins, verifyStack, type Runtime } from './helpers.js';

const engine = await findEngine();
const rt = engine.runtime as Runtime;
const LONG = 20 * 60_000;

describe.skipIf(!rt)('runtime: hardened data services stay healthy on a real engine', () => {
  guardRuns(rt);
  beforeAll(() => standins(rt), LONG);

  it(
    'postgres-db: the database accepts connections with cap_drop ALL and only its given-back capabilities; the one-shot migration exits 0 as before',
    async () => {
      const dir = copyStack('postgres-db');
      try {
        // The one-shot's exit is read after the settle period: on a loaded CI host psql was still
        // running 2 s after it started, before and after hardening alike.
        const r = await verifyStack(dir, process.env, ['verify', '--verify-settle', '15']);
        expect(r.code, r.stderr).toBe(1);
        expectAllVerified(r.report, ['db', 'migrate']);
        const migrate = r.report.verify!.targets[0]!.services.find((s) => s.name === 'migrate')!;
        expect([migrate.baseline.state, migrate.baseline.exitCode, migrate.hardened!.state, migrate.hardened!.exitCode]).toEqual(['exited', 0, 'exited', 0]);
        const c = await keptContainers(rt, dir);
        // The entrypoint starts as root, chowns, and drops to postgres (999): its process keeps no capability.
        await expectHardened(rt, c.get('db')!, 999, { capAdd: ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'SETGID', 'SETUID'] });
        const count = await inContainer(rt, c.get('db')!, ['psql', '-d', 'shop', '-tAc', 'SELECT count(*) FROM items'], 'postgres');
        expect(Number(count.trim())).toBeGreaterThanOrEqual(1);
        const tcp = await inContainer(rt, c.get('db')!, ['env', 'PGPASSWORD=example', 'psql', '-h', '127.0.0.1', '-U', 'postgres', '-d', 'shop', '-tAc', 'SELECT 42']);
        expect(tcp.trim()).toBe('42');
      } finally {
        await removeStack(rt, dir);
      }
    },
    LONG,
  );

  it(
    'redis-worker: redis drops to UID 999 with CHOWN, SETGID, SETUID given back; the node worker keeps counting jobs',
    async () => {
      const dir = copyStack('redis-worker');
      try {
        const r = await verifyStack(dir);
        expect(r.code, r.stderr).toBe(1);
        expectAllVerified(r.report, ['queue', 'worker']);
        const c = await keptContainers(rt, dir);
        await expectHardened(rt, c.get('queue')!, 999, { capAdd: ['CHOWN', 'SETGID', 'SETUID'] });
        await expectHardened(rt, c.get('worker')!, 1000);
        const done = Number((await inContainer(rt, c.get('queue')!, ['redis-cli', 'get', 'jobs:done'])).trim());
        expect(done).toBeGreaterThan(0);
      } finally {
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
