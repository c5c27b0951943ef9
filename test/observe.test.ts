// Runtime observation's logic: from `docker diff` lines to the directories a
// read-only root must leave writable, and what is refused as a guess.
import { describe, expect, it } from 'vitest';
import { writeDirs } from '../src/verify/observe.js';

describe('writeDirs: docker diff to tmpfs carve-outs', () => {
  it('a directory added at start, with the mount point the engine made for a VOLUME left out', () => {
    const diff = ['C /srv', 'C /srv/app', 'A /srv/app/data', 'C /var', 'C /var/cache', 'A /var/cache/app', 'A /var/cache/app/app.pid', 'A /var/cache/app/rendered.conf'];
    expect(writeDirs(diff, ['/srv/app/data'])).toEqual({ dirs: ['/var/cache/app'] });
  });

  it('a file added or changed in an existing directory: that directory', () => {
    expect(writeDirs(['C /run', 'A /run/app.pid', 'C /var', 'C /var/log', 'C /var/log/app', 'C /var/log/app/app.log'])).toEqual({ dirs: ['/run', '/var/log/app'] });
  });

  it('nested carve-outs collapse into the outer one', () => {
    expect(writeDirs(['C /var', 'A /var/spool/x', 'A /var/spool/x/y', 'A /var/spool/x/y/z', 'C /var/spool', 'A /var/spool/q.lock'])).toEqual({ dirs: ['/var/spool'] });
  });

  it('a file written in /etc or the app folder: no tmpfs that would hide the image\'s files', () => {
    const r = writeDirs(['C /etc', 'C /etc/app.conf']);
    expect(r).toEqual({ unknown: expect.stringMatching(/writes \/etc\/app\.conf in \/etc, where a tmpfs would hide/) });
    expect('unknown' in writeDirs(['C /app', 'A /app/cache.db'])).toBe(true);
  });

  it('nothing written: no carve-out; /proc, /sys and /dev are not the image\'s', () => {
    expect(writeDirs([])).toEqual({ dirs: [] });
    expect(writeDirs(['C /dev', 'A /dev/shm/x'])).toEqual({ dirs: [] });
  });

  it('a deleted file needs its directory writable too', () => {
    expect(writeDirs(['C /var', 'C /var/lib', 'C /var/lib/app', 'D /var/lib/app/stale.lock'])).toEqual({ dirs: ['/var/lib/app'] });
  });
});
