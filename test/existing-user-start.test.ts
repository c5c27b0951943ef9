// An image that already runs as a non-root USER (its own, by name, number or build argument, or inherited from a base
// built here or known to the table) is checked against what its start does, as a USER the tool adds would be: steps
// only root can take outside a root check, and writes into the system's folders the build does not give that user.
// Reported, never rewritten. Shapes from docs/reviews/hardening-commits-2026-12-b.md #146 (bentopdf: `USER nginx` over a
// `sed -i` hook in /etc/nginx) and #150 (ignition: a child's USER over a base entrypoint that edits accounts as root).
import { describe, it, expect } from 'vitest';
import { hardenTree, toCrlf } from './helpers.js';

const ID = 'dockerfile/non-root-user';

async function run(tree: Record<string, string>, file = 'Dockerfile') {
  const { result, changed } = await hardenTree(tree, [ID]);
  const findings = result.engine.findings.filter((f) => f.transform === ID && f.file.endsWith(file));
  return { findings, changed };
}

const ACCOUNTS_ENTRYPOINT = [
  '#!/bin/bash',
  'set -e',
  'groupmod -o -g "${PGID:-1000}" app',
  'usermod -o -u "${PUID:-1000}" app',
  'chown -R app:app /data',
  'exec gosu app "$@"',
  '',
].join('\n');

const GUARDED_ENTRYPOINT = [
  '#!/bin/sh',
  'set -e',
  'if [ "$(id -u)" = "0" ]; then',
  '  chown -R app:app /data',
  '  exec gosu app "$@"',
  'fi',
  'exec "$@"',
  '',
].join('\n');

const SENT_AWAY_ENTRYPOINT = ['#!/bin/sh', 'set -e', 'if [ "$(id -u)" -ne 0 ]; then', '  exec "$@"', 'fi', 'chown -R app /data', 'exec su-exec app "$@"', ''].join('\n');

const DEBIAN_APP = (user: string, extra: string[] = []) =>
  [
    'FROM debian:bookworm-slim',
    'RUN apt-get update && apt-get install -y --no-install-recommends gosu && rm -rf /var/lib/apt/lists/*',
    'RUN useradd --system --uid 1000 --user-group app',
    ...extra,
    'COPY entrypoint.sh /entrypoint.sh',
    user,
    'ENTRYPOINT ["/entrypoint.sh"]',
    'CMD ["/usr/local/bin/app", "serve"]',
    '',
  ].join('\n');

describe('an existing non-root USER over a start that needs root', () => {
  it('reports account changes, a chown to another owner and the step down, for USER by name, number and build argument', async () => {
    for (const user of ['USER app', 'USER 1000', 'USER 1000:1000', 'ARG APP_UID=1000\nUSER ${APP_UID}']) {
      const { findings, changed } = await run({ Dockerfile: DEBIAN_APP(user), 'entrypoint.sh': ACCOUNTS_ENTRYPOINT });
      expect(changed.Dockerfile, user).toBeUndefined();
      expect(findings, user).toHaveLength(1);
      const f = findings[0]!;
      expect(f.severity).toBe('warning');
      expect(f.cis).toBe('4.1');
      expect(f.message).toMatch(/^already runs as USER /);
      expect(f.message).toContain('groupmod (entrypoint.sh line 3), usermod (entrypoint.sh line 4)');
      expect(f.message).toContain('the script stops there: set -e');
      expect(f.message).toContain('gosu app (entrypoint.sh line 6)');
      expect(f.manual).toMatch(/^Remove the USER at line \d+ and let the entrypoint start as root and step down \(it already does: gosu app/);
    }
  });

  it('reports a USER given through an ARG with no default (not known at build time) instead of the note that only asks for a non-root value', async () => {
    const { findings } = await run({ Dockerfile: DEBIAN_APP('ARG APP_UID\nUSER ${APP_UID}'), 'entrypoint.sh': ACCOUNTS_ENTRYPOINT });
    expect(findings).toHaveLength(1);
    expect(findings[0]!.message).toMatch(/^already runs as USER \$\{APP_UID\} \(line \d+\), but its start runs groupmod/);
  });

  it('leaves a start that checks for root first (docker-library style) or sends a non-root caller away', async () => {
    for (const script of [GUARDED_ENTRYPOINT, SENT_AWAY_ENTRYPOINT, toCrlf(GUARDED_ENTRYPOINT)]) {
      const { findings } = await run({ Dockerfile: DEBIAN_APP('USER app'), 'entrypoint.sh': script });
      expect(findings.filter((f) => f.message.startsWith('already runs as'))).toEqual([]);
    }
  });

  it('counts a chown to the user itself as allowed', async () => {
    const script = '#!/bin/sh\nset -e\nchown -R app:app /data/cache\nexec "$@"\n';
    const { findings } = await run({ Dockerfile: DEBIAN_APP('USER app'), 'entrypoint.sh': script });
    expect(findings.filter((f) => f.message.startsWith('already runs as'))).toEqual([]);
    const other = await run({ Dockerfile: DEBIAN_APP('USER app'), 'entrypoint.sh': script.replace('app:app', 'www-data') });
    expect(other.findings.map((f) => f.message)).toEqual([expect.stringContaining('chown www-data (entrypoint.sh line 3)')]);
  });

  it('reports only what stops the start: a failed step the script goes on past (no set -e) is not reported alone', async () => {
    const script = '#!/bin/sh\nusermod -u 1001 app\nexec "$@"\n';
    const { findings } = await run({ Dockerfile: DEBIAN_APP('USER app'), 'entrypoint.sh': script });
    expect(findings.filter((f) => f.message.startsWith('already runs as'))).toEqual([]);
    // Beside a step that stops it, it is named with how it fails.
    const both = await run({ Dockerfile: DEBIAN_APP('USER app'), 'entrypoint.sh': `${script}exec gosu app "$@"\n` });
    expect(both.findings[0]!.message).toContain('each fails and the script goes on without it');
  });

  it('reads the USER of an earlier stage the final stage builds on (multi-stage)', async () => {
    const df = DEBIAN_APP('USER app').replace('FROM debian:bookworm-slim', 'FROM debian:bookworm-slim AS base') + 'FROM base\nRUN echo built\n';
    const { findings } = await run({ Dockerfile: df, 'entrypoint.sh': ACCOUNTS_ENTRYPOINT });
    expect(findings).toHaveLength(1);
    expect(findings[0]!.message).toMatch(/^already runs as USER app \(line \d+, stage base\)/);
  });
});

describe('an inherited start (#150): a child USER over a base built here', () => {
  const BASE = {
    'base/Dockerfile': [
      'FROM debian:bookworm-slim',
      'RUN apt-get update && apt-get install -y --no-install-recommends gosu && rm -rf /var/lib/apt/lists/*',
      'RUN useradd --system --uid 2003 ignition',
      'COPY docker-entrypoint.sh /usr/local/bin/',
      'ENTRYPOINT ["docker-entrypoint.sh"]',
      'CMD ["ignition"]',
      '',
    ].join('\n'),
    'base/docker-entrypoint.sh': '#!/bin/bash\nset -euo pipefail\ngroupmod -g "${IGNITION_GID}" ignition\nusermod -u "${IGNITION_UID}" ignition\nchown -R ignition:ignition /usr/local/share/ignition\nexec gosu ignition "$@"\n',
    Makefile: 'base:\n\tdocker build -t acme/ignition -f base/Dockerfile base\n',
  };
  const CHILD = ['FROM acme/ignition', 'ARG IGNITION_UID=2003', 'ARG IGNITION_GID=2003', 'COPY modules/ /modules/', 'USER ${IGNITION_UID}:${IGNITION_GID}', ''].join('\n');

  it('reports the base entrypoint that edits accounts as root and steps down', async () => {
    const { findings, changed } = await run({ ...BASE, 'iiot/Dockerfile': CHILD, 'iiot/modules/.keep': '' }, 'iiot/Dockerfile');
    expect(changed['iiot/Dockerfile']).toBeUndefined();
    expect(findings).toHaveLength(1);
    expect(findings[0]!.message).toContain('groupmod (docker-entrypoint.sh of acme/ignition line 3)');
    expect(findings[0]!.message).toContain('gosu ignition (docker-entrypoint.sh of acme/ignition line 6)');
  });

  it('reports the same for a child that inherits the base USER and adds nothing', async () => {
    const base = { ...BASE, 'base/Dockerfile': BASE['base/Dockerfile'].replace('ENTRYPOINT', 'USER ignition\nENTRYPOINT') };
    const { findings } = await run({ ...base, 'iiot/Dockerfile': 'FROM acme/ignition\nCOPY modules/ /modules/\n', 'iiot/modules/.keep': '' }, 'iiot/Dockerfile');
    expect(findings.map((f) => f.message)).toEqual([expect.stringMatching(/^already runs as user ignition \(inherited from acme\/ignition\)/)]);
  });
});

describe('start writes into root-owned system folders (#146)', () => {
  const APP = (extra: string[] = []) =>
    ['FROM debian:bookworm-slim', 'RUN useradd --system --uid 1000 --user-group app', 'COPY app.conf /etc/app/app.conf', 'COPY start.sh /start.sh', ...extra, 'USER app', 'CMD ["/start.sh"]', ''].join('\n');
  const START = '#!/bin/sh\nset -e\nsed -i "s/PORT/$PORT/" /etc/app/app.conf\necho ok > /var/lib/app-state\nexec /usr/local/bin/app\n';

  it('reports a sed -i into /etc and a redirect into /var/lib under an existing USER', async () => {
    const { findings, changed } = await run({ Dockerfile: APP(), 'start.sh': START, 'app.conf': 'port=PORT\n' });
    expect(changed.Dockerfile).toBeUndefined();
    expect(findings).toHaveLength(1);
    expect(findings[0]!.message).toContain('its start writes /etc/app/app.conf (sed -i');
    expect(findings[0]!.message).toContain('/var/lib/app-state (');
    expect(findings[0]!.manual).toContain('RUN chown -R app /etc/app before the USER), and point the writes in /var/lib at a folder app owns');
  });

  it('leaves writes the build gives the user (chown -R by name or UID, COPY --chown of a file written in place, chmod 777)', async () => {
    const start = '#!/bin/sh\nset -e\nsed -i "s/PORT/$PORT/" /etc/app/app.conf\nexec /usr/local/bin/app\n';
    for (const extra of ['RUN chown -R app:app /etc/app', 'RUN chown -R 1000 /etc/app', 'RUN chmod -R 777 /etc/app']) {
      const { findings } = await run({ Dockerfile: APP([extra]), 'start.sh': start, 'app.conf': 'port=PORT\n' });
      expect(findings.filter((f) => f.message.startsWith('already runs as')), extra).toEqual([]);
    }
    const redirect = '#!/bin/sh\nset -e\necho "port=$PORT" > /etc/app/app.conf\nexec /usr/local/bin/app\n';
    const copied = await run({ Dockerfile: APP().replace('COPY app.conf', 'COPY --chown=app:app app.conf'), 'start.sh': redirect, 'app.conf': '' });
    expect(copied.findings.filter((f) => f.message.startsWith('already runs as'))).toEqual([]);
    const notCopied = await run({ Dockerfile: APP(), 'start.sh': redirect, 'app.conf': '' });
    expect(notCopied.findings.map((f) => f.message)).toEqual([expect.stringContaining('its start writes /etc/app/app.conf')]);
  });

  const NGINX = (extra: string[] = []) =>
    ['FROM nginx:1.28.3-alpine-slim', 'COPY nginx.conf /etc/nginx/nginx.conf', 'COPY 99-disable-ipv6.sh /docker-entrypoint.d/', ...extra, 'USER nginx', ''].join('\n');
  const HOOK = '#!/bin/sh\nset -e\nsed -i "s/listen \\[::\\]:80;//" /etc/nginx/nginx.conf\n';
  const CONF = 'events {}\nhttp { server { listen 8080; } }\npid /tmp/nginx.pid;\n';

  it('reports a sed -i hook in /etc/nginx under USER nginx on stock nginx when nginx/unprivileged does not run', async () => {
    const { findings, changed } = await run({ Dockerfile: NGINX(), '99-disable-ipv6.sh': HOOK, 'nginx.conf': CONF });
    expect(changed.Dockerfile).toBeUndefined();
    expect(findings.map((f) => f.message)).toEqual([expect.stringContaining('its start writes /etc/nginx/nginx.conf (sed -i')]);
    expect(findings[0]!.manual).toContain('RUN chown -R nginx /etc/nginx before the USER');
  });

  it('leaves that to nginx/unprivileged when it runs: the hook is named once', async () => {
    const { result } = await hardenTree({ Dockerfile: NGINX(), '99-disable-ipv6.sh': HOOK, 'nginx.conf': CONF }, [ID, 'nginx/unprivileged']);
    const naming = result.engine.findings.filter((f) => f.message.includes('sed -i on /etc/nginx/nginx.conf (99-disable-ipv6.sh line 3)'));
    expect(naming.map((f) => f.transform)).toEqual(['nginx/unprivileged']);
  });

  it('leaves it once the build gives /etc/nginx to nginx (chown -R, or a world-writable chmod)', async () => {
    for (const extra of ['RUN chown -R nginx:nginx /etc/nginx', 'RUN chmod -R 777 /etc/nginx']) {
      const { findings } = await run({ Dockerfile: NGINX([extra]), '99-disable-ipv6.sh': HOOK, 'nginx.conf': CONF });
      expect(findings.filter((f) => f.message.startsWith('already runs as')), extra).toEqual([]);
    }
  });

  it('leaves the unprivileged image, which gives its own user /etc/nginx upstream', async () => {
    const df = ['FROM nginxinc/nginx-unprivileged:1.27-alpine', 'COPY 99-disable-ipv6.sh /docker-entrypoint.d/', ''].join('\n');
    const { findings } = await run({ Dockerfile: df, '99-disable-ipv6.sh': HOOK });
    expect(findings.filter((f) => f.message.startsWith('already runs as'))).toEqual([]);
  });
});

describe('a table image whose own start needs root', () => {
  it('reports USER abc on a LinuxServer image that keeps its /init', async () => {
    const { findings, changed } = await run({ Dockerfile: 'FROM lscr.io/linuxserver/baseimage-debian:bookworm\nCOPY root/ /\nUSER abc\n', 'root/app/.keep': '' });
    expect(changed.Dockerfile).toBeUndefined();
    expect(findings.map((f) => f.message)).toEqual([expect.stringContaining("lscr.io/linuxserver/baseimage-debian:bookworm's own start (s6-overlay's /init) renumbers abc")]);
  });

  it('reports a USER over gitea, nginx-proxy-manager and uptime-kuma 1.x, whose own starts need root (rows with startNeedsRoot)', async () => {
    for (const [from, user, says] of [
      ['gitea/gitea:1.22', 'git', "gitea/gitea:1.22's own start (/usr/bin/entrypoint, then s6-svscan /etc/s6) rewrites git's UID"],
      ['jc21/nginx-proxy-manager:2', '1000', "jc21/nginx-proxy-manager:2's own start (s6-overlay's /init) renumbers its npm user"],
      ['louislam/uptime-kuma:1', 'node', "louislam/uptime-kuma:1's own start (dumb-init -- extra/entrypoint.sh, 1.x) runs chown -hRc"],
    ]) {
      const { findings, changed } = await run({ Dockerfile: `FROM ${from}\nUSER ${user}\n` });
      expect(changed.Dockerfile, from).toBeUndefined();
      expect(findings.map((f) => f.message), from).toEqual([expect.stringContaining(says)]);
      expect(findings[0]!.manual, from).toMatch(/^Remove the USER at line 2 and let the entrypoint start as root/);
    }
  });

  it('leaves the variants that start as their user (gitea -rootless, uptime-kuma 2.x) and an image whose ENTRYPOINT the Dockerfile replaces', async () => {
    for (const df of ['FROM gitea/gitea:1.22-rootless\nUSER 1000:1000\n', 'FROM louislam/uptime-kuma:2.0.2\nUSER node\n', 'FROM gitea/gitea:1.22\nUSER git\nENTRYPOINT ["/usr/local/bin/gitea", "web"]\n']) {
      const { findings } = await run({ Dockerfile: df });
      expect(findings.filter((f) => f.message.includes("own start")), df).toEqual([]);
    }
  });

  it('leaves a docker-library image run as its own user (its entrypoint checks id -u)', async () => {
    for (const from of ['postgres:16', 'redis:7-alpine']) {
      const user = from.startsWith('postgres') ? 'postgres' : 'redis';
      const { findings } = await run({ Dockerfile: `FROM ${from}\nUSER ${user}\n` });
      expect(findings.filter((f) => f.message.startsWith('already runs as')), from).toEqual([]);
    }
  });
});

describe('compose user: overrides the image USER', () => {
  it('leaves an image every service runs with its own user:', async () => {
    const tree = { Dockerfile: DEBIAN_APP('USER app'), 'entrypoint.sh': ACCOUNTS_ENTRYPOINT, 'compose.yaml': 'services:\n  app:\n    build: .\n    user: root\n' };
    const { findings } = await run(tree);
    expect(findings.filter((f) => f.message.startsWith('already runs as'))).toEqual([]);
  });
});

describe('a program that keeps files under HOME on scratch (caddy, #21)', () => {
  const CADDY = (extra: string[] = []) =>
    [
      'FROM golang:1.23-alpine AS builder',
      'RUN go install github.com/caddyserver/caddy/v2/cmd/caddy@latest',
      'FROM scratch',
      'COPY --from=builder /go/bin/caddy /usr/bin/caddy',
      ...extra,
      'EXPOSE 8080',
      'ENTRYPOINT ["/usr/bin/caddy"]',
      'CMD ["run", "--config", "/etc/caddy/Caddyfile"]',
      '',
    ].join('\n');

  it('names what caddy keeps under HOME and the folders to bring in from the builder stage', async () => {
    const { findings, changed } = await run({ Dockerfile: CADDY() });
    expect(changed.Dockerfile).toContain('USER 65534:65534');
    const message = findings[0]!.message;
    expect(message).toContain('caddy keeps its TLS certificates and keys in $XDG_DATA_HOME/caddy (else $HOME/.local/share/caddy) and its autosaved configuration in $XDG_CONFIG_HOME/caddy');
    expect(message).toContain('https://caddyserver.com/docs/conventions#data-directory');
    expect(message).toContain('RUN mkdir -p /data /config in stage builder; COPY --from=builder --chown=65534:65534 /data /data; COPY --from=builder --chown=65534:65534 /config /config; ENV XDG_DATA_HOME=/data XDG_CONFIG_HOME=/config');
    expect(message).not.toContain('if the program keeps files there');
  });

  it('names only the folder still unset, and says nothing once both are set', async () => {
    const one = await run({ Dockerfile: CADDY(['ENV XDG_CONFIG_HOME=/config']) });
    expect(one.findings[0]!.message).toContain('ENV XDG_DATA_HOME=/data, and mount a volume at /data');
    expect(one.findings[0]!.message).not.toContain('autosaved');
    const both = await run({ Dockerfile: CADDY(['ENV XDG_CONFIG_HOME=/config XDG_DATA_HOME=/data']) });
    expect(both.findings[0]!.message).not.toMatch(/HOME stays|caddy keeps/);
  });

  it('keeps the general note for another program', async () => {
    const { findings } = await run({ Dockerfile: CADDY().replace(/caddy/g, 'server') });
    expect(findings[0]!.message).toContain('if the program keeps files there');
  });

  it('asks for a stage with a shell when the file has none', async () => {
    const df = ['FROM scratch', 'COPY caddy /usr/bin/caddy', 'ENTRYPOINT ["caddy", "run"]', ''].join('\n');
    const { findings } = await run({ Dockerfile: df, caddy: 'binary' });
    expect(findings[0]!.message).toContain('COPY --from=<a stage with a shell> --chown=65534:65534 /data /data');
  });
});

describe('a USER the tool would add, over a start that chowns to another owner (quality-time testldap)', () => {
  const DF = ['FROM debian:bookworm-slim', 'RUN apt-get update && apt-get install -y --no-install-recommends slapd && rm -rf /var/lib/apt/lists/*', 'COPY run.sh /', 'CMD ["/bin/bash", "/run.sh"]', ''].join('\n');
  const RUN_SH = (errexit: boolean) => `#!/bin/bash\n${errexit ? 'set -e\n' : ''}chown -R openldap:openldap /etc/ldap\nexec /usr/sbin/slapd -h "ldap:///" -d 256\n`;

  it('adds no USER where the start stops at the failed chown (set -e), and says why', async () => {
    const { findings, changed } = await run({ Dockerfile: DF, 'run.sh': RUN_SH(true) });
    expect(changed.Dockerfile).toBeUndefined();
    expect(findings.map((f) => f.message)).toEqual([expect.stringMatching(/^its start runs chown openldap:openldap \(run\.sh line 3\) outside a root check and stops at a failed step \(set -e\).*no user added$/)]);
  });

  it('still adds the USER where the script goes on past it, or the chown is behind a root check', async () => {
    for (const script of [RUN_SH(false), RUN_SH(true).replace('chown -R openldap:openldap /etc/ldap', 'if [ "$(id -u)" = 0 ]; then chown -R openldap:openldap /etc/ldap; fi')]) {
      const { changed } = await run({ Dockerfile: DF, 'run.sh': script });
      expect(changed.Dockerfile).toContain('USER 1000:1000');
    }
  });
});

describe('a numeric USER with group 0 and a group-writable folder (DefectDojo-like)', () => {
  it('counts chmod -R g=u for a UID no account has', async () => {
    const df = (chmod: string) => ['FROM debian:bookworm-slim', 'COPY start.sh /', `RUN mkdir -p /etc/app && ${chmod} /etc/app`, 'ARG uid=1001', 'USER ${uid}', 'ENTRYPOINT ["/start.sh"]', ''].join('\n');
    const start = '#!/bin/sh\nset -e\necho "x" > /etc/app/app.conf\nexec /usr/local/bin/app\n';
    const groupWritable = await run({ Dockerfile: df('chmod -R g=u'), 'start.sh': start });
    expect(groupWritable.findings.filter((f) => f.message.startsWith('already runs as'))).toEqual([]);
    const ownerOnly = await run({ Dockerfile: df('chmod -R u+w'), 'start.sh': start });
    expect(ownerOnly.findings.map((f) => f.message)).toEqual([expect.stringContaining('its start writes /etc/app/app.conf')]);
  });
});

describe("a service's own start (compose command:, entrypoint:, a start script it names) under an existing USER", () => {
  const DF = ['FROM debian:bookworm-slim', 'RUN useradd --system --uid 1000 --user-group app', 'COPY app.conf /etc/app/app.conf', 'COPY scripts/ /scripts/', 'USER app', 'CMD ["/usr/local/bin/app"]', ''].join('\n');
  const files = { Dockerfile: DF, 'app.conf': 'port=PORT\n', 'scripts/fix-perms.sh': '#!/bin/sh\nset -e\nchown -R www-data /srv\nexec "$@"\n' };
  const already = (findings: { message: string }[]) => findings.filter((f) => f.message.startsWith('already runs as')).map((f) => f.message);

  it('names the service whose command runs a root-only step (string, list, and folded YAML)', async () => {
    for (const command of [
      `command: sh -c "usermod -u 1001 app && exec /usr/local/bin/app"`,
      `command: ["sh", "-c", "usermod -u 1001 app && exec /usr/local/bin/app"]`,
      `command: >\n      sh -c "usermod -u 1001 app\n      && exec /usr/local/bin/app"`,
    ]) {
      const compose = `services:\n  web:\n    build: .\n    ${command}\n`;
      const { findings, changed } = await run({ ...files, 'compose.yaml': compose });
      expect(changed.Dockerfile, command).toBeUndefined();
      const messages = already(findings);
      expect(messages, command).toHaveLength(1);
      expect(messages[0], command).toMatch(/but the start of service web \(its compose command, entrypoint or the script it runs\) runs usermod \(command of service web/);
    }
  });

  it("reads a start script in the image that the service's entrypoint names, and one it bind-mounts", async () => {
    const inImage = await run({ ...files, 'compose.yaml': 'services:\n  worker:\n    build: .\n    entrypoint: ["/scripts/fix-perms.sh"]\n' });
    expect(already(inImage.findings)).toEqual([expect.stringContaining('the start of service worker (its compose command, entrypoint or the script it runs) runs chown www-data (fix-perms.sh line 3)')]);
    const mounted = await run({
      ...files,
      'ops/start.sh': '#!/bin/sh\nset -e\nsed -i "s/PORT/$PORT/" /etc/app/app.conf\nexec /usr/local/bin/app\n',
      'compose.yaml': 'services:\n  web:\n    build: .\n    volumes:\n      - ./ops/start.sh:/start.sh:ro\n    command: /start.sh\n',
    });
    expect(already(mounted.findings)).toEqual([expect.stringContaining('the start of service web (its compose command, entrypoint or the script it runs) writes /etc/app/app.conf (sed -i on /etc/app/app.conf (start.sh line 3)')]);
  });

  it('leaves a service that runs a plain command, one with its own user:, and a guarded step', async () => {
    for (const service of [
      'command: ["/usr/local/bin/app", "--port", "8080"]',
      'user: root\n    command: sh -c "usermod -u 1001 app && exec /usr/local/bin/app"',
      `command: sh -c 'if [ "$(id -u)" = 0 ]; then usermod -u 1001 app; fi; exec /usr/local/bin/app'`,
    ]) {
      const { findings } = await run({ ...files, 'compose.yaml': `services:\n  web:\n    build: .\n    ${service}\n` });
      expect(already(findings), service).toEqual([]);
    }
  });

  it('names only the services whose start does it, beside the image start', async () => {
    const compose = 'services:\n  web:\n    build: .\n  worker:\n    build: .\n    entrypoint: ["/scripts/fix-perms.sh"]\n    command: ["/usr/local/bin/app", "work"]\n';
    const { findings } = await run({ ...files, 'compose.yaml': compose });
    const messages = already(findings);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain('the start of service worker ');
    expect(messages[0]).not.toContain('service web');
  });
});

describe('start writes into folders and files the build made as root, outside the system trees', () => {
  const DF = (lines: string[], from = 'debian:bookworm-slim') =>
    [`FROM ${from}`, 'RUN useradd --system --uid 1000 --user-group app', ...lines, 'COPY start.sh /start.sh', 'USER app', 'CMD ["/start.sh"]', ''].join('\n');
  const START = (step: string) => `#!/bin/sh\nset -e\n${step}\nexec /usr/local/bin/app\n`;
  const already = async (tree: Record<string, string>) => (await run(tree)).findings.filter((f) => f.message.startsWith('already runs as'));

  it('reports a write and a mkdir -p into a WORKDIR made as root before the USER (also CRLF and # escape=)', async () => {
    const df = DF(['WORKDIR /app', 'COPY . .']);
    for (const file of [df, toCrlf(df), `# escape=\`\n${df}`]) {
      const line = file.startsWith('#') ? 4 : 3;
      for (const [step, says] of [
        ['echo "{}" > /app/state.json', '/app/state.json (echo > /app/state.json (start.sh line 3))'],
        ['mkdir -p /app/cache', '/app/cache (mkdir /app/cache'],
      ]) {
        const found = await already({ Dockerfile: file, 'start.sh': START(step) });
        expect(found, step).toHaveLength(1);
        expect(found[0]!.message, step).toContain(says);
        expect(found[0]!.message, step).toContain(`where /app was made as root by WORKDIR /app (line ${line}), and the build does not give app: that step fails and the start stops`);
        expect(found[0]!.manual, step).toContain('RUN chown -R app /app before the USER');
      }
    }
  });

  it('reports a start that rewrites a file a COPY without --chown put in, on any base', async () => {
    for (const from of ['debian:bookworm-slim', 'registry.example.com/acme/base:1']) {
      const found = await already({ Dockerfile: DF(['COPY config.js /srv/www/config.js'], from), 'config.js': 'x', 'start.sh': START('envsubst < /srv/www/config.tpl > /srv/www/config.js') });
      expect(found.map((f) => f.message), from).toEqual([expect.stringContaining('where /srv/www/config.js was copied in as root by COPY without --chown (line 3)')]);
    }
  });

  it('leaves what the build gives the user or does not show as root: after USER, chown, --chown, an unknown base, a mkdir -p of a shown folder, a package folder', async () => {
    const cases: [string[], string, string?][] = [
      [['WORKDIR /app', 'RUN chown -R app:app /app'], 'echo x > /app/state.json'],
      [['WORKDIR /app', 'RUN chmod 777 /app'], 'echo x > /app/state.json'],
      [['WORKDIR /app'], 'mkdir -p /app'],
      [['WORKDIR /app', 'RUN mkdir /app/cache'], 'mkdir -p /app/cache'],
      [['COPY --chown=app:app config.js /srv/www/config.js'], 'echo x > /srv/www/config.js'],
      [['WORKDIR /app'], 'echo x > /app/state.json', 'registry.example.com/acme/base:1'],
      [[], 'mkdir -p /var/lib/app'],
      [['WORKDIR /home/app'], 'echo x > /home/app/state'],
    ];
    for (const [lines, step, from] of cases) {
      const found = await already({ Dockerfile: DF(lines, from), 'config.js': 'x', 'start.sh': START(step) });
      expect(found.map((f) => f.message), `${lines.join('; ')} / ${step}`).toEqual([]);
    }
    // A WORKDIR after the USER: BuildKit makes it for that user.
    const after = ['FROM debian:bookworm-slim', 'RUN useradd --system --uid 1000 --user-group app', 'COPY start.sh /start.sh', 'USER app', 'WORKDIR /app', 'CMD ["/start.sh"]', ''].join('\n');
    expect(await already({ Dockerfile: after, 'start.sh': START('echo x > /app/state.json') })).toEqual([]);
  });
});

describe('build-made root folders: what is not a start write, or may be covered', () => {
  it('leaves placeholder folders the repository keeps (.keep) and a relative chown from the WORKDIR (maybe-finance)', async () => {
    const df = ['FROM debian:bookworm-slim', 'WORKDIR /rails', 'COPY . /rails', 'RUN useradd rails --uid 1000 && chown -R rails:rails log tmp', 'COPY start.sh /start.sh', 'USER 1000:1000', 'CMD ["/start.sh"]', ''].join('\n');
    const { findings } = await run({ Dockerfile: df, 'log/.keep': '', 'tmp/.keep': '', 'start.sh': '#!/bin/sh\nset -e\necho started > /rails/tmp/started\nexec /usr/local/bin/app\n' });
    expect(findings.filter((f) => f.message.startsWith('already runs as')).map((f) => f.message)).toEqual([]);
  });
});
