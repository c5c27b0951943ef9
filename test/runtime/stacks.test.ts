// Runtime tier, part 1: real stacks on a real Docker Engine. Each fixture
// stack builds offline from the stand-in images, is healthy unhardened, and
// after `docker-harden verify` every service is verified: healthy, non-root
// where it was hardened, read-only, without capabilities, with
// no-new-privileges, and the app still does its job. The asserts read the
// kernel (/proc/<pid>/status of the main process) and the engine (docker
// inspect) of the containers verify left running (--keep), not our files.
// Web apps here; data services in stacks-data.test.ts, users and groups in
// stacks-users.test.ts (files of their own: vitest runs files side by side,
// and each verify spends most of its time waiting on the engine).
import { describe, it, expect, beforeAll } from 'vitest';
import { copyStack, expectAllVerified, expectHardened, findEngine, guardRuns, inContainer, keptContainers, kernelView, removeStack, standins, verifyStack, type Runtime } from './helpers.js';

const engine = await findEngine();
const rt = engine.runtime as Runtime;
const LONG = 20 * 60_000;

describe.skipIf(!rt)('runtime: hardened web stacks stay healthy on a real engine', () => {
  guardRuns(rt);
  beforeAll(() => standins(rt), LONG);

  it(
    'sqlite-api: the API writes its sqlite file into its volume as UID 1000; the runtime Dockerfile no compose file builds is verified too',
    async () => {
      const dir = copyStack('sqlite-api');
      try {
        const r = await verifyStack(dir);
        expect(r.code, r.stderr).toBe(1); // verified, and changes pending (a dry run)
        expectAllVerified(r.report, ['api', 'app']);
        expect(r.report.verify!.targets.map((t) => t.label).sort()).toEqual(['docker-compose.yml', 'jobs/Dockerfile']);
        // Before: root with the default capabilities; the table says so from the baseline run.
        const api = r.report.verify!.targets.find((t) => t.kind === 'compose')!.services[0]!;
        expect(api.baseline.uid).toBe(0);
        expect(api.baseline.caps!.length).toBeGreaterThan(5);
        expect(api.hardened!.writable).toContainEqual({ path: '/var/lib/notes', ok: true });

        const c = await keptContainers(rt, dir);
        await expectHardened(rt, c.get('api')!, 1000);
        const post = `import urllib.request as u; print(u.urlopen(u.Request('http://127.0.0.1:8000/notes', data=b'buy milk', method='POST')).read().decode())`;
        expect(await inContainer(rt, c.get('api')!, ['python3', '-c', post])).toContain('"id"');
        expect(await inContainer(rt, c.get('api')!, ['python3', '-c', `import urllib.request as u; print(u.urlopen('http://127.0.0.1:8000/notes').read().decode())`])).toContain('buy milk');
        expect((await inContainer(rt, c.get('api')!, ['stat', '-c', '%u', '/var/lib/notes/notes.db'])).trim()).toBe('1000');
        // The Dockerfile target: only its USER changes (no compose settings to harden).
        const job = c.get('app')!;
        expect((await kernelView(rt, job)).uid).toBe(1000);
      } finally {
        await removeStack(rt, dir);
      }
    },
    LONG,
  );

  it(
    'nginx-proxy: nginx becomes nginx-unprivileged (UID 101) and serves and proxies on 8080',
    async () => {
      const dir = copyStack('nginx-proxy');
      try {
        const r = await verifyStack(dir);
        expect(r.code, r.stderr).toBe(1);
        expectAllVerified(r.report, ['web', 'app']);
        const c = await keptContainers(rt, dir);
        await expectHardened(rt, c.get('web')!, 101);
        await expectHardened(rt, c.get('app')!, 1000);
        expect(await inContainer(rt, c.get('web')!, ['curl', '-fsS', 'http://localhost:8080/'])).toContain('Shop front');
        const api = JSON.parse(await inContainer(rt, c.get('web')!, ['curl', '-fsS', 'http://localhost:8080/api/hello']));
        expect(api).toMatchObject({ hello: 'shop', uid: 1000 });
        // Nothing listens on 80 any more.
        await expect(inContainer(rt, c.get('web')!, ['curl', '-fsS', 'http://localhost:80/'])).rejects.toThrow();
      } finally {
        await removeStack(rt, dir);
      }
    },
    LONG,
  );

  it(
    'nginx-templates: the image as it is, configured by templates its entrypoint renders; swapped, and on a read-only root with conf.d a tmpfs, it still proxies',
    async () => {
      const dir = copyStack('nginx-templates');
      try {
        const r = await verifyStack(dir);
        expect(r.code, r.stderr).toBe(1);
        expectAllVerified(r.report, ['web', 'app']);
        const c = await keptContainers(rt, dir);
        const web = c.get('web')!;
        await expectHardened(rt, web, 101);
        // The render happened as UID 101 into the tmpfs: the proxy answers, on 8080.
        expect((await inContainer(rt, web, ['stat', '-c', '%u', '/etc/nginx/conf.d/default.conf'])).trim()).toBe('101');
        expect(await inContainer(rt, web, ['curl', '-fsS', 'http://localhost:8080/'])).toContain('rendered from a template');
        expect(JSON.parse(await inContainer(rt, web, ['curl', '-fsS', 'http://localhost:8080/api/hello']))).toMatchObject({ hello: 'shop' });
        await expect(inContainer(rt, web, ['touch', '/etc/nginx/x'])).rejects.toThrow();
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
