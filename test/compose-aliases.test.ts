// YAML aliases: compose accepts any number of them, and alias-heavy files
// (Sentry's self-hosted docker-compose.yml: ~35 KB, 130+ aliases through
// `<<:` merges of shared defaults) must parse and harden as compose reads
// them. An alias bomb is refused by the size the document would expand to,
// with the file and line of the alias that blows up.
import { describe, it, expect } from 'vitest';
import { parseDocument } from 'yaml';
import { hardenTree, composeSchemaErrors } from './helpers.js';
import { parseCompose } from '../src/parse/compose.js';
import { aliasBomb, aliasTarget, aliasTargets } from '../src/parse/yaml-size.js';

/** A compose file shaped like Sentry's self-hosted one: layered defaults merged into many services. */
function aliasHeavyCompose(services: number): string {
  const out: string[] = [
    'x-restart-policy: &restart_policy',
    '  restart: unless-stopped',
    'x-depends_on-healthy: &depends_on-healthy',
    '  condition: service_healthy',
    'x-depends_on-default: &depends_on-default',
    '  condition: service_started',
    'x-healthcheck-defaults: &healthcheck_defaults',
    '  interval: "$HEALTHCHECK_INTERVAL"',
    '  timeout: "$HEALTHCHECK_TIMEOUT"',
    '  retries: $HEALTHCHECK_RETRIES',
    '  start_period: 10s',
    'x-file-healthcheck: &file_healthcheck_defaults',
    '  test: ["CMD", "/bin/sh", "-c", "test -f /tmp/health"]',
    '  <<: *healthcheck_defaults',
    'x-sentry-defaults: &sentry_defaults',
    '  <<: *restart_policy',
    '  image: sentry-self-hosted-local',
    '  build:',
    '    context: ./sentry',
    '    args:',
    '      - SENTRY_IMAGE',
    '  depends_on:',
    '    redis:',
    '      <<: *depends_on-healthy',
    '    postgres:',
    '      <<: *depends_on-healthy',
    '    kafka:',
    '      <<: *depends_on-healthy',
    '  entrypoint: "/etc/sentry/entrypoint.sh"',
    '  command: ["run", "web"]',
    '  environment:',
    '    PYTHONUSERBASE: "/data/custom-packages"',
    '    SENTRY_CONF: "/etc/sentry"',
    '    SNUBA: "http://snuba-api:1218"',
    '  volumes:',
    '    - "sentry-data:/data"',
    '    - "./sentry:/etc/sentry"',
    'x-snuba-defaults: &snuba_defaults',
    '  <<: *restart_policy',
    '  depends_on:',
    '    clickhouse:',
    '      <<: *depends_on-healthy',
    '    kafka:',
    '      <<: *depends_on-healthy',
    '  image: "$SNUBA_IMAGE"',
    '  environment:',
    '    SNUBA_SETTINGS: self_hosted',
    '    CLICKHOUSE_HOST: clickhouse',
    'services:',
    '  redis:',
    '    <<: *restart_policy',
    '    image: "redis:6.2.14-alpine"',
    '    healthcheck:',
    '      <<: *healthcheck_defaults',
    '      test: redis-cli ping | grep PONG',
    '    volumes:',
    '      - "sentry-redis:/data"',
    '  postgres:',
    '    <<: *restart_policy',
    '    image: "postgres:14.11"',
    '    healthcheck:',
    '      <<: *healthcheck_defaults',
    '      test: ["CMD-SHELL", "pg_isready -U postgres"]',
    '    environment:',
    '      POSTGRES_HOST_AUTH_METHOD: "trust"',
    '    volumes:',
    '      - "sentry-postgres:/var/lib/postgresql/data"',
    '  kafka:',
    '    <<: *restart_policy',
    '    image: "confluentinc/cp-kafka:7.6.1"',
    '    healthcheck:',
    '      <<: *healthcheck_defaults',
    '      test: ["CMD-SHELL", "nc -z localhost 9092"]',
    '  clickhouse:',
    '    <<: *restart_policy',
    '    image: clickhouse-self-hosted-local',
    '    build:',
    '      context: ./clickhouse',
    '    healthcheck:',
    '      <<: *healthcheck_defaults',
    '      test: "wget -nv -t1 --spider \'http://localhost:8123/\' || exit 1"',
  ];
  for (let i = 0; i < services; i++) {
    out.push(`  sentry-consumer-${i}:`, '    <<: *sentry_defaults', `    command: run consumer topic-${i} --consumer-group group-${i}`, '    healthcheck:', '      <<: *file_healthcheck_defaults');
    out.push(`  snuba-consumer-${i}:`, '    <<: *snuba_defaults', `    command: rust-consumer --storage s${i} --consumer-group snuba-${i} --auto-offset-reset=latest`);
  }
  out.push('volumes:', '  sentry-data:', '    external: true', '  sentry-redis:', '    external: true', '  sentry-postgres:', '    external: true', '');
  return out.join('\n');
}

const sentryDockerfile = 'ARG SENTRY_IMAGE=ghcr.io/getsentry/sentry:nightly\nFROM ${SENTRY_IMAGE}\nCOPY . /usr/src/sentry\n';
const clickhouseDockerfile = 'FROM altinity/clickhouse-server:23.8.11.29.altinitystable\nCOPY config.xml /etc/clickhouse-server/config.d/sentry.xml\n';

describe('alias-heavy compose files', () => {
  const text = aliasHeavyCompose(40);

  it('are of realistic size and alias count', () => {
    expect(text.length).toBeGreaterThan(9000);
    expect((text.match(/\*[a-z_-]+/g) ?? []).length).toBeGreaterThan(130);
  });

  it('parse as compose reads them, with every merge applied', () => {
    const parsed = parseCompose(text);
    expect(parsed.errors).toEqual([]);
    const services = parsed.docs[0]!.services;
    expect(services).toHaveLength(4 + 80);
    const consumer = services.find((s) => s.name === 'sentry-consumer-7')!.data;
    expect(consumer).toMatchObject({ restart: 'unless-stopped', image: 'sentry-self-hosted-local', command: 'run consumer topic-7 --consumer-group group-7' });
    expect((consumer.healthcheck as Record<string, unknown>).retries).toBe('$HEALTHCHECK_RETRIES');
    expect(composeSchemaErrors(text)).toEqual([]);
  });

  it('harden: every service gets its settings, the output verifies and is a fixpoint', async () => {
    const tree = { 'docker-compose.yml': text, 'sentry/Dockerfile': sentryDockerfile, 'clickhouse/Dockerfile': clickhouseDockerfile, 'clickhouse/config.xml': '<x/>\n' };
    const first = await hardenTree(tree);
    expect(first.result.errors).toEqual([]);
    const out = first.changed['docker-compose.yml']!;
    const data = parseDocument(out, { merge: true }).toJS({ maxAliasCount: -1 }) as { services: Record<string, Record<string, unknown>> };
    for (const [name, svc] of Object.entries(data.services)) {
      expect(svc.security_opt, name).toEqual(['no-new-privileges:true']);
    }
    // The shared anchors stay as they were: settings go to each service.
    expect(out.slice(0, out.indexOf('services:'))).toBe(text.slice(0, text.indexOf('services:')));
    expect(composeSchemaErrors(out)).toEqual([]);
    const second = await hardenTree({ ...tree, ...first.changed });
    expect(second.changed).toEqual({});
  });
});

describe('alias bombs', () => {
  const bomb = [
    'x-a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    'x-b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
    'x-c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
    'x-d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
    'x-e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
    'x-f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
    'x-g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]',
    'services:',
    '  web:',
    '    image: nginx',
    '    labels: *g',
    '',
  ].join('\n');

  it('are measured by expanded size without expanding them', () => {
    const b = aliasBomb(parseDocument(bomb))!;
    expect(b.expanded).toBeGreaterThan(9 ** 7);
    expect(b.alias).toBe('g');
    expect(aliasBomb(parseDocument('a: &x [1, 2]\nb: *x\n'))).toBeUndefined();
  });

  it('are resolved in one walk exactly as yaml resolves each alias (redefined anchors, nesting, keys, flow style)', () => {
    const text = [
      'a: &x 1',
      'b: *x',
      'c: &x { k: &y [1, *x], *x : v }',
      'd: [*x, *y, &y s]',
      'e: *y',
      'f: { <<: *x, g: &x last }',
      'h: *x',
      'i: *nowhere',
    ].join('\n');
    const doc = parseDocument(text, { merge: true });
    const targets = aliasTargets(doc);
    expect(targets.size).toBe(9);
    for (const [alias, target] of targets) expect(target).toBe(alias.resolve(doc));
    expect([...targets.values()].filter((t) => t === undefined)).toHaveLength(1);
    // aliasTarget answers from one walk per document, as resolve does.
    for (const alias of targets.keys()) expect(aliasTarget(doc, alias)).toBe(alias.resolve(doc));
  });

  it('are refused with a clear error naming the file and line; other files go on', async () => {
    const { result, changed } = await hardenTree({ 'compose.yaml': bomb, 'other/compose.yaml': 'services:\n  app:\n    image: redis:7\n' });
    expect(result.errors).toHaveLength(1);
    const e = result.errors[0]!;
    expect(e.rel).toBe('compose.yaml');
    expect(e.line).toBe(11);
    expect(e.message).toMatch(/YAML aliases expand to \d+ values \(limit 1000000\); the largest expansion is \*g\. Refused as a possible alias bomb/);
    expect(changed['other/compose.yaml']).toContain('no-new-privileges');
  });
});

describe('an alias with no anchor', () => {
  it('is reported at the alias (a redacted `******` value), not at the top of the file', () => {
    const text = 'services:\n  app:\n    image: calendso\n    environment:\n      EMAIL_SERVER_USER: mail\n      EMAIL_SERVER_PASSWORD: ******\n';
    const parsed = parseCompose(text);
    expect(parsed.errors).toHaveLength(1);
    expect(parsed.errors[0]).toMatchObject({ line: 6, column: 30 });
    expect(parsed.errors[0]!.message).toMatch(/alias/i);
  });
});
