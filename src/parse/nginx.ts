// nginx configuration parser for surgical edits. A char-by-char scanner that
// follows nginx's own tokenizer (ngx_conf_read_token in src/core/ngx_conf_file.c)
// so that what we call a token is what nginx calls one:
//  - `#` starts a comment only where a token could start; `a#b` is one word.
//  - quotes are special only at the start of a token; `a"b` is one word.
//  - `{` right after `$` is part of the word, so `${var}` is one token.
//  - `}` inside a word is a word character (only a leading `}` closes a block).
// All offsets are UTF-16 offsets into the original text (BOM included).

export interface NginxArg {
  /** Unquoted, unescaped value (nginx's rules: `\"`, `\'`, `\\`, `\t`, `\r`, `\n`; other `\x` stay as written). */
  value: string;
  /** The token as written, quotes included. */
  raw: string;
  start: number;
  end: number;
  quoted: boolean;
}

export interface NginxDirective {
  /** Unquoted name (map/geo entries may be quoted: `"~^/x" 1;`); nameStart/nameEnd span the raw token. */
  name: string;
  nameStart: number;
  nameEnd: number;
  args: NginxArg[];
  /** Offset of the name. */
  start: number;
  /** Offset just after the terminating `;` or the closing `}` of its block. */
  end: number;
  block?: NginxDirective[];
  /** Offset of `{`. */
  blockOpen?: number;
  /** Offset of `}`; undefined when the block is not closed before the end of the file. */
  blockClose?: number;
  /** True for `*_by_lua_block`: the text between the braces is Lua, not parsed; `block` is undefined. */
  rawBlock?: boolean;
  parent?: NginxDirective;
  /** 1-based line of the name. */
  line: number;
  /**
   * A line that is one envsubst placeholder and nothing else (`${NGINX_EVENTS_BLOCK}` in openwisp's
   * nginx.template.conf): the template fills in whole directives there, so it ends at the line's end without a `;`.
   * What it expands to is not known.
   */
  placeholder?: boolean;
}

export interface NginxParseError {
  message: string;
  offset: number;
  line: number;
  column: number;
}

export interface NginxComment {
  /** Offset of `#`. */
  start: number;
  /** Offset of the line break that ends it (before a CR), or the end of text. */
  end: number;
}

export interface NginxConfig {
  directives: NginxDirective[];
  errors: NginxParseError[];
  comments: NginxComment[];
}

const SPACE = 32;
const TAB = 9;
const LF = 10;
const CR = 13;
const SEMI = 59; // ;
const LBRACE = 123; // {
const RBRACE = 125; // }
const HASH = 35; // #
const DQUOTE = 34;
const SQUOTE = 39;
const BACKSLASH = 92;
const DOLLAR = 36;
const RPAREN = 41;
const BOM = 0xfeff;

/** Whether only blanks stand between the line's start and `offset`. */
function lineStartBefore(text: string, offset: number): boolean {
  for (let k = offset - 1; k >= 0; k--) {
    const c = text.charCodeAt(k);
    if (c === LF) return true;
    if (c !== SPACE && c !== TAB && c !== BOM) return false;
  }
  return true;
}

function isSpace(c: number): boolean {
  return c === SPACE || c === TAB || c === LF || c === CR;
}

interface Frame {
  directive: NginxDirective | undefined;
  children: NginxDirective[];
  /** A `{` with no directive name: it shares the enclosing block's list. */
  anonymous: boolean;
  /** Offset of its `{`. */
  open: number;
}

export function parseNginx(text: string): NginxConfig {
  const n = text.length;
  const directives: NginxDirective[] = [];
  const errors: NginxParseError[] = [];
  const comments: NginxComment[] = [];
  const lines = lineStarts(text);
  const lineOf = (offset: number): number => lineAt(lines, offset) + 1;
  const error = (message: string, offset: number): void => {
    const li = lineAt(lines, offset);
    // Column 1 on line 1 is the first character after a BOM, as editors show it.
    const lineStart = li === 0 && text.charCodeAt(0) === BOM ? Math.min(1, offset) : lines[li]!;
    errors.push({ message, offset, line: li + 1, column: offset - lineStart + 1 });
  };

  const stack: Frame[] = [{ directive: undefined, children: directives, anonymous: false, open: -1 }];
  let pending: NginxArg[] = [];

  const makeDirective = (end: number): NginxDirective => {
    const [head, ...args] = pending;
    pending = [];
    const frame = stack[stack.length - 1]!;
    const d: NginxDirective = {
      name: head!.value,
      nameStart: head!.start,
      nameEnd: head!.end,
      args,
      start: head!.start,
      end,
      line: lineOf(head!.start),
    };
    if (frame.directive) d.parent = frame.directive;
    frame.children.push(d);
    return d;
  };
  const lastEnd = (): number => pending[pending.length - 1]!.end;

  let i = text.charCodeAt(0) === BOM ? 1 : 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) {
      i++;
    } else if (c === SEMI) {
      if (pending.length === 0) error("unexpected ';'", i);
      else makeDirective(i + 1);
      i++;
    } else if (c === LBRACE) {
      if (pending.length === 0) {
        // Keep braces balanced: its contents go to the enclosing block.
        error("unexpected '{' without a directive name", i);
        const outer = stack[stack.length - 1]!;
        stack.push({ directive: outer.directive, children: outer.children, anonymous: true, open: i });
        i++;
        continue;
      }
      const d = makeDirective(i + 1);
      d.blockOpen = i;
      if (d.name.endsWith('_by_lua_block')) {
        d.rawBlock = true;
        const close = skipLuaBlock(text, i + 1);
        if (close < 0) {
          error(`unterminated '${d.name}' block: expected '}'`, i);
          d.end = n;
          i = n;
        } else {
          d.blockClose = close;
          d.end = close + 1;
          i = close + 1;
        }
      } else {
        d.block = [];
        stack.push({ directive: d, children: d.block, anonymous: false, open: i });
        i++;
      }
    } else if (c === RBRACE) {
      if (pending.length > 0) {
        error("missing ';' before '}'", lastEnd());
        makeDirective(lastEnd());
      }
      if (stack.length === 1) {
        error("unexpected '}'", i);
      } else {
        const frame = stack.pop()!;
        if (frame.directive && !frame.anonymous) {
          frame.directive.blockClose = i;
          frame.directive.end = i + 1;
        }
      }
      i++;
    } else if (c === HASH) {
      let j = text.indexOf('\n', i);
      if (j < 0) j = n;
      if (j > i && text.charCodeAt(j - 1) === CR) j--;
      comments.push({ start: i, end: j });
      i = j;
    } else if (c === DQUOTE || c === SQUOTE) {
      let j = i + 1;
      let closed = false;
      while (j < n) {
        const q = text.charCodeAt(j);
        if (q === BACKSLASH) j += 2;
        else if (q === c) {
          closed = true;
          j++;
          break;
        } else j++;
      }
      if (j > n) j = n;
      if (!closed) error('unterminated quoted string', i);
      const raw = text.slice(i, j);
      pending.push({ value: unescape(raw.slice(1, closed ? -1 : undefined)), raw, start: i, end: j, quoted: true });
      i = j;
      if (i < n) {
        // nginx wants a separator after a closing quote; ')' is allowed for `if ("a")`.
        const next = text.charCodeAt(i);
        if (!isSpace(next) && next !== SEMI && next !== LBRACE && next !== RBRACE && next !== RPAREN) {
          error('expected whitespace after quoted string', i);
        }
      }
    } else {
      let j = i;
      let variable = false;
      while (j < n) {
        const w = text.charCodeAt(j);
        if (w === LBRACE && variable) {
          j++;
          continue;
        }
        variable = false;
        if (w === BACKSLASH) {
          j += 2;
          continue;
        }
        if (w === DOLLAR) variable = true;
        else if (isSpace(w) || w === SEMI || w === LBRACE) break;
        j++;
      }
      if (j > n) j = n;
      const raw = text.slice(i, j);
      pending.push({ value: unescape(raw), raw, start: i, end: j, quoted: false });
      i = j;
      // A placeholder alone on its line (`    ${NGINX_EVENTS_BLOCK}` then a line break, a comment or `}`) is where an
      // envsubst template puts whole directives: nginx never sees it, so it is no directive missing its `;`.
      if (pending.length === 1 && /^\$\{\w+\}$/.test(raw) && lineStartBefore(text, pending[0]!.start)) {
        let k = j;
        while (k < n && (text.charCodeAt(k) === SPACE || text.charCodeAt(k) === TAB)) k++;
        const next = k < n ? text.charCodeAt(k) : LF;
        if (next === LF || next === CR || next === HASH || next === RBRACE) makeDirective(j).placeholder = true;
      }
    }
  }

  if (pending.length > 0) {
    error(`unexpected end of file: missing ';' after '${pending[0]!.value}'`, lastEnd());
    makeDirective(lastEnd());
  }
  for (let k = stack.length - 1; k > 0; k--) {
    const frame = stack[k]!;
    const d = frame.anonymous ? undefined : frame.directive;
    error(`unclosed '${d?.name ?? ''}' block: expected '}' before the end of file`, frame.open);
    if (d) d.end = n;
  }
  errors.sort((a, b) => a.offset - b.offset);
  return { directives, errors, comments };
}

/**
 * Offset of the `}` closing a Lua block whose body starts at `from`, or -1.
 * Lua strings, long brackets and comments may hold braces, so skip them the way
 * lua-nginx-module's own block reader does.
 */
function skipLuaBlock(text: string, from: number): number {
  const n = text.length;
  let depth = 1;
  let i = from;
  while (i < n) {
    const c = text[i]!;
    if (c === '-' && text[i + 1] === '-') {
      const long = longBracketEnd(text, i + 2);
      if (long !== undefined) i = long;
      else {
        const eol = text.indexOf('\n', i);
        i = eol < 0 ? n : eol + 1;
      }
    } else if (c === '"' || c === "'") {
      i++;
      while (i < n && text[i] !== c && text[i] !== '\n') i += text[i] === '\\' ? 2 : 1;
      i++;
    } else if (c === '[') {
      const long = longBracketEnd(text, i);
      i = long ?? i + 1;
    } else {
      if (c === '{') depth++;
      else if (c === '}' && --depth === 0) return i;
      i++;
    }
  }
  return -1;
}

/** If a Lua long bracket `[==[` opens at `i`, the offset after its `]==]` (or end of text). */
function longBracketEnd(text: string, i: number): number | undefined {
  if (text[i] !== '[') return undefined;
  let j = i + 1;
  while (text[j] === '=') j++;
  if (text[j] !== '[') return undefined;
  const close = ']' + '='.repeat(j - i - 1) + ']';
  const k = text.indexOf(close, j + 1);
  return k < 0 ? text.length : k + close.length;
}

/** nginx's unescaping, applied to quoted and unquoted words alike. */
function unescape(s: string): string {
  return decode(s, 0, undefined).value;
}

/**
 * Decode a token body; `offs[k]` is the text offset of value char k (base + index).
 * Stops at an unescaped `stopAt` quote, if given.
 */
function decode(s: string, base: number, stopAt: string | undefined): { value: string; offs: number[]; end: number } {
  let value = '';
  const offs: number[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === stopAt) break;
    if (c === '\\' && i + 1 < s.length) {
      const e = s[i + 1]!;
      const mapped = e === '"' || e === "'" || e === '\\' ? e : e === 't' ? '\t' : e === 'r' ? '\r' : e === 'n' ? '\n' : undefined;
      if (mapped !== undefined) {
        value += mapped;
        offs.push(base + i);
        i += 2;
        continue;
      }
    }
    value += c;
    offs.push(base + i);
    i++;
  }
  return { value, offs, end: base + i };
}

/** Depth-first, document order: a directive, then its block's contents. */
export function walkNginx(directives: NginxDirective[], visit: (d: NginxDirective) => void): void {
  // Explicit stack: a deeply nested (or hostile) file must not overflow the call stack.
  const todo: NginxDirective[] = [];
  for (let k = directives.length - 1; k >= 0; k--) todo.push(directives[k]!);
  while (todo.length > 0) {
    const d = todo.pop()!;
    visit(d);
    if (d.block) for (let k = d.block.length - 1; k >= 0; k--) todo.push(d.block[k]!);
  }
}

/** A full nginx.conf (as opposed to a conf.d snippet): has a top-level `events` or `http` block. */
export function isFullNginxConfig(config: NginxConfig): boolean {
  return config.directives.some((d) => (d.name === 'events' || d.name === 'http') && d.block !== undefined);
}

export interface ListenSpec {
  /** Address as written, brackets kept for IPv6 (`[::]`), `*` kept; undefined when only a port is given. */
  address?: string;
  /** Numeric port; undefined when implied (80), a variable, a unix socket, or not a number. */
  port?: number;
  portArg: NginxArg;
  /**
   * Offsets of just the port inside the arg: the digits, or the variable (`$PORT`).
   * When there is no port (`127.0.0.1`, `[::]`, `unix:...`), both equal portArg's end
   * (for an implied port, insert `:8080` there).
   */
  portStart: number;
  portEnd: number;
  ipv6: boolean;
  unixSocket: boolean;
  hasVariable: boolean;
  /** Values of the other args: `ssl`, `http2`, `default_server`, `ipv6only=on`, ... */
  params: string[];
}

/**
 * Parse a `listen` directive's first argument: '80', '8080', '127.0.0.1:80', '[::]:80',
 * 'localhost:80', '*:80', 'unix:/path', '$PORT', '${NGINX_PORT}', 'example.com'
 * (port 80 implied: port undefined). A `listen` with no args gets an empty portArg at nameEnd.
 */
export function parseListen(d: NginxDirective): ListenSpec {
  const portArg: NginxArg = d.args[0] ?? { value: '', raw: '', start: d.nameEnd, end: d.nameEnd, quoted: false };
  const params = d.args.slice(1).map((a) => a.value);
  const body = portArg.quoted ? portArg.raw.slice(1) : portArg.raw;
  const { value, offs, end: valueEnd } = decode(body, portArg.start + (portArg.quoted ? 1 : 0), portArg.quoted ? portArg.raw[0] : undefined);
  const spec: ListenSpec = {
    address: undefined,
    port: undefined,
    portArg,
    portStart: portArg.end,
    portEnd: portArg.end,
    ipv6: false,
    unixSocket: false,
    hasVariable: value.includes('$'),
    params,
  };
  // Span of value chars [from, to) in text offsets.
  const span = (from: number, to: number): void => {
    spec.portStart = offs[from] ?? valueEnd;
    spec.portEnd = to > from ? offs[to - 1]! + 1 : spec.portStart;
  };
  const setPort = (from: number): void => {
    const part = value.slice(from);
    if (part === '') return;
    span(from, value.length);
    if (isDigits(part)) spec.port = Number(part);
  };

  if (value.startsWith('unix:')) {
    spec.unixSocket = true;
    spec.address = value;
    return spec;
  }
  if (value.startsWith('[')) {
    spec.ipv6 = true;
    const close = value.indexOf(']');
    if (close < 0) {
      spec.address = value;
      return spec;
    }
    spec.address = value.slice(0, close + 1);
    if (value[close + 1] === ':') setPort(close + 2);
    return spec;
  }
  const colon = lastColonOutsideBraces(value);
  if (colon >= 0) {
    spec.address = value.slice(0, colon);
    setPort(colon + 1);
  } else if (isDigits(value) || value.startsWith('$')) {
    // A lone variable is a port: envsubst templates (`listen ${NGINX_PORT};`) use it so.
    setPort(0);
  } else if (value !== '') {
    spec.address = value;
  }
  return spec;
}

function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}


// One copy of the line helpers for every parser.
export { detectEol, indentOfLine as indentAt } from '../text.js';
import { lastColonOutsideBraces, lineAt, lineStarts } from '../text.js';
