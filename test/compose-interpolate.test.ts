// Compose interpolation as compose reads a file: `.env` syntax and every
// `${…}` form, with where each value came from.
import { describe, it, expect } from 'vitest';
import { interpolate, interpolatedOr, parseEnvFile } from '../src/compose-interpolate.js';

const env = parseEnvFile(
  [
    '# comment',
    'export IMAGE=mysql',
    'TAG = 8.0   # inline comment',
    "QUOTED='a # b $IMAGE'",
    'DOUBLE="x\\ty ${IMAGE}"',
    'EMPTY=',
    'REF=${IMAGE}-server',
    'BROKEN LINE',
  ].join('\r\n'),
  '.env',
);

describe('parseEnvFile', () => {
  it('reads values, quotes, comments and earlier keys, with their lines', () => {
    expect(env.get('IMAGE')).toEqual({ value: 'mysql', from: '.env:2', line: 2 });
    expect(env.get('TAG')?.value).toBe('8.0');
    expect(env.get('QUOTED')?.value).toBe('a # b $IMAGE');
    expect(env.get('DOUBLE')?.value).toBe('x\ty mysql');
    expect(env.get('EMPTY')?.value).toBe('');
    expect(env.get('REF')).toEqual({ value: 'mysql-server', from: '.env:7', line: 7 });
    expect(env.has('BROKEN')).toBe(false);
  });
});

describe('interpolate', () => {
  const v = (s: string) => interpolate(s, env)?.value;
  it('replaces ${VAR} and $VAR and says where each came from', () => {
    expect(interpolate('${IMAGE}:$TAG', env)).toEqual({ value: 'mysql:8.0', sources: ['IMAGE=mysql from .env:2', 'TAG=8.0 from .env:3'] });
  });
  it('takes defaults: `:-` for unset or empty, `-` for unset only', () => {
    expect(v('${NOPE:-redis}')).toBe('redis');
    expect(v('${EMPTY:-redis}')).toBe('redis');
    expect(v('${EMPTY-redis}')).toBe('');
    expect(v('${NOPE-redis}')).toBe('redis');
    expect(v('${IMAGE:-redis}')).toBe('mysql');
    expect(v('${NOPE:-${IMAGE}}:${NOPE2:-${TAG}}')).toBe('mysql:8.0');
    expect(interpolate('${NOPE:-redis}', env)?.sources).toEqual(['NOPE unset: its default "redis" in the compose file']);
  });
  it('alternatives and required values', () => {
    expect(v('${IMAGE:+set}')).toBe('set');
    expect(v('${EMPTY:+set}')).toBe('');
    expect(v('${EMPTY+set}')).toBe('set');
    expect(v('${IMAGE:?need it}')).toBe('mysql');
    expect(v('${NOPE:?need it}')).toBeUndefined();
    expect(v('${EMPTY:?need it}')).toBeUndefined();
    expect(v('${EMPTY?need it}')).toBe('');
  });
  it('`$$` is a literal dollar; unknown variables and broken syntax leave the value unresolved', () => {
    expect(v('cost $$5 ${IMAGE}')).toBe('cost $5 mysql');
    expect(v('$$IMAGE')).toBe('$IMAGE');
    expect(v('${NOPE}')).toBeUndefined();
    expect(v('$NOPE')).toBeUndefined();
    expect(v('${IMAGE')).toBeUndefined();
    expect(v('${1BAD}')).toBeUndefined();
    expect(interpolatedOr('${NOPE}:1', env)).toEqual({ value: '${NOPE}:1', sources: [] });
    expect(interpolatedOr('plain', env)).toEqual({ value: 'plain', sources: [] });
  });
});
