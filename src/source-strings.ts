// The program-source readers (Python, Node.js, Go start writes) find calls and split their arguments by
// brackets and commas; a bracket or comma inside a string literal must not count. One scanner of what lies
// outside string literals serves them all, with each language's quote rules.

/** How a language's string literals open and close. */
export interface StringQuotes {
  /** Quotes whose strings a backslash escapes in (the next character never closes them). */
  escaped: string;
  /** Quotes whose strings know no escapes (Go's raw `…`). */
  raw?: string;
  /** An escaped-quote string also ends at a line end (Go's interpreted strings and runes cannot span lines). */
  endAtLineEnd?: boolean;
}

export const PYTHON_QUOTES: StringQuotes = { escaped: `"'` };
/** Template literals are read as plain strings: a `${…}` inside one is skipped with the string. */
export const JS_QUOTES: StringQuotes = { escaped: `"'\`` };
export const GO_QUOTES: StringQuotes = { escaped: `"'`, raw: '`', endAtLineEnd: true };

/**
 * The places of `text[from, end)` outside string literals, in order: a quote opens a string that its own quote
 * closes, and neither quote nor anything between them is given.
 */
export function* outsideStrings(text: string, from: number, end: number, quotes: StringQuotes): Generator<number> {
  let quote: string | undefined;
  let escapes = false;
  for (let i = from; i < end; i++) {
    const c = text[i]!;
    if (quote) {
      if (escapes && c === '\\') i++;
      else if (c === quote || (escapes && quotes.endAtLineEnd && c === '\n')) quote = undefined;
    } else if (quotes.escaped.includes(c)) {
      quote = c;
      escapes = true;
    } else if (quotes.raw?.includes(c)) {
      quote = c;
      escapes = false;
    } else yield i;
  }
}

/** `a, b, c` (or `a + b`) split at the separators outside brackets and strings, each part trimmed. */
export function topLevelParts(text: string, separator: ',' | '+', quotes: StringQuotes): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (const i of outsideStrings(text, 0, text.length, quotes)) {
    const c = text[i]!;
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (depth === 0 && c === separator) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts;
}
