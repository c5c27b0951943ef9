// A read_only: true somebody set over a root start that cannot work on a read-only root is kept as written and said:
// dperson/samba's compose has read_only: true over samba.sh, which rewrites /etc/samba/smb.conf and runs adduser at
// start; PR #171 (f079579) set it to false because the container did not come up (docs/reviews/hardening-commits-2026-12-e.md).
// The reasons are the ones compose/read-only withholds for when it would add read_only itself.
import { describe, it, expect } from 'vitest';
import { hardenTree, toCrlf } from './helpers.js';

const ID = 'compose/read-only';

const ALPINE = ['FROM alpine:3.20', 'RUN apk add --no-cache ca-certificates', 'COPY start.sh /usr/bin/start.sh', 'ENTRYPOINT ["/usr/bin/start.sh"]', ''].join('\n');

const ACCOUNTS = ['#!/bin/sh', 'set -e', 'if [ -n "$USER_NAME" ]; then', '  adduser -D -H "$USER_NAME"', 'fi', 'exec /usr/local/bin/app serve', ''].join('\n');
const PACKAGES = ['#!/bin/sh', 'set -e', 'apk add --no-cache tzdata', 'exec /usr/local/bin/app serve', ''].join('\n');
const PLAIN = ['#!/bin/sh', 'set -e', 'exec /usr/local/bin/app serve', ''].join('\n');

const COMPOSE = ['x-locked: &locked', '  read_only: true', '  tmpfs: [/tmp]', 'services:', '  samba:', '    build: .', '    read_only: true', '    tmpfs:', '      - /tmp', '  merged:', '    build: .', '    <<: *locked', ''].join('\n');

async function notes(start: string, crlf = false) {
  const t = (x: string) => (crlf ? toCrlf(x) : x);
  const { result, changed } = await hardenTree({ Dockerfile: t(ALPINE), 'start.sh': t(start), 'compose.yml': t(COMPOSE) }, [ID]);
  const said = result.engine.findings.filter((f) => f.transform === ID && f.message.includes('read_only: true is set, but'));
  return { said, changed };
}

describe('read_only: true set over a root start that needs a writable root', () => {
  it('is kept and reported for account changes, on the service and through a merge key (LF and CRLF)', async () => {
    for (const crlf of [false, true]) {
      const { said, changed } = await notes(ACCOUNTS, crlf);
      expect(changed['compose.yml'], `crlf=${crlf}`).toBeUndefined();
      expect(said.map((f) => f.message.split(':')[0]).sort()).toEqual(['service merged', 'service samba']);
      for (const f of said) {
        expect(f.severity).toBe('warning');
        expect(f.message).toContain('its start script changes accounts as root (adduser (start.sh line 4))');
        expect(f.message).toContain('the start fails on the read-only root; kept as written');
        expect(f.manual).toMatch(/^Set read_only: false until the start works on a read-only root\. Make the account changes at build time/);
      }
    }
  });

  it('is reported for packages installed at start', async () => {
    const { said } = await notes(PACKAGES);
    expect(said).toHaveLength(2);
    expect(said[0]!.message).toContain('its start installs system packages (apk add (start.sh line 3))');
  });

  it('says nothing when the start needs no writable root', async () => {
    const { said, changed } = await notes(PLAIN);
    expect(said).toEqual([]);
    expect(changed['compose.yml']).toBeUndefined();
  });
});
