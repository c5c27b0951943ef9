// A root service built here whose start writes into a folder of the system (dockur/dnsmasq's entrypoint copies its
// template to /etc/dnsmasq.custom): no read-only root, since no tmpfs can go there. And a service's own cap_add:
// kept beside a new cap_drop: [ALL] where its needs are known, named and left as it is where they are not (#154).
import { describe, it, expect } from 'vitest';
import { hardenTree, toCrlf } from './helpers.js';

const ALPINE = 'FROM alpine:3.20\nRUN apk add --no-cache bash dnsmasq\nCOPY entrypoint.sh /usr/bin/entrypoint.sh\nENTRYPOINT ["/usr/bin/entrypoint.sh"]\n';

async function findings(tree: Record<string, string>, compose = 'services:\n  dns:\n    build: .\n', ids = ['compose/read-only', 'compose/cap-drop']) {
  const { result, changed } = await hardenTree({ 'compose.yaml': compose, ...tree }, ids);
  const of = (id: string) => result.engine.findings.find((f) => f.transform === id)!;
  return { readOnly: of('compose/read-only'), capDrop: of('compose/cap-drop'), compose: changed['compose.yaml'] };
}

describe('a start that writes into a folder of the system', () => {
  it.each([
    ['cp through a variable, under set -e (dnsmasq)', '#!/usr/bin/env bash\nset -Eeuo pipefail\nconf=/etc/dnsmasq.conf\nif [ ! -f "$conf" ]; then\n  conf=/etc/dnsmasq.custom\n  cp /etc/dnsmasq.default "$conf"\nfi\nexec dnsmasq --conf-file="$conf" -k\n', '/etc/dnsmasq.custom'],
    ['a redirect', '#!/bin/sh\necho "server=$DNS1" > /etc/dnsmasq.d/upstream.conf\nexec dnsmasq -k\n', '/etc/dnsmasq.d/upstream.conf'],
    ['sed -i in /usr/share', '#!/bin/sh\nsed -i "s/x/y/" /usr/share/app/config.js\nexec dnsmasq -k\n', '/usr/share/app/config.js'],
  ])('%s: read_only withheld, naming the file', async (_, script, file) => {
    for (const text of [script, toCrlf(script)]) {
      const { readOnly, compose } = await findings({ Dockerfile: ALPINE, 'entrypoint.sh': text });
      expect(readOnly.fix).toBeUndefined();
      // A file in a folder two levels down (/etc/dnsmasq.d) is declared as the start's data and reported as such; one in
      // /etc itself or a system tree is named by this check.
      expect(readOnly.message).toContain(file);
      expect(readOnly.message).toContain('root left writable');
      expect(compose ?? '').not.toContain('read_only');
    }
  });

  it('a file the service mounts there, or writes under /tmp only: read_only added', async () => {
    const writes = '#!/bin/sh\nset -e\ncp /etc/dnsmasq.default /etc/dnsmasq.custom\nexec dnsmasq -k\n';
    const mounted = await findings({ Dockerfile: ALPINE, 'entrypoint.sh': writes }, 'services:\n  dns:\n    build: .\n    volumes:\n      - ./dnsmasq.custom:/etc/dnsmasq.custom\n');
    expect(mounted.readOnly.fix).toBeDefined();
    const scratch = await findings({ Dockerfile: ALPINE, 'entrypoint.sh': '#!/bin/sh\nset -e\nmkdir -p /tmp/dnsmasq.d\ncp /etc/dnsmasq.default /tmp/dnsmasq.conf\nexec dnsmasq -k -C /tmp/dnsmasq.conf\n' });
    expect(scratch.readOnly.fix).toBeDefined();
    expect(scratch.compose).toContain('read_only: true');
  });
});

describe("a service's own cap_add", () => {
  it('known needs: cap_drop ALL added, what the entrypoint needs given back, its own list kept and named', async () => {
    for (const compose of ['services:\n  db:\n    image: postgres:16\n    cap_add: [NET_ADMIN]\n', 'services:\n  db:\n    image: postgres:16\n    cap_add:\n      - NET_ADMIN\n      - SYS_NICE\n']) {
      const { capDrop, compose: out } = await findings({}, compose, ['compose/cap-drop']);
      expect(capDrop.fix).toBeDefined();
      expect(capDrop.message).toMatch(/give back CHOWN, DAC_OVERRIDE, FOWNER, SETGID, SETUID for its entrypoint \(its own cap_add NET_ADMIN(, SYS_NICE)? kept\)/);
      expect(out).toContain('cap_drop: [ALL]');
      expect(out).toContain('NET_ADMIN');
    }
  });

  it('a NET_BIND_SERVICE that compose/dead-capabilities removes in the same run is not named as kept', async () => {
    // postgres listens on 5432: dead-capabilities takes NET_BIND_SERVICE out of the list, so cap-drop keeps only NET_ADMIN.
    const compose = 'services:\n  db:\n    image: postgres:16\n    ports: ["5432:5432"]\n    cap_add: [NET_BIND_SERVICE, NET_ADMIN]\n';
    const { capDrop } = await findings({}, compose, ['compose/cap-drop', 'compose/dead-capabilities']);
    expect(capDrop.message).toContain('(its own cap_add NET_ADMIN kept)');
    const alone = await findings({}, 'services:\n  db:\n    image: postgres:16\n    ports: ["5432:5432"]\n    cap_add: [NET_BIND_SERVICE]\n', ['compose/cap-drop', 'compose/dead-capabilities']);
    expect(alone.capDrop.message).not.toContain('kept');
  });

  it('a root service whose needs are not known: its list left as it is and named, with what else a root process may use', async () => {
    const compose = 'services:\n  scan:\n    build: .\n    network_mode: host\n    cap_add:\n      - NET_ADMIN\n      - NET_RAW\n';
    const { capDrop, compose: out } = await findings({ Dockerfile: 'FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y arp-scan\nCMD ["arp-scan", "-l"]\n' }, compose, ['compose/cap-drop']);
    expect(capDrop.fix).toBeUndefined();
    expect(capDrop.message).toContain('its cap_add NET_ADMIN, NET_RAW is kept as it is');
    expect(capDrop.manual).toContain('then add cap_drop: [ALL] and cap_add with those and NET_ADMIN, NET_RAW');
    expect(out).toBeUndefined();
    // No cap_add: the finding reads as before.
    const bare = await findings({ Dockerfile: 'FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y arp-scan\nCMD ["arp-scan", "-l"]\n' }, 'services:\n  scan:\n    build: .\n', ['compose/cap-drop']);
    expect(bare.capDrop.message).toBe('service scan: runs as root (its Dockerfile sets no non-root USER); no capabilities dropped');
  });
});
