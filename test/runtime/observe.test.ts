// Runtime tier, observation of images built here (issue 10): what a service
// writes at start that no file says is seen in verify's baseline run (`docker
// diff`), and the hardened stack makes it writable the way the transforms make
// start-script writes writable: created and chowned at build time for the
// non-root user, a tmpfs it owns for a cache, a named volume for data kept
// across restarts. Skips with a visible message without an engine.
import { describe, it, expect, beforeAll } from 'vitest';
import { rmSync } from 'node:fs';
import { copyStack, guardRuns, findEngine, inContainer, kernelView, keptContainers, removeStack, standins, verifyStack, type Runtime } from './helpers.js';
import { runCli } from '../helpers.js';
import type { JsonReport } from '../../src/report/json.js';

const engine = await findEngine();
const rt = engine.runtime as Runtime;
const LONG = 20 * 60_000;

describe.skipIf(!rt)('runtime: observed start-up writes of an image built here', () => {
  guardRuns(rt);
  beforeAll(() => standins(rt), LONG);

  it(
    'a cache under the root-owned WORKDIR and a SQLite database under /var/lib made at start: chowned at build time, tmpfs and named volume, verified as UID 1000; the files alone do not say so',
    async () => {
      const dir = copyStack('observed-writes');
      try {
        const r = await verifyStack(dir);
        const v = r.report.verify!;
        expect(v.withheldFixes, r.stderr).toEqual([]);
        expect(v.targets[0]!.services.map((s) => [s.name, s.status])).toEqual([['web', 'verified']]);
        expect(r.report.observedBuilds?.[0]?.writes.map((w) => [w.path, w.kind, w.keeps ?? null])).toEqual([
          ['/app/cache', 'dir', null],
          ['/var/lib/app', 'dir', '/var/lib/app/state.db is a database file'],
        ]);
        const diff = r.report.files.find((f) => f.path === 'web/Dockerfile')!.diff!;
        expect(diff).toMatch(/chown 1000:1000 [^\n]*\/app\/cache/);
        expect(diff).toMatch(/chown 1000:1000 [^\n]*\/var\/lib\/app/);
        const compose = r.report.files.find((f) => f.path === 'docker-compose.yml')!.diff!;
        expect(compose).toContain('"/app/cache:size=64m,uid=1000,gid=1000"');
        expect(compose).toContain('+    volumes: ["web-app:/var/lib/app"]');
        expect(compose).toContain('+  web-app: {}');
        const userFix = r.report.findings.find((f) => f.transform === 'dockerfile/non-root-user')!;
        expect(userFix.message).toMatch(/observed: \/app\/cache written at start \(baseline run of docker-compose\.yml#web\)/);
        // The kernel: UID 1000 on a read-only root, the database in the named volume.
        const web = (await keptContainers(rt, dir)).get('web')!;
        expect([web.health, web.readOnlyRootfs, (await kernelView(rt, web)).uid]).toEqual(['healthy', true, 1000]);
        expect(await inContainer(rt, web, ['python3', '-c', "import sqlite3; print(sqlite3.connect('/var/lib/app/state.db').execute('select count(*) from starts').fetchone()[0])"])).toBe('1\n');
        const mounts = await rt.docker.run(['inspect', '-f', '{{range .Mounts}}{{.Type}} {{.Destination}};{{end}}', web.id]);
        expect(mounts.stdout).toContain('volume /var/lib/app;');
      } finally {
        await removeStack(rt, dir);
      }

      // The files alone do not say it writes there (a dry run, no engine): without observation the USER would
      // break it (PermissionError at start), as test/runtime/withhold.test.ts shows for a write nothing saw.
      const blind = copyStack('observed-writes');
      try {
        const r = await runCli(['--dry-run', '--format', 'json', '.'], blind);
        const files = (JSON.parse(r.stdout) as JsonReport).files;
        expect(files.find((f) => f.path === 'web/Dockerfile')!.diff).not.toMatch(/\/app\/cache|\/var\/lib\/app/);
        expect(files.find((f) => f.path === 'docker-compose.yml')!.diff).not.toMatch(/web-app/);
      } finally {
        rmSync(blind, { recursive: true, force: true });
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
