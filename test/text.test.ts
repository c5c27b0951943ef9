// lineStarts and lineColumn: where the engine reports each finding (1-based line and column of an offset).
import { describe, expect, it } from 'vitest';
import { lineColumn, lineStarts, looksBinary } from '../src/text.js';

// What lineStarts and lineColumn must give, one character at a time.
function startsByCharacter(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  return starts;
}

function lineColumnByCharacter(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lastStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text[i] === '\n') {
      line++;
      lastStart = i + 1;
    }
  }
  return { line, column: end - lastStart + 1 };
}

const TEXTS = ['', 'a', '\n', '\n\n', 'FROM alpine', 'services:\r\n  web:\r\n    image: x\r\n', 'no newline at all', 'FROM alpine\n', 'FROM alpine\r\nRUN x\r\n', '\uFEFFa\nb\n\nc', 'é\u{1F600}\nx\ny'];

describe('lineStarts', () => {
  it('gives the offset after each newline, and 0', () => {
    for (const text of TEXTS) expect(lineStarts(text), JSON.stringify(text)).toEqual(startsByCharacter(text));
  });
});

describe('lineColumn', () => {
  it('gives the 1-based line and column of every offset, one past the end and beyond clamped to the end', () => {
    for (const text of TEXTS) {
      for (let offset = -1; offset <= text.length + 2; offset++) {
        expect(lineColumn(text, offset), `${JSON.stringify(text)} at ${offset}`).toEqual(lineColumnByCharacter(text, offset));
      }
    }
    expect(lineColumn('a\nbc\nd', 4)).toEqual({ line: 2, column: 3 });
    expect(lineColumn('a\nbc\nd', 5)).toEqual({ line: 3, column: 1 });
  });
});

describe('looksBinary', () => {
  it('is true for a NUL byte in the first 8 KiB only', () => {
    const at = (i: number, length = 10000) => {
      const buf = new Uint8Array(length).fill(0x61);
      if (i >= 0) buf[i] = 0;
      return looksBinary(buf);
    };
    expect([at(0), at(8191), at(8192), at(-1), at(9999), at(3, 4), at(-1, 0)]).toEqual([true, true, false, false, false, true, false]);
    expect(looksBinary(Buffer.from('FROM alpine\n'))).toBe(false);
  });
});
