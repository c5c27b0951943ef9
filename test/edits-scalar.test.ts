// How new compose values are written: plain where every reader (YAML 1.2 for
// compose v2, YAML 1.1 for docker-compose 1.x) reads back the same string,
// quoted otherwise, and new list items in the quoting of their siblings.
import { describe, expect, it } from 'vitest';
import { parse, parseDocument, isSeq } from 'yaml';
import { seqItemScalar, yamlBlockScalar, yamlScalar } from '../src/edits.js';

const VALUES = [
  'nginxinc/nginx-unprivileged:1.27-alpine',
  'docker.io/nginxinc/nginx-unprivileged:1.31.3-alpine',
  'no-new-privileges:true',
  '/tmp:size=64m',
  'ghcr.io/acme/app@sha256:0123abcd',
  'yes',
  'on',
  'null',
  '8080:80',
  '1.27',
  '12:30',
  '2001-12-14',
  'a: b',
  'a #b',
  'trailing:',
  '-dash',
  '*alias',
  '&anchor',
  '!tag',
  '[x]',
  '{x}',
  'x,y',
  "it's",
  '',
  ' lead',
  'tab\there',
  '%percent',
  '@at',
  '`tick',
  '|pipe',
  '>fold',
  '?q',
];

describe('yamlBlockScalar', () => {
  for (const v of VALUES) {
    it(`writes ${JSON.stringify(v)} so YAML 1.1 and 1.2 read it back as that string`, () => {
      const text = yamlBlockScalar(v);
      for (const version of ['1.1', '1.2'] as const) {
        expect(parse(`k: ${text}\n`, { version })).toEqual({ k: v });
        expect(parse(`l:\n  - ${text}\n`, { version })).toEqual({ l: [v] });
      }
    });
  }

  it('leaves image references and option strings plain', () => {
    expect(yamlBlockScalar('nginxinc/nginx-unprivileged:1.27-alpine')).toBe('nginxinc/nginx-unprivileged:1.27-alpine');
    expect(yamlBlockScalar('no-new-privileges:true')).toBe('no-new-privileges:true');
    expect(yamlBlockScalar('/tmp:size=64m')).toBe('/tmp:size=64m');
  });

  it('quotes what a reader would take as something else', () => {
    for (const v of ['yes', 'on', 'null', '8080:80', '1.27', '12:30', 'a: b', 'a #b', 'trailing:', '*alias', 'x,y', '']) {
      expect(yamlBlockScalar(v)).toBe(JSON.stringify(v));
    }
  });
});

describe('seqItemScalar', () => {
  const seqOf = (src: string) => {
    const node = parseDocument(src).get('l', true);
    if (!isSeq(node)) throw new Error('not a list');
    return node;
  };

  it('follows the quoting of the last item of a block list', () => {
    expect(seqItemScalar(seqOf('l:\n  - /run\n'), '/tmp:size=64m')).toBe('/tmp:size=64m');
    expect(seqItemScalar(seqOf('l:\n  - "/run"\n'), '/tmp:size=64m')).toBe('"/tmp:size=64m"');
    expect(seqItemScalar(seqOf("l:\n  - '/run'\n"), "it's")).toBe("'it''s'");
    expect(seqItemScalar(seqOf('l:\n  - /run\n'), 'yes')).toBe('"yes"');
  });

  it('keeps flow lists as yamlScalar writes them', () => {
    expect(seqItemScalar(seqOf('l: [/run]\n'), 'no-new-privileges:true')).toBe(yamlScalar('no-new-privileges:true'));
    expect(seqItemScalar(seqOf('l: []\n'), 'no-new-privileges:true')).toBe('"no-new-privileges:true"');
  });
});
