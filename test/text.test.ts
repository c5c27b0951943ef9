// lineColumn: where the engine reports each finding (1-based line and column of an offset).
import { describe, it, expect } from 'vitest';
import { lineColumn } from '../src/text.js';

/** The position counted a character at a time: what lineColumn must give. */
function counted(text: string, offset: number): { line: number; column: number } {
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

describe('lineColumn', () => {
  it('counts lines and columns as a character-by-character count does, at every offset', () => {
    const texts = ['', 'a', '\n', '\n\n', 'ab\ncd\n', 'services:\r\n  web:\r\n    image: x\r\n', '\ufeffFROM a\nRUN b\n\nCMD c', 'no newline at all'];
    for (const text of texts) {
      for (let offset = -1; offset <= text.length + 2; offset++) expect(lineColumn(text, offset), JSON.stringify([text, offset])).toEqual(counted(text, offset));
    }
  });

  it('puts an offset on a newline at the end of its line, and the next offset at column 1 of the next', () => {
    expect(lineColumn('ab\ncd', 2)).toEqual({ line: 1, column: 3 });
    expect(lineColumn('ab\ncd', 3)).toEqual({ line: 2, column: 1 });
  });
});
