// The stand-in builds' retry (bench/standins.ts buildImage), with a fake
// executor: a mirror failure is tried again, a Dockerfile's own failure is not.
import { describe, it, expect } from 'vitest';
import { Docker } from '../src/runtime/docker.js';
import type { ExecResult } from '../src/runtime/exec.js';
import { buildImage } from '../bench/standins.js';

function scripted(results: Partial<ExecResult>[]): { docker: Docker; calls: string[][] } {
  const calls: string[][] = [];
  const docker = new Docker('docker', {}, async (_cmd, args) => {
    calls.push(args);
    return { code: 0, stdout: '', stderr: '', timedOut: false, ...results[Math.min(calls.length - 1, results.length - 1)] };
  });
  return { docker, calls };
}

const timeout = {
  code: 100,
  stderr: 'E: Failed to fetch http://deb.debian.org/debian/pool/main/g/gosu/gosu_1.14-1+b10_amd64.deb  Could not connect to deb.debian.org:80 (151.101.2.132), connection timed out\nE: Unable to fetch some archives',
};

describe('stand-in builds: a package mirror failure is tried again', () => {
  it('a mirror timeout, then success: built on the second attempt, with a log line', async () => {
    const { docker, calls } = scripted([timeout, { code: 0 }]);
    const logged: string[] = [];
    const r = await buildImage(docker, ['-q', '-t', 'x:1', '/ctx'], {}, (m) => logged.push(m), 0);
    expect(r.code).toBe(0);
    expect(calls).toEqual([['build', '-q', '-t', 'x:1', '/ctx'], ['build', '-q', '-t', 'x:1', '/ctx']]);
    expect(logged).toEqual(['docker build /ctx: the package mirror failed (attempt 1 of 3); trying again in 0 s']);
  });

  it('a mirror that keeps failing: three attempts, then the last failure is returned', async () => {
    const { docker, calls } = scripted([timeout]);
    const r = await buildImage(docker, ['/ctx'], {}, () => {}, 0);
    expect([r.code, calls.length]).toEqual([100, 3]);
    expect(r.stderr).toContain('Could not connect');
  });

  it("the Dockerfile's own failure (no such package, a failing command) is returned at once", async () => {
    const { docker, calls } = scripted([{ code: 100, stderr: 'E: Unable to locate package gosuu' }]);
    const r = await buildImage(docker, ['/ctx'], {}, () => {}, 0);
    expect([r.code, calls.length]).toEqual([100, 1]);
  });
});
