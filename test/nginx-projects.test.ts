// Project fixtures for nginx/unprivileged: test/projects/<case>/input/** is a
// small repo; output/** holds every file that must change, byte for byte (a
// case with no output/ must change nothing). Optional expect.json:
//   { "findings": ["substring", ...], "notInFindings": ["substring", ...], "errors": true, "portKept": true }
//   portKept: the configuration already listens on 8080, so nothing moves and no port note is given.
// Each case also runs as a CRLF twin, again on its own output (idempotency),
// with every transform enabled (must not crash and must reach a fixpoint),
// and, when fixed, through a walker that checks no place still points at
// container port 80 or 443.
// `UPDATE_PROJECTS=1 npx vitest run test/nginx-projects.test.ts` writes outputs; review them before committing.
import { describe, it, expect } from 'vitest';
import path from 'node:path';
import { hardenTree, projectCases, writeCaseOutput, type ProjectCase, composeSchemaErrors, toCrlf, REPO, type HardenRun } from './helpers.js';
import { parseListen, walkNginx } from '../src/parse/nginx.js';
import { finalStage, resolveStageBase } from '../src/dockerfile-info.js';
import { effectiveInstructions } from '../src/parse/dockerfile.js';
import { parseImageRef } from '../src/parse/image-ref.js';
import { lookupImage } from '../src/knowledge/images.js';
import { rewriteUrls, rewriteServiceUrls } from '../src/ports.js';
import type { Project } from '../src/model.js';
import { markdown } from '../src/report/markdown.js';

const ROOT = path.join(REPO, 'test/projects');
const UPDATE = process.env.UPDATE_PROJECTS === '1';
const ID = 'nginx/unprivileged';

type Case = ProjectCase<{ findings?: string[]; notInFindings?: string[]; errors?: boolean; portKept?: boolean }>;

function collect(): Case[] {
  return projectCases<Case['expect']>(ROOT);
}

const mapTree = (t: Record<string, string>, f: (s: string) => string) => Object.fromEntries(Object.entries(t).map(([k, v]) => [k, f(v)]));

/**
 * Every place that may point at a container port of an nginx-unprivileged
 * image: EXPOSE, HEALTHCHECK, listen in the configs the model loaded, compose
 * ports/expose targets and healthchecks of the services running it.
 */
export function placesStillOn80(project: Project): string[] {
  const bad: string[] = [];
  const isUnprivileged = (image: string | undefined) => !!image && lookupImage(parseImageRef(image))?.family === 'nginx-unprivileged';
  const images = new Set<string>();
  for (const df of project.dockerfiles) {
    for (const stage of df.parsed.stages) {
      const base = resolveStageBase(df.parsed, stage);
      if (!isUnprivileged(base.image)) continue;
      images.add(df.path);
      for (const ins of effectiveInstructions(stage)) {
        if (ins.keyword === 'EXPOSE' && ins.args.some((a) => /^(80|443)(\/\w+)?$/.test(a))) bad.push(`${df.rel}: ${ins.raw}`);
        if (ins.keyword === 'HEALTHCHECK' && (rewriteUrls(ins.raw).edits.length || rewriteUrls(ins.raw).unclear)) bad.push(`${df.rel}: ${ins.raw}`);
      }
    }
  }
  for (const f of project.nginx) {
    walkNginx(f.parsed.directives, (d) => {
      if (d.name !== 'listen') return;
      const spec = parseListen(d);
      if (spec.port === 80 || spec.port === 443 || (spec.port === undefined && !spec.unixSocket && !spec.hasVariable)) bad.push(`${f.rel}: listen ${spec.portArg.raw}`);
    });
  }
  for (const s of project.services) {
    const runs = s.dockerfile ? images.has(s.dockerfile.path) && finalStage(s.dockerfile.parsed, s.build?.target) !== undefined : isUnprivileged(s.image);
    if (!runs) continue;
    for (const key of ['ports', 'expose']) {
      const list = s.effective[key];
      for (const p of Array.isArray(list) ? list : []) {
        const target = typeof p === 'object' && p ? (p as { target?: unknown }).target : String(p).split('/')[0]!.split(':').pop();
        if (Number(target) === 80 || Number(target) === 443) bad.push(`${s.id}: ${key} ${JSON.stringify(p)}`);
      }
    }
    const test = (s.effective.healthcheck as { test?: unknown } | undefined)?.test;
    const text = Array.isArray(test) ? test.join(' ') : typeof test === 'string' ? test : '';
    if (text && (rewriteUrls(text).edits.length || rewriteUrls(text).unclear)) bad.push(`${s.id}: healthcheck ${text}`);
  }
  return bad;
}

async function harden(tree: Record<string, string>, ids?: string[]): Promise<HardenRun> {
  return hardenTree(tree, ids);
}

const cases = collect();

describe('nginx/unprivileged projects', () => {
  it('has the project fixtures the issue lists', () => {
    expect(cases.length).toBeGreaterThanOrEqual(12);
  });

  for (const c of cases) {
    for (const crlf of [false, true]) {
      it(`${c.name}${crlf ? ' (CRLF)' : ''}`, async () => {
        const input = crlf ? mapTree(c.input, toCrlf) : c.input;
        const first = await harden(input, [ID]);
        if (UPDATE && !crlf) {
          writeCaseOutput(ROOT, c.name, first.changed);
          return;
        }
        const expected = c.output ? (crlf ? mapTree(c.output, toCrlf) : c.output) : {};
        if (!c.expect.errors) expect(first.result.errors).toEqual([]);
        expect(first.changed).toEqual(expected);
        const messages = first.result.engine.findings.filter((f) => f.transform === ID).map((f) => `${f.message} ${f.manual ?? ''}`);
        for (const needle of c.expect.findings ?? []) {
          expect(messages.some((m) => m.includes(needle)), `a finding mentions "${needle}"; got ${JSON.stringify(messages)}`).toBe(true);
        }
        for (const needle of c.expect.notInFindings ?? []) {
          expect(messages.filter((m) => m.includes(needle)), `no finding mentions "${needle}"`).toEqual([]);
        }
        for (const [rel, text] of Object.entries(first.changed)) {
          if (/compose[^/]*\.ya?ml$/.test(rel)) expect(composeSchemaErrors(text), rel).toEqual([]);
        }
        if (c.output) {
          // One finding, fixed in one pass, with a migration note for the port.
          const fixed = first.result.engine.findings.filter((f) => f.transform === ID && f.fixed);
          expect(fixed.length).toBeGreaterThan(0);
          expect(fixed.every((f) => f.notes?.some((n) => n.kind === 'port-moved') === !c.expect.portKept)).toBe(true);
          expect(placesStillOn80(first.result.engine.project)).toEqual([]);
        } else {
          expect(messages.length, 'a blocked case says what blocked it').toBeGreaterThan(0);
        }

        // Idempotency: the output is a fixpoint.
        const after = { ...input, ...first.changed };
        const second = await harden(after, [ID]);
        expect(second.changed).toEqual({});

        // Every transform together: no crash, no fight, verified output that is a fixpoint.
        const all = await harden(input);
        if (!c.expect.errors) expect(all.result.errors).toEqual([]);
        const allAfter = { ...input, ...all.changed };
        const again = await harden(allAfter);
        expect(again.result.errors.filter((e) => /internal error/.test(e.message))).toEqual([]);
        expect(again.changed).toEqual({});
        for (const [rel, text] of Object.entries(all.changed)) {
          if (/compose[^/]*\.ya?ml$/.test(rel)) expect(composeSchemaErrors(text), rel).toEqual([]);
        }
        if (c.output) expect(placesStillOn80(all.result.engine.project)).toEqual([]);
      });
    }
  }
});

describe('the port-80 walker', () => {
  // The walker must be able to fail: give it a swapped project with one place left on 80.
  const spa = cases.find((c) => c.name === 'spa-two-stage')!;
  const fixed = { ...spa.input, ...spa.output };
  const leftOn80: [string, Record<string, string>, RegExp][] = [
    ['a listen', { 'web/nginx.conf': spa.input['web/nginx.conf']! }, /listen 80/],
    ['an EXPOSE', { 'web/Dockerfile': fixed['web/Dockerfile']!.replace('EXPOSE 8080', 'EXPOSE 80') }, /EXPOSE 80/],
    ['a HEALTHCHECK', { 'web/Dockerfile': fixed['web/Dockerfile']!.replace(':8080/healthz', '/healthz') }, /HEALTHCHECK/],
    ['compose ports', { 'compose.yaml': fixed['compose.yaml']!.replace('"80:8080"', '"80:80"') }, /ports "80:80"/],
    ['a compose healthcheck', { 'compose.yaml': fixed['compose.yaml']!.replace('localhost:8080', 'localhost') }, /healthcheck/],
  ];
  for (const [what, change, pattern] of leftOn80) {
    it(`finds ${what} still on port 80`, async () => {
      const run = await hardenTree({ ...fixed, ...change }, []);
      const bad = placesStillOn80(run.result.engine.project);
      expect(bad.length).toBe(1);
      expect(bad[0]).toMatch(pattern);
    });
  }
  it('finds nothing in the fixed project', async () => {
    const run = await hardenTree(fixed, []);
    expect(placesStillOn80(run.result.engine.project)).toEqual([]);
  });
});

describe('rewriteUrls', () => {
  const apply = (t: string) => {
    const r = rewriteUrls(t);
    let out = t;
    for (const e of [...r.edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
    return { out, unclear: r.unclear };
  };
  it.each([
    ['wget -qO- http://localhost/ || exit 1', 'wget -qO- http://localhost:8080/ || exit 1'],
    ['curl -f http://localhost', 'curl -f http://localhost:8080'],
    ['curl -f http://localhost:80/healthz', 'curl -f http://localhost:8080/healthz'],
    ['curl -fk https://127.0.0.1/healthz', 'curl -fk https://127.0.0.1:8443/healthz'],
    ['curl -f "http://[::1]:443/x"', 'curl -f "http://[::1]:8443/x"'],
    ['curl -f localhost/healthz', 'curl -f localhost:8080/healthz'],
    ['curl -f localhost', 'curl -f localhost:8080'],
    ['curl -f http://localhost:8080/', 'curl -f http://localhost:8080/'],
    ['curl -f http://example.com/', 'curl -f http://example.com/'],
    ['curl -f http://mylocalhost/', 'curl -f http://mylocalhost/'],
    ['curl -f http://localhost:${PORT}/', 'curl -f http://localhost:${PORT}/'],
  ])('%s', (input, output) => {
    expect(apply(input)).toEqual({ out: output, unclear: false });
  });
  it('a service whose swap is blocked hears from cap-drop and read-only why they did nothing; a swapped one does not', async () => {
    const blocked = await hardenTree({
      'Dockerfile': 'FROM nginx:1.27-alpine\nARG uid=1001\nCOPY site.conf /etc/nginx/conf.d/default.conf\nUSER ${uid}\nEXPOSE 8080\n',
      'site.conf': 'server {\n  listen 8080;\n  location / { root /usr/share/nginx/html; }\n}\n',
      'compose.yaml': 'services:\n  web:\n    build: .\n    ports: ["8080:8080"]\n',
    });
    const on = (id: string) => blocked.result.engine.findings.filter((f) => f.transform === id).map((f) => `${f.fixed ? 'fixed' : 'manual'}: ${f.message} | ${f.manual ?? ''}`);
    // Its USER is not 101, so the swap is blocked; nginx already starts as 1001 (no root master), and the finding says so.
    // Nothing gives the stock pid and temp folders to 1001 either: the finding says nginx would not even start.
    expect(on(ID).join('\n')).toMatch(/^manual: nginx:1\.27-alpine already runs nginx as 1001 \(its USER\), not as root, but as 1001 it fails at start: nginx's built-in pid \/var\/run\/nginx\.pid .*; not swapped to nginxinc\/nginx-unprivileged/);
    expect(on('compose/read-only')).toHaveLength(1);
    expect(on('compose/read-only')[0]).toMatch(/^manual: service web: nginx:1\.27-alpine is stock nginx run as 1001 \(its Dockerfile USER\) and was not swapped for nginxinc\/nginx-unprivileged \(the nginx\/unprivileged finding on Dockerfile says what blocks it\); root left writable \| Resolve what blocks the swap/);
    // A process that starts as a non-root user holds no capabilities on either image: cap-drop does not wait for the swap
    // (SecObserve's frontend: stock nginx as USER so_nginx 1001, rw-history4).
    expect(on('compose/cap-drop')).toEqual(['fixed: service web: add cap_drop: [ALL], so a compromised process holds no capabilities it does not need | ']);
    const asRoot = await hardenTree({ 'compose.yaml': 'services:\n  web:\n    image: registry.example.com:5000/nginx:1.27\n    ports: ["80:80"]\n' });
    expect(asRoot.result.engine.findings.filter((f) => f.transform === 'compose/cap-drop').map((f) => f.message)).toEqual([
      'service web: registry.example.com:5000/nginx:1.27 runs its master process as root and was not swapped for nginxinc/nginx-unprivileged (the nginx/unprivileged finding says what blocks it); no capabilities dropped',
    ]);
    const swapped = await hardenTree({
      'Dockerfile': 'FROM nginx:1.27-alpine\nCOPY site.conf /etc/nginx/conf.d/default.conf\n',
      'site.conf': 'server {\n  listen 80;\n  location / { root /usr/share/nginx/html; }\n}\n',
      'compose.yaml': 'services:\n  web:\n    build: .\n    ports: ["8080:80"]\n',
    });
    expect(swapped.result.engine.findings.filter((f) => /was not swapped/.test(f.message))).toEqual([]);
    expect(swapped.result.engine.findings.find((f) => f.transform === 'compose/cap-drop')?.fixed).toBe(true);
  });

  it('reads USER ${user} with its ARG default (ARG user=nginx) as nginx: not said to run as root, not swapped, caps dropped', async () => {
    // SecObserve's frontend before ef0712c0: `ARG user=nginx` ... `USER ${user}` on stock nginx (rw-history4). The default
    // is what nginx runs as; a build may pass another user (theirs became so_nginx, 1001), so the swap to an image laid
    // out for 101 waits for a literal USER.
    const run = await hardenTree({
      'Dockerfile': 'FROM nginx:1.27-alpine\nUSER root\nCOPY site.conf /etc/nginx/conf.d/default.conf\nARG user=nginx\nRUN chown -R ${user} /usr/share/nginx/html\nEXPOSE 3000\nUSER ${user}\n',
      'site.conf': 'server {\n  listen 3000;\n  location / { root /usr/share/nginx/html; }\n}\n',
      'compose.yaml': 'services:\n  web:\n    build: .\n    ports: ["3000:3000"]\n',
    });
    const f = run.result.engine.findings.find((x) => x.transform === ID);
    expect(f?.fixed).toBeFalsy();
    expect(f?.message).toBe(
      "nginx:1.27-alpine already runs nginx as nginx (its USER), not as root, but as nginx it fails at start: nginx's built-in pid /var/run/nginx.pid (the stock nginx.conf) is in a folder only root may write; nginx's built-in temp folders under /var/cache/nginx (no *_temp_path moves them) are root's; " +
        'not swapped to nginxinc/nginx-unprivileged: the image ends with USER ${user}, a build argument (nginx by default) that a build may set to another user, and nginxinc/nginx-unprivileged expects UID 101',
    );
    expect(run.result.engine.findings.find((x) => x.transform === 'compose/cap-drop')?.fixed).toBe(true);
    expect(run.changed['Dockerfile']).toBeUndefined();
  });

  it('calls a port given as a separate word unclear', () => {
    expect(apply('nc -z localhost 80').unclear).toBe(true);
    expect(apply('nc -z 127.0.0.1 8080').unclear).toBe(false);
  });
});

describe('rewriteServiceUrls: other services reaching the swapped one by name', () => {
  const apply = (text: string, hosts = ['frontend', 'www']) => {
    let out = text;
    for (const e of [...rewriteServiceUrls(text, hosts)].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
    return out;
  };
  it.each([
    ['http://frontend', 'http://frontend:8080'],
    ['http://frontend/login?x=1', 'http://frontend:8080/login?x=1'],
    ['http://frontend:80/', 'http://frontend:8080/'],
    ['https://frontend', 'https://frontend:8443'],
    ['wss://www/socket', 'wss://www:8443/socket'],
    ['HTTP://FRONTEND/', 'HTTP://FRONTEND:8080/'],
    ['frontend:80', 'frontend:8080'],
    ['a=http://frontend,b=http://www:443', 'a=http://frontend:8080,b=http://www:8443'],
  ])('%s -> %s', (input, output) => expect(apply(input)).toBe(output));
  it.each([
    'frontend',
    'http://frontend.example.com/',
    'http://my-frontend/',
    'http://frontend-2/',
    'http://frontend:8080/',
    'http://frontend:3000',
    'user@frontend:80',
    'http://backend/',
  ])('%s stays', (input) => expect(apply(input)).toBe(input));
});

describe('the stock default site', () => {
  it('a swap that keeps the image default site moves container port 80 and says so in its note, naming no other port', async () => {
    const c = cases.find((x) => x.name === 'stock-site-no-expose')!;
    const run = await hardenTree(c.input, [ID]);
    const notes = run.result.engine.findings.filter((f) => f.transform === ID).flatMap((f) => f.notes ?? []);
    expect(notes.filter((n) => n.kind === 'port-moved').map((n) => n.message)).toEqual([
      expect.stringMatching(/^the image of Dockerfile now listens on container port 8080 instead of 80; published host ports stay/),
    ]);
  });
  it('a configuration that replaces the default site at its path keeps the message about its own listen', async () => {
    const run = await hardenTree(
      {
        'Dockerfile': 'FROM nginx:1.25\nCOPY default.conf /etc/nginx/conf.d/default.conf\n',
        'default.conf': 'server {\n    listen 8080;\n}\n',
      },
      [ID],
    );
    const f = run.result.engine.findings.find((x) => x.transform === ID)!;
    expect(f.message).toContain('whose configuration already listens on no port below 1024');
    expect(f.notes?.some((n) => n.kind === 'port-moved')).toBe(false);
  });
});

describe('docker run -p of the swapped image in scripts, CI and docs', () => {
  const tree = (eol: string) =>
    Object.fromEntries(
      Object.entries({
        'web/Dockerfile': 'FROM nginx:1.27-alpine\nCOPY site /usr/share/nginx/html\nEXPOSE 80\n',
        'web/site/index.html': '<p>hi</p>\n',
        'README.md': [
          '# Web',
          '',
          '```bash',
          'docker build -t acme/web:dev web',
          'docker run --rm -p 8000:80 acme/web:dev',
          '```',
          '',
          '```cli',
          '$ docker run -d --publish=80:80 --name web acme/web:dev',
          'abc123',
          '```',
          '',
          'Then open http://localhost:8000.',
          '',
        ].join(eol),
        Makefile: ['run:', '\tdocker run -p 127.0.0.1:8080:80/tcp acme/web:dev', 'other:', '\tdocker run -p 80:80 nginx:alpine', ''].join(eol),
        'scripts/serve': ['#!/usr/bin/env bash', 'docker run -p 9000:80 -p 53:53/udp acme/web:dev', ''].join(eol),
        '.github/workflows/ci.yml': ['jobs:', '  t:', '    steps:', '      - run: |', '          docker run -d -p 80:80 acme/web:dev', ''].join(eol),
      }),
    );
  for (const eol of ['\n', '\r\n']) {
    it(`edits the commands the repository runs, lists the README's, each with its file:line, and only for the image built here${eol === '\r\n' ? ' (CRLF)' : ''}`, async () => {
      const run = await hardenTree(tree(eol), [ID]);
      const f = run.result.engine.findings.find((x) => x.transform === ID)!;
      expect(f.fixed).toBe(true);
      // Scripts, Makefiles and CI jobs that run a tag this Dockerfile builds: moved in place, the host side kept.
      expect(f.message).toContain('docker run -p 80:80 (.github/workflows/ci.yml:5), -p 127.0.0.1:8080:80/tcp (Makefile:2), -p 9000:80 (scripts/serve:2) run this image');
      expect(run.changed['Makefile']).toBe(['run:', '\tdocker run -p 127.0.0.1:8080:8080/tcp acme/web:dev', 'other:', '\tdocker run -p 80:80 nginx:alpine', ''].join(eol));
      expect(run.changed['scripts/serve']).toBe(['#!/usr/bin/env bash', 'docker run -p 9000:8080 -p 53:53/udp acme/web:dev', ''].join(eol));
      expect(run.changed['.github/workflows/ci.yml']).toBe(['jobs:', '  t:', '    steps:', '      - run: |', '          docker run -d -p 80:8080 acme/web:dev', ''].join(eol));
      expect(run.changed['README.md']).toBeUndefined();
      // README code blocks are documentation: listed for the user.
      const note = f.notes!.find((n) => n.message.startsWith('docker run commands'))!;
      expect(note.kind).toBe('port-moved');
      expect(note.message).toBe(
        'docker run commands outside the files changed publish the old container port of the image of web/Dockerfile; change them: ' +
          'README.md:5 `-p 8000:80` to `-p 8000:8080`; ' +
          'README.md:9 `-p 80:80` to `-p 80:8080`',
      );
      // The PR body carries it under the migration notes.
      const body = markdown(run.result, { cwd: '/', color: false });
      expect(body).toContain('README.md:9 `-p 80:80` to `-p 80:8080`');
    });
  }
  it('says nothing when no command publishes the moved port', async () => {
    const t = tree('\n');
    t['README.md'] = '```bash\ndocker build -t acme/web:dev web\ndocker run --rm acme/web:dev\n```\n';
    delete t['Makefile'];
    delete t['scripts/serve'];
    delete t['.github/workflows/ci.yml'];
    const run = await hardenTree(t, [ID]);
    const f = run.result.engine.findings.find((x) => x.transform === ID)!;
    expect(f.notes!.some((n) => n.message.startsWith('docker run commands'))).toBe(false);
  });
});

describe('stock nginx under the image’s own non-root USER: what stops it at start (bentopdf 8ac62b48, ed6e6c01)', () => {
  const conf = 'server {\n  listen 8080;\n  location / { root /usr/share/nginx/html; }\n}\n';
  const message = async (dockerfile: string, files: Record<string, string> = {}) => {
    const run = await hardenTree({ 'Dockerfile': dockerfile, 'default.conf': conf, ...files }, [ID]);
    expect(run.changed).toEqual({});
    return run.result.engine.findings.find((f) => f.transform === ID)?.message ?? '';
  };
  const head = 'FROM nginx:1.27\nRUN useradd -r -u 1001 app\nCOPY default.conf /etc/nginx/conf.d/default.conf\n';
  it('names the built-in pid and temp folders when nothing gives them to the user', async () => {
    const m = await message(`${head}USER app\n`);
    expect(m).toContain("as app it fails at start: nginx's built-in pid /var/run/nginx.pid (the stock nginx.conf) is in a folder only root may write; nginx's built-in temp folders under /var/cache/nginx (no *_temp_path moves them) are root's;");
  });
  it('names only what the Dockerfile leaves root’s: chown of /var/cache/nginx, then of the pid too (/run or /var/run)', async () => {
    const cache = await message(`${head}RUN chown -R app:app /var/cache/nginx\nUSER app\n`);
    expect(cache).toContain('fails at start: nginx\'s built-in pid /var/run/nginx.pid (the stock nginx.conf) is in a folder only root may write; not swapped');
    for (const pid of ['/var/run/nginx.pid', '/run/nginx.pid']) {
      const both = await message(`${head}RUN chown -R app:app /var/cache/nginx && touch ${pid} && chown app ${pid}\nUSER app\n`);
      expect(both).toMatch(/already runs nginx as app \(its USER\), not as root; not swapped/);
    }
    // A chown to someone else gives the user nothing; a world-writable chmod does.
    expect(await message(`${head}RUN chown -R www-data /var/cache/nginx /var/run\nUSER app\n`)).toContain('fails at start');
    expect(await message(`${head}RUN chmod -R 777 /var/cache/nginx /var/run\nUSER app\n`)).not.toContain('fails at start');
  });
  it('is satisfied by a full nginx.conf that moves pid and temp paths to /tmp, and says which one it keeps where root writes', async () => {
    const temps = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path /tmp/${t}_temp;\n`).join('');
    const full = (pid: string, t = temps) => `pid ${pid};\nevents {}\nhttp {\n${t}  include /etc/nginx/conf.d/*.conf;\n}\n`;
    const df = `${head}COPY nginx.conf /etc/nginx/nginx.conf\nUSER app\n`;
    expect(await message(df, { 'nginx.conf': full('/tmp/nginx.pid') })).not.toContain('fails at start');
    expect(await message(df, { 'nginx.conf': full('/run/nginx.pid') })).toContain("fails at start: its nginx.conf's pid /run/nginx.pid is in a folder only root may write; not swapped");
    expect(await message(df, { 'nginx.conf': full('/tmp/nginx.pid', temps.replace('/tmp/proxy_temp', '/var/lib/nginx/proxy')) })).toContain(
      "fails at start: its nginx.conf's temp path /var/lib/nginx/proxy is not app's; not swapped",
    );
    expect(await message(df, { 'nginx.conf': full('/tmp/nginx.pid', '') })).toContain('temp folders under /var/cache/nginx (no *_temp_path moves them)');
  });
  it('reads the chowns of a Dockerfile with `# escape=` and continued lines, and of a multi-stage build (only the image’s stages)', async () => {
    const df = '# escape=`\nFROM nginx:1.27 AS base\nRUN useradd -r -u 1001 app\nFROM base\nCOPY default.conf /etc/nginx/conf.d/default.conf\nRUN chown -R app:app `\n      /var/cache/nginx `\n  && touch /var/run/nginx.pid && chown app /var/run/nginx.pid\nUSER app\n';
    expect(await message(df)).toMatch(/already runs nginx as app \(its USER\), not as root; not swapped/);
    const other = 'FROM nginx:1.27 AS prep\nRUN chown -R 1001 /var/cache/nginx /var/run\nFROM nginx:1.27\nCOPY default.conf /etc/nginx/conf.d/default.conf\nUSER 1001\n';
    expect(await message(other)).toContain('as 1001 it fails at start');
  });
  it('counts a group-writable chmod for a numeric USER no account has (group 0), not for an account of its own group', async () => {
    // DefectDojo's nginx image: `chmod -R g=u` of /var/cache/nginx, the pid's folder and /etc/nginx, then USER ${uid} (1001).
    const full = 'pid /var/run/app/nginx.pid;\nevents {}\nhttp {\n  include /etc/nginx/conf.d/*.conf;\n}\n';
    const run = 'RUN mkdir /var/run/app && chmod -R g=u /var/cache/nginx /var/run/app && chmod -R g+rwX /etc/nginx\n';
    const df = (user: string, made = '') => `FROM nginx:1.27-alpine\n${made}COPY nginx.conf /etc/nginx/nginx.conf\nCOPY default.conf /etc/nginx/conf.d/default.conf\n${run}ARG uid=1001\nUSER ${user}\n`;
    expect(await message(df('${uid}'), { 'nginx.conf': full })).toMatch(/already runs nginx as 1001 \(its USER\), not as root; not swapped/);
    expect(await message(df('app:0', 'RUN adduser -D -u 1001 app\n'), { 'nginx.conf': full })).not.toContain('fails at start');
    expect(await message(df('1001', 'RUN adduser -D -u 1001 app\n'), { 'nginx.conf': full })).toContain("fails at start: its nginx.conf's pid /var/run/app/nginx.pid is in a folder only root may write; nginx's built-in temp folders");
  });
  it('treats USER nginx and USER 101 as one user, and says nothing when the image runs as root', async () => {
    const hook = '#!/bin/sh\nsed -i "s/listen 8080/listen 9090/" /etc/nginx/conf.d/default.conf\n';
    const df = (user: string) => `FROM nginx:1.27-alpine\nCOPY default.conf /etc/nginx/conf.d/default.conf\nCOPY 30-port.sh /docker-entrypoint.d/30-port.sh\nRUN chown -R 101 /var/cache/nginx && touch /var/run/nginx.pid && chown nginx /var/run/nginx.pid\n${user}`;
    for (const user of ['USER nginx\n', 'USER 101\n']) {
      const m = await message(df(user), { '30-port.sh': hook });
      expect(m).toMatch(/fails at start: its start runs sed -i on \/etc\/nginx\/conf\.d\/default\.conf \(30-port\.sh line 2\), and \/etc\/nginx\/conf\.d is root's; not swapped/);
    }
    expect(await message(df(''), { '30-port.sh': hook })).not.toContain('fails at start');
  });
});
