// What an interrupt does to the commands the runtime adapter runs
// (src/runtime/exec.ts), with plain shell commands instead of the Docker CLI.
import { describe, it, expect, afterEach } from 'vitest';
import { execCapture, interruptAll, resetInterrupt } from '../src/runtime/exec.js';

afterEach(() => resetInterrupt());

describe('runtime commands on an interrupt', () => {
  it('stops a running command, and a later one fails fast', async () => {
    const running = execCapture('sh', ['-c', 'sleep 5; echo done']);
    await new Promise((r) => setTimeout(r, 100));
    interruptAll();
    await expect(running).rejects.toThrow('interrupted');
    await expect(execCapture('sh', ['-c', 'echo never'])).rejects.toThrow('interrupted');
  });

  it('lets a command that makes something on the engine finish (docker create), so the cleanup finds what it made', async () => {
    const started = Date.now();
    const create = execCapture('sh', ['-c', 'sleep 0.5; echo created'], { finishOnInterrupt: true });
    await new Promise((r) => setTimeout(r, 100));
    interruptAll();
    await expect(create).resolves.toMatchObject({ code: 0, stdout: 'created\n', timedOut: false });
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    // Its time limit still holds.
    resetInterrupt();
    const stuck = execCapture('sh', ['-c', 'sleep 5'], { finishOnInterrupt: true, timeoutMs: 200 });
    interruptAll();
    await expect(stuck).resolves.toMatchObject({ timedOut: true });
  });

  it("runs such a command in its own process group, out of reach of a terminal's Ctrl-C", async () => {
    // The process group (field 5 of /proc/PID/stat) of the shell itself, and of this test's process.
    const pgid = async (pid: string, opts = {}) => Number((await execCapture('sh', ['-c', `cut -d' ' -f5 /proc/${pid}/stat`], opts)).stdout.trim());
    const ours = await pgid(String(process.pid));
    expect(await pgid('$$')).toBe(ours);
    expect(await pgid('$$', { finishOnInterrupt: true })).not.toBe(ours);
  });
});
