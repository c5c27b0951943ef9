// Templates discovery skips by their name or folder are named in the report,
// with the reason: files[].skipped.reason in the JSON report (docs/report.schema.json),
// a "skipped" line in the stylish one. Dockerfile.in (autoconf, CMake) is a template.
import { describe, it, expect, afterAll } from 'vitest';
import { rmSync } from 'node:fs';
import { Ajv } from 'ajv';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO, runCli, writeTree } from './helpers.js';
import { skipReason, TEMPLATE_FILE } from '../src/discover.js';
import { templateKind } from '../src/generated.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('templates skipped by name', () => {
  it('Dockerfile.in and compose .in files are templates; names that only start with "in" are not', () => {
    for (const name of ['Dockerfile.in', 'docker-compose.yml.in', 'Dockerfile.IN', 'Dockerfile.in.alpine']) expect(TEMPLATE_FILE.test(name), name).toBe(true);
    for (const name of ['Dockerfile.internal', 'Dockerfile.init', 'Dockerfile', 'compose.yaml', 'Dockerfile.ingress']) expect(TEMPLATE_FILE.test(name), name).toBe(false);
    expect(templateKind('Dockerfile.in')).toBe('dockerfile');
    expect(templateKind('docker-compose.yml.in')).toBe('compose');
    expect(skipReason('/r/docker/Dockerfile.in', () => false)).toMatchObject({ kind: 'template-name', reason: expect.stringMatching(/template by its name \(\.in\)/) });
  });

  it('JSON report: each skipped template with its reason (name, folder, content); excluded files without one; the schema holds', async () => {
    const dir = writeTree({
      'Dockerfile.in': 'FROM @BASE_IMAGE@\nCMD ["app"]\n',
      'deploy/compose.j2.yml': 'services:\n  web:\n    image: "{{ image }}"\n',
      'Dockerfile.tmpl': 'FROM {{ .Base }}\n',
      '{{cookiecutter.slug}}/Dockerfile': 'FROM python:3\n',
      // Placeholder syntax in a file of an ordinary name: read, then skipped (its content is a template).
      'web/Dockerfile': '{% if alpine %}\nFROM node:22-alpine\n{% else %}\nFROM node:22-slim\n{% endif %}\nCMD ["node"]\n',
      'old/Dockerfile': 'FROM debian:bookworm-slim\n',
      'compose.yaml': 'services:\n  app:\n    image: redis:7\n',
    });
    dirs.push(dir);
    const r = await runCli(['--dry-run', '--format', 'json', '--exclude', 'old/', '.'], dir);
    const report = JSON.parse(r.stdout);
    const skipped = Object.fromEntries(report.files.filter((f: any) => f.status === 'skipped').map((f: any) => [f.path, f.skipped?.reason ?? null]));
    expect(Object.keys(skipped).sort()).toEqual(['Dockerfile.in', 'Dockerfile.tmpl', 'deploy/compose.j2.yml', 'old/Dockerfile', 'web/Dockerfile', '{{cookiecutter.slug}}/Dockerfile']);
    expect(skipped['Dockerfile.in']).toMatch(/template by its name \(\.in\)/);
    expect(skipped['deploy/compose.j2.yml']).toMatch(/template by its name \(\.j2\)/);
    expect(skipped['Dockerfile.tmpl']).toMatch(/\(\.tmpl\)/);
    expect(skipped['{{cookiecutter.slug}}/Dockerfile']).toMatch(/project template/);
    expect(skipped['web/Dockerfile']).toMatch(/is a template/);
    expect(skipped['old/Dockerfile']).toBeNull();
    const schema = JSON.parse(readFileSync(path.join(REPO, 'docs/report.schema.json'), 'utf8'));
    const ajv = new Ajv({ allErrors: true, strict: true });
    const validate = ajv.compile(schema);
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    // The stylish report names them too.
    const text = await runCli(['--dry-run', '.'], dir);
    expect(text.stderr + text.stdout).toMatch(/Dockerfile\.in: is a template by its name \(\.in\)/);
  });
});
