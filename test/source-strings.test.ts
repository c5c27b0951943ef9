import { describe, expect, it } from 'vitest';
import { GO_QUOTES, JS_QUOTES, outsideStrings, PYTHON_QUOTES, topLevelParts } from '../src/source-strings.js';

const outside = (text: string, quotes = JS_QUOTES) => [...outsideStrings(text, 0, text.length, quotes)].map((i) => text[i]).join('');

describe('outsideStrings', () => {
  it('skips strings with their quotes, and escaped quotes inside them', () => {
    expect(outside(`f("a,b", 'c\\'d', x)`)).toBe('f(, , x)');
    expect(outside(`f("a,b", 'c\\'d', x)`, PYTHON_QUOTES)).toBe('f(, , x)');
  });
  it('reads a JavaScript template literal as one string', () => {
    expect(outside('join(`${dir}/a,b`, c)')).toBe('join(, c)');
  });
  it('reads Python backticks as code', () => {
    expect(outside('f(`a,b`)', PYTHON_QUOTES)).toBe('f(`a,b`)');
  });
  it("knows Go's raw strings have no escapes and its strings end at a line end", () => {
    expect(outside('f(`C:\\`, x)', GO_QUOTES)).toBe('f(, x)');
    expect(outside('f("open\ng(x)', GO_QUOTES)).toBe('f(g(x)');
    expect(outside('f("open\ng(x)', JS_QUOTES)).toBe('f(');
  });
  it('gives only the range asked for', () => {
    const text = 'ab"c"de';
    expect([...outsideStrings(text, 1, 6, JS_QUOTES)]).toEqual([1, 5]);
  });
});

describe('topLevelParts', () => {
  it('splits at separators outside brackets and strings', () => {
    expect(topLevelParts(`a, f(b, c), "d,e", [1, 2]`, ',', JS_QUOTES)).toEqual(['a', 'f(b, c)', '"d,e"', '[1, 2]']);
    expect(topLevelParts('dir + "/a+b" + name', '+', GO_QUOTES)).toEqual(['dir', '"/a+b"', 'name']);
  });
  it('gives one empty part for empty text', () => {
    expect(topLevelParts('', ',', GO_QUOTES)).toEqual(['']);
  });
});
