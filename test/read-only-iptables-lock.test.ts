// compose/read-only and legacy iptables: every legacy iptables command opens /run/xtables.lock first and stops where it
// cannot ("Fatal: can't open lock file /run/xtables.lock: Read-only file system", exit 4, on the team engine), so a
// root service with NET_ADMIN whose image selects legacy iptables (wg-easy: apk add iptables-legacy and
// update-alternatives to it; wg-quick's PostUp rules) keeps a writable root unless /run is already a tmpfs or volume.
import { describe, it, expect } from 'vitest';
import { hardenTree, toCrlf } from './helpers.js';

const ID = 'compose/read-only';

async function readOnly(tree: Record<string, string>) {
  const { result, changed } = await hardenTree(tree, [ID]);
  return { findings: result.engine.findings.filter((f) => f.transform === ID), changed };
}

const wgEasy = [
  'FROM node:22-alpine AS build',
  'WORKDIR /app',
  'COPY . .',
  'RUN npm ci && npm run build',
  '',
  'FROM node:22-alpine',
  'WORKDIR /app',
  'COPY --from=build /app/.output /app',
  'RUN apk add --no-cache \\',
  '    dumb-init \\',
  '    iptables \\',
  '    # the legacy backend, as wg-easy',
  '    iptables-legacy \\',
  '    wireguard-tools',
  'RUN update-alternatives --install /usr/sbin/iptables iptables /usr/sbin/iptables-legacy 10',
  'CMD ["/usr/bin/dumb-init", "node", "server/index.mjs"]',
  '',
].join('\n');

const service = (extra: string[] = []) =>
  [
    'services:',
    '  wg:',
    '    build: .',
    '    volumes:',
    '      - etc_wireguard:/etc/wireguard',
    '    ports:',
    '      - "51820:51820/udp"',
    '    cap_add:',
    '      - NET_ADMIN',
    '      - SYS_MODULE',
    ...extra,
    'volumes:',
    '  etc_wireguard:',
    '',
  ].join('\n');

describe('compose/read-only: legacy iptables needs /run/xtables.lock', () => {
  it("holds read_only back for wg-easy's shape (Alpine, iptables-legacy, NET_ADMIN)", async () => {
    const { findings, changed } = await readOnly({ Dockerfile: wgEasy, 'docker-compose.yml': service() });
    expect(changed['docker-compose.yml']).toBeUndefined();
    const f = findings.find((x) => x.message.includes('legacy iptables'))!;
    expect(f.fix).toBeUndefined();
    expect(f.message).toContain('its image uses legacy iptables (Dockerfile line 9: apk … iptables-legacy) and the service has NET_ADMIN');
    expect(f.message).toContain('/run/xtables.lock');
    expect(f.message).toContain('root left writable');
    expect(f.manual).toContain('Mount a tmpfs on /run');
  });

  it('reads a Debian image that switches the alternative (CRLF, # escape=`, ARG in FROM)', async () => {
    const dockerfile = toCrlf(
      [
        '# escape=`',
        'ARG DEBIAN=bookworm-slim',
        'FROM debian:${DEBIAN}',
        'RUN apt-get update && apt-get install -y --no-install-recommends iptables nodejs `',
        '    # rules in the start need the legacy backend `',
        '    && update-alternatives --set iptables /usr/sbin/iptables-legacy',
        'COPY app.js /srv/app.js',
        'CMD ["node", "/srv/app.js"]',
        '',
      ].join('\n'),
    );
    const { findings, changed } = await readOnly({
      Dockerfile: dockerfile,
      'compose.yaml': 'services:\n  vpn:\n    build: .\n    cap_add: [NET_ADMIN]\n',
      'app.js': "require('child_process').execFileSync('iptables', ['-t', 'nat', '-A', 'POSTROUTING', '-j', 'MASQUERADE']);\n",
    });
    expect(changed['compose.yaml']).toBeUndefined();
    expect(findings.map((f) => f.message).join('\n')).toContain('its image uses legacy iptables (Dockerfile line 4: update-alternatives … /usr/sbin/iptables-legacy)');
  });

  it('does not hold back for the nftables iptables, without NET_ADMIN, or with /run already a tmpfs', async () => {
    const nft = wgEasy.replace('    iptables-legacy \\\n', '').replace(/^RUN update-alternatives.*\n/m, '');
    const plain = await readOnly({ Dockerfile: nft, 'docker-compose.yml': service() });
    expect(plain.findings.map((f) => f.message).join('\n')).not.toContain('legacy iptables');
    expect(plain.changed['docker-compose.yml']).toContain('read_only: true');

    const noCap = await readOnly({ Dockerfile: wgEasy, 'docker-compose.yml': service().replace(/    cap_add:\n      - NET_ADMIN\n      - SYS_MODULE\n/, '') });
    expect(noCap.findings.map((f) => f.message).join('\n')).not.toContain('legacy iptables');

    const run = await readOnly({ Dockerfile: wgEasy, 'docker-compose.yml': service(['    tmpfs:', '      - /run']) });
    expect(run.findings.map((f) => f.message).join('\n')).not.toContain('legacy iptables');
    expect(run.changed['docker-compose.yml']).toContain('read_only: true');
  });

  it('says the start fails where read_only is already set without a writable /run', async () => {
    const { findings, changed } = await readOnly({ Dockerfile: wgEasy, 'docker-compose.yml': service(['    read_only: true']) });
    expect(changed['docker-compose.yml']).toBeUndefined();
    const f = findings.find((x) => x.message.includes('legacy iptables'))!;
    expect(f.message).toContain('read_only: true is set, but its image uses legacy iptables');
    expect(f.message).toContain('kept as written');
  });
});
