// Runtime tier, part 1 (see stacks.test.ts): users and groups. A non-root
// client of the engine's socket through group_add with the socket's real GID,
// and a user created beside a base's own account of the same name.
import { describe, it, expect, beforeAll } from 'vitest';
import { copyStack, engineSocket, expectAllVerified, expectHardened, findEngine, guardRuns, inContainer, keptContainers, kernelView, removeStack, socketProxy, standins, verifyStack, type Runtime } from './helpers.js';

const engine = await findEngine();
const rt = engine.runtime as Runtime;
const LONG = 20 * 60_000;

describe.skipIf(!rt)('runtime: hardened stacks keep their users and groups right on a real engine', () => {
  guardRuns(rt);
  beforeAll(() => standins(rt), LONG);

  it(
    'socket-watcher: a non-root client reaches the engine through group_add with the socket\'s real GID',
    async (ctx) => {
      const socket = engineSocket();
      if (!socket || process.getuid?.() !== 0) {
        // The proxy socket needs a chown to a dedicated group (root) and a local engine socket; CI has both.
        const why = 'socket-watcher needs root and a local engine socket';
        if (process.env.CI) throw new Error(`CI must run it: ${why}`);
        return ctx.skip(why);
      }
      const gid = 2376; // a group no distribution uses for docker: the default 999 cannot pass by luck
      const proxy = await socketProxy(socket, gid);
      const dir = copyStack('socket-watcher');
      try {
        const r = await verifyStack(dir, { ...process.env, DOCKER_HOST: `unix://${proxy.path}`, DOCKER_GID: String(gid) });
        expect(r.code, r.stderr).toBe(1);
        expectAllVerified(r.report, ['watcher']);
        expect(r.report.findings.map((f) => f.transform)).toContain('compose/docker-socket-group');
        const c = (await keptContainers(rt, dir)).get('watcher')!;
        await expectHardened(rt, c, 1000);
        expect(c.groupAdd).toEqual([String(gid)]);
        expect((await kernelView(rt, c)).groups).toContain(gid);
        expect(c.mounts.find((m) => m.destination === '/var/run/docker.sock')?.source).toBe(proxy.path);
        await inContainer(rt, c, ['python3', '/srv/watcher/watcher.py', '--check']);
        const logs = await rt.docker.logs(c.id);
        expect(logs.join('\n')).toMatch(/watcher: engine \d+\.\d+/);
      } finally {
        await removeStack(rt, dir);
        await proxy.close();
      }
    },
    LONG,
  );

  it(
    'user-name-taken: a base that already has `app` at 999 (not inspected): the user is created as app-1000 at UID 1000, the base\'s app stays at 999, and the worker verifies',
    async () => {
      const dir = copyStack('user-name-taken');
      try {
        // Without inspection the tool does not know the base's accounts and writes the guarded command.
        const r = await verifyStack(dir, process.env, ['verify', '--no-inspect-images']);
        expect(r.code, r.stderr).toBe(1);
        expectAllVerified(r.report, ['worker', 'status']);
        expect(r.report.findings.find((f) => f.path === 'worker/Dockerfile' && f.transform === 'dockerfile/non-root-user')?.message).toMatch(/named app-1000 where the base already uses app/);
        const c = await keptContainers(rt, dir);
        const worker = c.get('worker')!;
        await expectHardened(rt, worker, 1000);
        expect((await inContainer(rt, worker, ['id'])).trim()).toBe('uid=1000(app-1000) gid=1000(app-1000) groups=1000(app-1000)');
        expect((await inContainer(rt, worker, ['getent', 'passwd', 'app'])).trim()).toMatch(/^app:x:999:999:/);
        expect((await inContainer(rt, worker, ['sh', '-c', 'echo "$HOME $(stat -c %u /home/app)"'])).trim()).toBe('/home/app 1000');
        expect((await rt.docker.logs(worker.id)).join('\n')).toMatch(/worker: runtime 2\.4, uid 1000/);
      } finally {
        await removeStack(rt, dir);
      }
    },
    LONG,
  );
});

describe.skipIf(!rt)('runtime: a LinuxServer.io start under cap_drop ALL', () => {
  guardRuns(rt);
  beforeAll(() => standins(rt), LONG);

  it(
    'linuxserver-app: the init renumbers abc, chowns a /config left by UID 911 and supervises the app as abc with exactly CHOWN, DAC_OVERRIDE, FOWNER, KILL, SETGID, SETUID',
    async () => {
      const dir = copyStack('linuxserver-app');
      try {
        const r = await verifyStack(dir);
        expect(r.code, r.stderr).toBe(1); // read_only is left for a human (s6 writes /run; init-adduser, /etc/passwd)
        expectAllVerified(r.report, ['app']);
        const c = (await keptContainers(rt, dir)).get('app')!;
        expect(c.running).toBe(true);
        expect(c.health).toBe('healthy');
        expect(c.capDrop).toEqual(['ALL']);
        expect([...c.capAdd].sort()).toEqual(['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'KILL', 'SETGID', 'SETUID']);
        expect(c.readOnlyRootfs).toBe(false);
        const init = await kernelView(rt, c);
        expect(init.uid, 's6-svscan supervises as root').toBe(0);
        expect(init.noNewPrivs).toBe(true);
        // The private tree the image left at 911 is abc's (1000) now: root descended it and chmodded abc's log.
        expect((await inContainer(rt, c, ['stat', '-c', '%u:%g %a', '/config/db/data', '/config/log/app.log'])).trim().split('\n')).toEqual(['1000:1000 600', '1000:1000 644']);
        // The app runs as abc; s6-supervise (root) stops it with TERM, which needs KILL for another UID.
        expect((await inContainer(rt, c, ['id', '-u', 'abc'])).trim()).toBe('1000');
        await inContainer(rt, c, ['s6-svc', '-wd', '-T', '20000', '-d', '/run/service/app']);
        expect((await inContainer(rt, c, ['cat', '/config/stopped'])).trim()).toBe('TERM');
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
