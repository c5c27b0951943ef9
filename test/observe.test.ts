// Runtime observation's logic: from `docker diff` lines to the directories a
// read-only root must leave writable, and what is refused as a guess.
import { describe, expect, it } from 'vitest';
import { writeDirs } from '../src/verify/observe.js';
import { parseListeningPorts } from '../src/runtime/index.js';

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

describe('parseListeningPorts: /proc/<pid>/net/tcp and tcp6', () => {
  it('ports in LISTEN state (st 0A) only, IPv4 and IPv6, once each, sorted; not the engine\'s DNS on 127.0.0.11', () => {
    const tcp = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0000000000000000 100 0 0 10 0',
      '   1: 0100007F:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0000000000000000 100 0 0 10 0',
      '   2: 0100007F:1F90 0100007F:D2C4 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0000000000000000 20 4 30 10 -1',
      '   3: 0B00007F:B525 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4 1 0000000000000000 100 0 0 10 0',
    ].join('\n');
    const tcp6 = [
      '  sl  local_address                         remote_address                        st tx_queue rx_queue',
      '   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000',
      '   1: 00000000000000000000000000000000:18EB 00000000000000000000000000000000:0000 0A 00000000:00000000',
    ].join('\n');
    expect(parseListeningPorts(`${tcp}\n${tcp6}`)).toEqual([80, 6379, 8080]);
    expect(parseListeningPorts(tcp.split('\n')[0]!)).toEqual([]);
  });
});
