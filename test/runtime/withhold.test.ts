// Runtime tier, part 2: fixes that really break a service on a real engine.
// verify must see the break, withhold exactly the breaking fix with the
// evidence, and leave the rest of the stack hardened and verified. In place,
// only the verified fixes are written.
import { describe, it, expect, beforeAll } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { copyStack, guardRuns, findEngine, kernelView, keptContainers, removeStack, standins, verifyStack, type Runtime } from './helpers.js';
import type { JsonReport } from '../../src/report/json.js';

const engine = await findEngine();
const rt = engine.runtime as Runtime;
const LONG = 20 * 60_000;

type Verify = NonNullable<JsonReport['verify']>;

function service(v: Verify, name: string) {
  const s = v.targets.flatMap((t) => t.services).find((x) => x.name === name);
  if (!s) throw new Error(`no service ${name} in the verify table`);
  return s;
}

/** The transforms of the findings left applied (fixed or fixable) for a service's files. */
function applied(report: JsonReport, match: (path: string, message: string) => boolean): string[] {
  return report.findings
    .filter((f) => (f.status === 'fixable' || f.status === 'fixed') && match(f.path, f.message))
    .map((f) => f.transform)
    .sort();
}

describe.skipIf(!rt)('runtime: verify withholds exactly the fix that breaks a service', () => {
  guardRuns(rt);
  beforeAll(() => standins(rt), LONG);

  it(
    'an app that writes into its WORKDIR at start, not observed (--no-observe): compose/read-only is withheld for it, everything else stays and is verified',
    async () => {
      const dir = copyStack('neg-workdir-write');
      try {
        // Without observation: the baseline run shows the write into /app, and compose/read-only then reports
        // it for a human instead of adding read_only (test/observe-built.test.ts); this case is about a write
        // nothing told the tool of, which only the hardened run shows.
        const r = await verifyStack(dir, process.env, ['verify', '--no-observe']);
        const v = r.report.verify!;
        expect(r.code, r.stderr).toBe(1);
        expect(v.withheldFixes.map((w) => [w.transform, w.evidence.reason, w.evidence.service])).toEqual([['compose/read-only', 'broke', 'web']]);
        const why = v.withheldFixes[0]!.evidence;
        expect(why.lines.join('\n')).toMatch(/EROFS|read-only file system/i);
        expect(service(v, 'web').status).toBe('withheld');
        expect(service(v, 'web').problems.length).toBeGreaterThan(0);
        expect(service(v, 'status').status).toBe('verified');
        const withheld = r.report.findings.filter((f) => f.status === 'withheld');
        expect(withheld.map((f) => [f.transform, f.message.slice(0, 13)])).toEqual([['compose/read-only', 'service web: ']]);
        expect(applied(r.report, (p, m) => p === 'web/Dockerfile' || m.startsWith('service web:'))).toEqual(['compose/cap-drop', 'compose/no-new-privileges', 'dockerfile/non-root-user']);
        // The kernel: web runs as node, without capabilities, no-new-privileges, with a writable root.
        const c = await keptContainers(rt, dir);
        const web = c.get('web')!;
        expect(web.health).toBe('healthy');
        const proc = await kernelView(rt, web);
        expect([proc.uid, proc.caps, proc.noNewPrivs, web.readOnlyRootfs]).toEqual([1000, [], true, false]);
        const status = c.get('status')!;
        expect([(await kernelView(rt, status)).uid, status.readOnlyRootfs, status.health]).toEqual([1000, true, 'healthy']);
      } finally {
        await removeStack(rt, dir);
      }
    },
    LONG,
  );

  it(
    'an entrypoint (written by RUN, unreadable to the tool) that always drops with the base\'s setpriv: dockerfile/non-root-user is withheld; in place, only the verified fixes are written',
    async () => {
      const dir = copyStack('neg-setpriv');
      try {
        const before = readFileSync(path.join(dir, 'job/Dockerfile'), 'utf8');
        const r = await verifyStack(dir, process.env, ['--verify']);
        const v = r.report.verify!;
        expect(r.code, r.stderr).toBe(1); // a fix was withheld
        // Withheld: the USER (setpriv cannot switch as the user). cap_drop is not withheld but no longer proposed: it follows the USER.
        expect(v.withheldFixes.map((w) => [w.transform, w.path, w.evidence.service])).toEqual([['dockerfile/non-root-user', 'job/Dockerfile', 'job']]);
        expect(v.withheldFixes[0]!.evidence.lines.join('\n')).toMatch(/setpriv|operation not permitted/i);
        expect(service(v, 'job').status).toBe('withheld');
        expect(service(v, 'status').status).toBe('verified');
        // Written: everything verified; the job's Dockerfile keeps its root entrypoint.
        expect(readFileSync(path.join(dir, 'job/Dockerfile'), 'utf8')).toBe(before);
        expect(readFileSync(path.join(dir, 'status/Dockerfile'), 'utf8')).toMatch(/^USER 1000:1000$/m);
        const compose = readFileSync(path.join(dir, 'docker-compose.yml'), 'utf8');
        expect(compose.match(/no-new-privileges:true/g)?.length).toBe(2);
        expect(compose.match(/read_only: true/g)?.length).toBe(2);
        // cap_drop only for status: with the USER withheld, job's entrypoint runs as root, and cap-drop only applies to non-root services.
        expect(compose.match(/cap_drop: \[ALL\]/g)?.length).toBe(1);
        const job = (await keptContainers(rt, dir)).get('job')!;
        const proc = await kernelView(rt, job);
        expect([job.health, job.readOnlyRootfs, proc.noNewPrivs, proc.uid]).toEqual(['healthy', true, true, 1500]);
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
