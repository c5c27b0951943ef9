// GitHub Actions `if:` conditions, evaluated only where the answer is certain.
//
// A job or step whose `if:` is always false never runs, so what it builds or starts is no evidence
// (`if: false`, `if: ${{ false }}`, `if: ${{ false && github.event_name == 'push' }}`, a comparison of two
// literals). Anything that reads a context (`github.*`, `env.*`, `inputs.*`, `vars.*`…) or calls a function
// (`success()`, `contains(…)`) may run: it depends on the event, the branch, the repository (a fork runs the
// upstream's workflow with its own `github.repository`, and a hardening pull request goes to the upstream), or
// on what earlier steps did. Grammar and truthiness: https://docs.github.com/en/actions/reference/workflows-and-actions/expressions
// (operators `( ) ! < <= > >= == != && ||`; falsy: false, 0, -0, '', null; `&&` and `||` give one of their operands).

type Value = boolean | number | string | null;
/** A value the expression may take that is not known here. */
const UNKNOWN = Symbol('unknown');
type Result = Value | typeof UNKNOWN;

/**
 * Whether the condition is certainly false (`false`), certainly true (`true`), or depends on what only the run
 * knows (`undefined`). Text it cannot parse is `undefined`.
 */
export function constantCondition(condition: string | undefined): boolean | undefined {
  if (condition === undefined) return undefined;
  let text = condition.trim();
  // `if:` may wrap the expression in `${{ }}` or not; a text around `${{ }}` is a string (always truthy) only when the
  // whole is not one expression, which is not a constant we read.
  const whole = /^\$\{\{([\s\S]*)\}\}$/.exec(text);
  if (whole) text = whole[1]!;
  if (text.includes('${{')) return undefined;
  const tokens = tokenize(text);
  if (!tokens) return undefined;
  const p = { tokens, at: 0 };
  const r = orExpr(p);
  if (r === undefined || p.at !== tokens.length) return undefined;
  return r === UNKNOWN ? undefined : truthy(r);
}

type Token = { kind: 'op'; text: string } | { kind: 'value'; value: Value } | { kind: 'unknown' };

function tokenize(text: string): Token[] | undefined {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const op = /^(&&|\|\||==|!=|<=|>=|[!<>()])/.exec(text.slice(i));
    if (op) {
      out.push({ kind: 'op', text: op[1]! });
      i += op[1]!.length;
      continue;
    }
    if (c === "'") {
      // '' inside a string is one quote.
      let j = i + 1;
      let s = '';
      for (;;) {
        if (j >= text.length) return undefined;
        if (text[j] === "'") {
          if (text[j + 1] === "'") {
            s += "'";
            j += 2;
            continue;
          }
          break;
        }
        s += text[j++];
      }
      out.push({ kind: 'value', value: s });
      i = j + 1;
      continue;
    }
    const num = /^-?(0x[0-9a-fA-F]+|\d+(\.\d+)?([eE][-+]?\d+)?)/.exec(text.slice(i));
    if (num && !/[\w.]/.test(text[i + num[0].length] ?? '')) {
      out.push({ kind: 'value', value: Number(num[0]) });
      i += num[0].length;
      continue;
    }
    // A context path (`github.event.pull_request.head.repo.fork`, `matrix['os']`) or a function call: its value is not known.
    const word = /^[A-Za-z_][\w-]*/.exec(text.slice(i));
    if (!word) return undefined;
    i += word[0].length;
    const lower = word[0];
    if (lower === 'true' || lower === 'false' || lower === 'null') {
      out.push({ kind: 'value', value: lower === 'null' ? null : lower === 'true' });
      continue;
    }
    // The rest of the reference: `.name`, `.*`, `[…]`, and a call's `( … )` with balanced parentheses.
    for (;;) {
      const dot = /^\s*\.\s*(\*|[A-Za-z_][\w-]*)/.exec(text.slice(i));
      if (dot) {
        i += dot[0].length;
        continue;
      }
      const open = /^\s*[[(]/.exec(text.slice(i));
      if (!open) break;
      let depth = 0;
      let j = i;
      let quoted = false;
      for (; j < text.length; j++) {
        const ch = text[j]!;
        if (ch === "'") quoted = !quoted;
        if (quoted) continue;
        if (ch === '(' || ch === '[') depth++;
        if (ch === ')' || ch === ']') {
          depth--;
          if (depth === 0) break;
        }
      }
      if (depth !== 0) return undefined;
      i = j + 1;
    }
    out.push({ kind: 'unknown' });
  }
  return out;
}

interface Parser {
  tokens: Token[];
  at: number;
}

function isOp(p: Parser, text: string): boolean {
  const t = p.tokens[p.at];
  return t?.kind === 'op' && t.text === text;
}

function orExpr(p: Parser): Result | undefined {
  let left = andExpr(p);
  while (left !== undefined && isOp(p, '||')) {
    p.at++;
    const right = andExpr(p);
    if (right === undefined) return undefined;
    // `a || b` is a when a is truthy, else b: certainly truthy when either is, falsy only when both are.
    if (left !== UNKNOWN && truthy(left)) continue;
    if (left !== UNKNOWN) left = right;
    else left = right !== UNKNOWN && truthy(right) ? right : UNKNOWN;
  }
  return left;
}

function andExpr(p: Parser): Result | undefined {
  let left = compare(p);
  while (left !== undefined && isOp(p, '&&')) {
    p.at++;
    const right = compare(p);
    if (right === undefined) return undefined;
    // `a && b` is a when a is falsy, else b: certainly falsy when either is.
    if (left !== UNKNOWN && !truthy(left)) continue;
    if (left !== UNKNOWN) left = right;
    else left = right !== UNKNOWN && !truthy(right) ? right : UNKNOWN;
  }
  return left;
}

function compare(p: Parser): Result | undefined {
  const left = unary(p);
  const t = p.tokens[p.at];
  if (left === undefined || t?.kind !== 'op' || !['==', '!=', '<', '<=', '>', '>='].includes(t.text)) return left;
  p.at++;
  const right = unary(p);
  if (right === undefined) return undefined;
  if (left === UNKNOWN || right === UNKNOWN) return UNKNOWN;
  // Only comparisons of two literals of one type are decided; GitHub's coercions between types are not modelled.
  if (typeof left !== typeof right || left === null || right === null) return t.text === '==' || t.text === '!=' ? (left === right ? t.text === '==' : UNKNOWN) : UNKNOWN;
  const a = typeof left === 'string' ? left.toLowerCase() : left;
  const b = typeof right === 'string' ? right.toLowerCase() : right;
  switch (t.text) {
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    default:
      return a >= b;
  }
}

function unary(p: Parser): Result | undefined {
  if (isOp(p, '!')) {
    p.at++;
    const v = unary(p);
    return v === undefined ? undefined : v === UNKNOWN ? UNKNOWN : !truthy(v);
  }
  if (isOp(p, '(')) {
    p.at++;
    const v = orExpr(p);
    if (v === undefined || !isOp(p, ')')) return undefined;
    p.at++;
    return v;
  }
  const t = p.tokens[p.at];
  if (!t || t.kind === 'op') return undefined;
  p.at++;
  return t.kind === 'unknown' ? UNKNOWN : t.value;
}

function truthy(v: Value): boolean {
  return !(v === false || v === 0 || v === '' || v === null || Number.isNaN(v));
}
