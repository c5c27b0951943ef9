// "How to keep a service as it is": every suggested suppression comment,
// written where the hint says, must keep exactly that change out on the next
// run; all of them together must leave the project unchanged. Checked on the
// examples and on the shapes where placing a comment is easy to get wrong.
import { describe, it, expect } from 'vitest';
import path from 'node:path';
import { keepHints, REASON_PLACEHOLDER, type KeepHint } from '../src/report/keep.js';
import { hardenTree, readTree, REPO, toCrlf } from './helpers.js';

/** The tree with the hints' comment lines written in: above the anchor line, or (file-wide) at the end. */
function withComments(tree: Record<string, string>, hints: KeepHint[]): Record<string, string> {
  const out = { ...tree };
  const byFile = new Map<string, KeepHint[]>();
  for (const h of hints) byFile.set(h.rel, [...(byFile.get(h.rel) ?? []), h]);
  for (const [rel, list] of byFile) {
    const text = out[rel];
    const eol = /\r\n/.test(text) ? '\r\n' : '\n';
    const lines = text.split(eol);
    // From the bottom up, so earlier line numbers stay right.
    for (const h of [...list].sort((a, b) => (b.line ?? Infinity) - (a.line ?? Infinity))) {
      if (h.line === undefined) {
        const endsWithEol = lines[lines.length - 1] === '';
        lines.splice(endsWithEol ? lines.length - 1 : lines.length, 0, ...h.comments);
      } else {
        expect(lines[h.line - 1].replace(/^\uFEFF/, '')).toBe(h.anchor);
        // Above a BOM-led first line, the BOM stays first.
        const bom = h.line === 1 && lines[0].startsWith('\uFEFF');
        if (bom) lines[0] = lines[0].slice(1);
        lines.splice(h.line - 1, 0, ...h.comments);
        if (bom) lines[0] = '\uFEFF' + lines[0];
      }
    }
    out[rel] = lines.join(eol);
  }
  return out;
}

async function checkHints(tree: Record<string, string>): Promise<KeepHint[]> {
  const first = await hardenTree(tree);
  const hints = keepHints(first.result);
  expect(hints.length).toBeGreaterThan(0);
  for (const h of hints) {
    for (const c of h.comments) expect(c.trim()).toMatch(new RegExp(`^# docker-harden-ignore(-file)? [a-z-]+/[a-z-]+ -- ${REASON_PLACEHOLDER}$`));
  }

  // One place at a time: its transforms are suppressed there, nothing is reported as an error.
  for (const h of hints) {
    const again = await hardenTree(withComments(tree, [h]));
    expect(again.result.errors, `${h.rel} ${h.scope}`).toEqual([]);
    const left = keepHints(again.result).filter((x) => x.rel === h.rel && x.scope === h.scope);
    const ids = h.comments.map((c) => c.trim().split(' ')[2]);
    for (const x of left) for (const c of x.comments) expect(ids, `${h.rel} ${h.scope}: ${c}`).not.toContain(c.trim().split(' ')[2]);
    const suppressed = again.result.engine.findings.filter((f) => f.suppressed && ids.includes(f.transform));
    expect(suppressed.length, `${h.rel} ${h.scope}`).toBeGreaterThan(0);
    for (const f of suppressed) expect(f.suppressed!.reason).toBe(REASON_PLACEHOLDER);
  }

  // Every place at once: the project is kept exactly as it is.
  const all = await hardenTree(withComments(tree, hints));
  expect(all.result.errors).toEqual([]);
  expect(all.changed).toEqual({});
  expect(all.result.engine.findings.filter((f) => !f.suppressed)).toEqual([]);
  return hints;
}

describe('keep-as-is hints', () => {
  it('on examples/: each comment keeps its change out, all of them keep everything', async () => {
    const hints = await checkHints(readTree(path.join(REPO, 'examples')));
    const api = hints.find((h) => h.rel === 'docker-compose.yml' && h.scope === 'service api')!;
    expect(api.anchor).toBe('  api:');
    expect(api.comments).toEqual([
      '  # docker-harden-ignore compose/cap-drop -- <reason>',
      '  # docker-harden-ignore compose/no-new-privileges -- <reason>',
      '  # docker-harden-ignore compose/read-only -- <reason>',
    ]);
    const env = hints.find((h) => h.rel === '.env.example')!;
    expect(env).toMatchObject({ scope: 'the whole file', anchor: undefined, comments: ['# docker-harden-ignore-file compose/env-docker-gid -- <reason>'] });
  });

  it('multi-stage Dockerfile with a parser directive: the comment goes above the final stage FROM, the builder is not named', async () => {
    const hints = await checkHints({
      'Dockerfile': '# syntax=docker/dockerfile:1\nFROM golang:1.22 AS build\nRUN go build -o /out/app .\n\n# the runtime\nFROM debian:12-slim\nCOPY --from=build /out/app /app\nCMD ["/app"]\n',
    });
    expect(hints).toEqual([
      { file: expect.any(String), rel: 'Dockerfile', scope: 'stage FROM debian:12-slim', anchor: 'FROM debian:12-slim', line: 6, lang: 'dockerfile', comments: ['# docker-harden-ignore dockerfile/non-root-user -- <reason>'] },
    ]);
  });

  it('CRLF compose with anchors and merge keys, an override file, flow style, a BOM Dockerfile', async () => {
    const hints = await checkHints({
      'compose.yaml': toCrlf('x-common: &common\n  restart: always\n\nservices:\n  # the api\n  api:\n    <<: *common\n    build: ./api\n  cache: {image: "redis:7", <<: *common}\n'),
      'compose.override.yaml': 'services:\n  api:\n    volumes:\n      - ./api:/app\n  extra:\n    image: postgres:16\n',
      'api/Dockerfile': '\uFEFFFROM python:3.12-slim\r\nWORKDIR /app\r\nCOPY . .\r\nCMD ["python", "main.py"]\r\n',
      'flow/compose.yml': 'services: {web: {image: "redis:7"}}\n',
    });
    const places = hints.map((h) => `${h.rel} | ${h.scope} | ${h.anchor}`);
    expect(places).toEqual(expect.arrayContaining([
      'api/Dockerfile | stage FROM python:3.12-slim | FROM python:3.12-slim',
      'compose.yaml | service api |   api:',
      'compose.yaml | service cache |   cache: {image: "redis:7", <<: *common}',
      'compose.override.yaml | service extra |   extra:',
      'flow/compose.yml | service web | services: {web: {image: "redis:7"}}',
    ]));
  });

  it('nginx swapped in compose and an nginx config: one comment above the service keeps the whole swap out', async () => {
    const hints = await checkHints({
      'compose.yaml': 'services:\n  web:\n    image: nginx:1.27\n    ports:\n      - "80:80"\n    volumes:\n      - ./default.conf:/etc/nginx/conf.d/default.conf:ro\n',
      'default.conf': 'server {\n    listen 80;\n    location / { root /usr/share/nginx/html; }\n}\n',
    });
    const web = hints.find((h) => h.scope === 'service web')!;
    expect(web.comments.map((c) => c.trim().split(' ')[2])).toContain('nginx/unprivileged');
  });
});
