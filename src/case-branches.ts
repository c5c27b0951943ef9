// A start script that dispatches on its first argument (`case "${1:-dev}" in dev) … ;; build) … ;; esac`, polar's
// dev/docker/scripts/startup-web.sh) runs one branch per start: the one whose pattern the argument matches first
// (bash(1), "Compound Commands": "the first pattern that matches ... the corresponding list is executed"). Where the
// argument is known (the words of the image's CMD or the compose command after the script), the other branches are
// blanked out of the text read; where it is not, every branch is read, as before.

/** One `case` on the script's first argument: where each branch's text starts and ends, and its patterns. */
interface CaseOnFirstArg {
  /** The value the subject takes with no argument (`${1:-dev}`), or '' (`$1`). */
  fallback: string;
  /** Where `case WORD in` is, and its `esac`: [start, end) offsets. */
  header: [number, number];
  esac: [number, number];
  /**
   * `dynamic`: a pattern holds a variable or a command substitution, whose value is not known here. `body`: from after
   * the pattern's `)` to before its terminator (`;;`), or to the esac for a last branch with none.
   */
  branches: { start: number; end: number; body: [number, number]; patterns: string[]; dynamic: boolean }[];
  /** A branch ends in `;&` or `;;&` (bash): the next branch may run too, so no one branch is chosen. */
  fallsThrough: boolean;
}

/** `$1`, `${1}`, `${1:-word}`, `${1-word}`, quoted or not: the subject of a dispatch on the first argument. */
const FIRST_ARG = /^"?\$(?:1|\{1(?:(:?-)([^}]*))?\})"?$/;

/**
 * The script's text with only the branches its known arguments run of each top-level `case` on `$1`: every other
 * branch's characters (its pattern and body) are spaces, so offsets and line numbers stay those of the file. `args`
 * undefined (not known), a `shift` or `set --` before the case (then `$1` is another word), or a case inside a function
 * (its `$1` is the function's): the text as it is.
 */
export function withArgumentBranches(text: string, args: readonly string[] | undefined): string {
  if (!args) return text;
  const cases = casesOnFirstArg(text);
  if (!cases.length) return text;
  const chars = text.split('');
  for (const c of cases) {
    if (c.fallsThrough) continue;
    const value = args.length ? args[0]! : c.fallback;
    // The first branch that matches runs; a pattern not known before it might have matched first, so nothing is chosen.
    const verdict = (b: CaseOnFirstArg['branches'][number]): boolean | undefined => {
      if (b.dynamic) return undefined;
      const each = b.patterns.map((p) => globMatches(p, value));
      return each.includes(true) ? true : each.includes(undefined) ? undefined : false;
    };
    const verdicts = c.branches.map(verdict);
    const chosen = verdicts.findIndex((v) => v !== false);
    if (chosen >= 0 && verdicts[chosen] === undefined) continue;
    const blank = (from: number, to: number) => {
      for (let k = from; k < to; k++) if (chars[k] !== '\n' && chars[k] !== '\r') chars[k] = ' ';
    };
    c.branches.forEach((b, i) => {
      if (i !== chosen) blank(b.start, b.end);
    });
    // The branch that runs is no longer inside a choice: `case … in`, its pattern, its `;;` and the esac go too, so its
    // commands read as the script's own (certain where nothing else around them is conditional) rather than "may".
    if (chosen >= 0) {
      const b = c.branches[chosen]!;
      blank(c.header[0], c.header[1]);
      blank(b.start, b.body[0]);
      blank(b.body[1], b.end);
      blank(c.esac[0], c.esac[1]);
    }
  }
  return chars.join('');
}

/** The top-level `case $1 in … esac` statements of a script that no shift, `set --` or function definition comes before. */
function casesOnFirstArg(text: string): CaseOnFirstArg[] {
  const out: CaseOnFirstArg[] = [];
  const re = /(^|[\n;&|]|\bthen|\bdo|\belse)[ \t]*case[ \t]+(\S+)[ \t]+in\b/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const subject = FIRST_ARG.exec(m[2]!);
    // After `shift` or `set -- …`, `$1` is another word (an option loop, `while …; do case "$1" in …; esac; shift; done`,
    // takes each argument in turn); inside a function it is the function's argument.
    if (/(^|[\n;&|]|\bthen|\bdo)[ \t]*(shift|set[ \t]+--)\b/.test(stripComments(text)) || FUNCTION_DEF.test(stripComments(text.slice(0, m.index)))) return out;
    const parsed = readCase(text, m.index + m[0].length);
    if (!parsed) return out; // not read to its esac: nothing is chosen from here on
    if (subject) {
      out.push({ fallback: subject[2] ?? '', header: [m.index + m[1]!.length, m.index + m[0].length], esac: [parsed.end - 4, parsed.end], branches: parsed.branches, fallsThrough: parsed.fallsThrough });
    }
    re.lastIndex = parsed.end;
  }
  return out;
}

const FUNCTION_DEF = /(^|\n)[ \t]*(function[ \t]+[\w.-]+|[\w.-]+[ \t]*\([ \t]*\))/;

function stripComments(text: string): string {
  return text.replace(/(^|[ \t])#[^\n]*/g, '$1');
}

/**
 * The branches of a case from just after its `in` to its `esac`: each branch from its pattern to its `;;` (or to the
 * esac for the last), nested case statements, quotes, `$(…)` and comments stepped over.
 */
function readCase(text: string, from: number): { branches: CaseOnFirstArg['branches']; fallsThrough: boolean; end: number } | undefined {
  const branches: CaseOnFirstArg['branches'] = [];
  let fallsThrough = false;
  let i = from;
  const n = text.length;
  const skipBlank = () => {
    for (;;) {
      while (i < n && /[ \t\r\n]/.test(text[i]!)) i++;
      if (text[i] === '#') {
        while (i < n && text[i] !== '\n') i++;
        continue;
      }
      return;
    }
  };
  for (;;) {
    skipBlank();
    if (i >= n) return undefined;
    if (wordAt(text, i, 'esac')) return { branches, fallsThrough, end: i + 4 };
    // The pattern list: `(a|"b c")`, up to its unquoted `)`.
    const start = i;
    if (text[i] === '(') i++;
    const patterns: string[] = [];
    let pattern = '';
    for (; i < n && text[i] !== ')'; i++) {
      const c = text[i]!;
      if (c === '"' || c === "'") {
        const close = text.indexOf(c, i + 1);
        if (close < 0) return undefined;
        pattern += escapeGlob(text.slice(i + 1, close));
        i = close;
      } else if (c === '\\') pattern += text[++i] === undefined ? '' : escapeGlob(text[i]!);
      else if (c === '|') {
        patterns.push(pattern.trim());
        pattern = '';
      } else if (c === '\n') return undefined;
      else pattern += c;
    }
    if (i >= n) return undefined;
    patterns.push(pattern.trim());
    const patternEnd = i;
    i++; // the `)`
    // The body, up to `;;`, `;&`, `;;&` or the esac.
    const bodyStart = i;
    const body = skipBody(text, i);
    if (!body) return undefined;
    i = body.end;
    if (body.terminator === ';&' || body.terminator === ';;&') fallsThrough = true;
    branches.push({ start, end: i, body: [bodyStart, i - (body.terminator?.length ?? 0)], patterns, dynamic: /[$`]/.test(text.slice(start, patternEnd)) });
    if (!body.terminator) return { branches, fallsThrough, end: i + 4 }; // the esac ends the last branch
  }
}

/**
 * Where shell text goes on when a comment, a quoted string, a backslash escape or a `$( … )` starts at `i`: the index
 * after it, and whether it was part of a word; null when a quote does not close; undefined when none starts there.
 */
function skipQuoted(text: string, i: number): { next: number; word: boolean } | null | undefined {
  const n = text.length;
  const c = text[i]!;
  if (c === '#' && /[ \t\n;]/.test(text[i - 1] ?? '\n')) {
    const eol = text.indexOf('\n', i);
    return { next: eol < 0 ? n : eol, word: false };
  }
  if (c === "'") {
    const close = text.indexOf("'", i + 1);
    return close < 0 ? null : { next: close + 1, word: true };
  }
  if (c === '"' || c === '`') {
    let j = i + 1;
    while (j < n && text[j] !== c) j += text[j] === '\\' ? 2 : 1;
    return j >= n ? null : { next: j + 1, word: true };
  }
  if (c === '\\') return { next: i + 2, word: false };
  if (c === '$' && text[i + 1] === '(') {
    // A command substitution is part of its word, stepped over to its closing bracket (or the end).
    let depth = 0;
    let j = i + 1;
    for (; j < n; j++) {
      if (text[j] === '(') depth++;
      else if (text[j] === ')' && --depth === 0) break;
    }
    return { next: j + 1, word: true };
  }
  return undefined;
}

/** A branch's body from `i`: where it ends (after its terminator, or at the esac) and the terminator. */
function skipBody(text: string, i: number): { end: number; terminator?: string } | undefined {
  const n = text.length;
  let commandStart = true;
  while (i < n) {
    const c = text[i]!;
    const skipped = skipQuoted(text, i);
    if (skipped === null) return undefined;
    if (skipped) {
      i = skipped.next;
      if (skipped.word) commandStart = false;
      continue;
    }
    if (c === ';' && text[i + 1] === ';') return { end: text[i + 2] === '&' ? i + 3 : i + 2, terminator: text[i + 2] === '&' ? ';;&' : ';;' };
    if (c === ';' && text[i + 1] === '&') return { end: i + 2, terminator: ';&' };
    if (commandStart && wordAt(text, i, 'esac')) return { end: i };
    if (commandStart && wordAt(text, i, 'case')) {
      // A nested case: stepped over whole, its `;;` are its own.
      const m = /^case[ \t]+\S+[ \t]+in\b/.exec(text.slice(i));
      const inner = m ? readCase(text, i + m[0].length) : undefined;
      if (!inner) return undefined;
      i = inner.end;
      commandStart = false;
      continue;
    }
    if (/[;&|\n(]/.test(c)) commandStart = true;
    else if (!/[ \t\r]/.test(c)) {
      // A word: step over it, unless a reserved word after which a command starts (`then`, `do`).
      const m = /^[^\s;&|()'"`\\$#]+/.exec(text.slice(i, i + 200));
      if (m) {
        commandStart = /^(then|do|else|elif|if|while|until|!|\{)$/.test(m[0]);
        i += m[0].length;
        continue;
      }
      commandStart = false;
    }
    i++;
  }
  return undefined;
}

function wordAt(text: string, i: number, word: string): boolean {
  return text.startsWith(word, i) && (i === 0 || /[\s;&|(]/.test(text[i - 1]!)) && !/[\w.-]/.test(text[i + word.length] ?? '');
}

/** A quoted part of a pattern matches itself: its glob characters are escaped. */
function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, '\\$&');
}

/** Shell pattern matching (`*`, `?`, `[…]`, backslash escapes) of a whole value. */
export function globMatches(pattern: string, value: string): boolean | undefined {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') re += (pattern[++i] ?? '\\').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else if (c === '*') re += '[\\s\\S]*';
    else if (c === '?') re += '[\\s\\S]';
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close < 0) re += '\\[';
      else {
        const inner = pattern.slice(i + 1, close).replace(/^!/, '^').replace(/\\/g, '\\\\');
        re += `[${inner}]`;
        i = close;
      }
    } else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  try {
    return new RegExp(`^${re}$`).test(value);
  } catch {
    return undefined; // a bracket expression not understood here: whether it matches is not known
  }
}

// A start script shared by several images often branches on an environment variable each image or service sets
// (docker-openwisp's init_command.sh: `if [ "$MODULE_NAME" = 'dashboard' ]; then … elif [ "$MODULE_NAME" = 'postfix' ];
// then … fi`, each Dockerfile `ENV MODULE_NAME=…`, celery services `environment: - MODULE_NAME=celery`). Where the value
// the container sees is known, only the branch it selects is read: an `if`/`elif`/`else` chain whose every test up to
// the chosen one compares the variable with a literal, or a `case "$VAR" in`. Where it is not known (`env`
// answers undefined), every branch is read, as before.

/** The value a variable has in the container, or undefined where it is not known (unset in the chain, or set elsewhere). */
export type KnownEnv = (name: string) => string | undefined;

/**
 * The script's text with only the branches known variable values run: every other branch's characters are spaces (line
 * numbers and offsets kept), and the chosen branch's `if … then`/`elif … then`/`else`/`fi` (or `case … in`, pattern,
 * `;;`, esac) too, so its commands read as unconditional where nothing else around them is. A variable the script
 * itself assigns, reads or loops over is not known here.
 */
export function withVariableBranches(text: string, env: KnownEnv): string {
  if (!/\$\{?[A-Za-z_]/.test(text)) return text;
  const bare = stripComments(text);
  const known = (name: string): string | undefined => {
    if (assignedInScript(bare, name)) return undefined;
    return env(name);
  };
  const chars = text.split('');
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (chars[k] !== '\n' && chars[k] !== '\r') chars[k] = ' ';
  };
  const starts = /(^|[\n;&|(]|\bthen|\bdo|\belse)[ \t]*(if|case)[ \t]/g;
  for (let m = starts.exec(text); m; m = starts.exec(text)) {
    const at = m.index + m[1]!.length + (m[0].length - m[1]!.length - m[2]!.length - 1);
    if (chars[at] === ' ') continue; // inside a branch already blanked
    if (m[2] === 'case') {
      const head = /^case[ \t]+(\S+)[ \t]+in\b/.exec(text.slice(at));
      const v = head ? variableOf(head[1]!) : undefined;
      if (!head || !v) continue;
      const value = known(v.name);
      const parsed = readCase(text, at + head[0].length);
      if (value === undefined || !parsed || parsed.fallsThrough) continue;
      const verdicts = parsed.branches.map((b) => {
        if (b.dynamic) return undefined;
        const each = b.patterns.map((p) => globMatches(p, value));
        return each.includes(true) ? true : each.includes(undefined) ? undefined : false;
      });
      const chosen = verdicts.findIndex((x) => x !== false);
      if (chosen >= 0 && verdicts[chosen] === undefined) continue;
      parsed.branches.forEach((b, i) => {
        if (i !== chosen) blank(b.start, b.end);
      });
      blank(at, at + head[0].length);
      if (chosen >= 0) {
        const b = parsed.branches[chosen]!;
        blank(b.start, b.body[0]);
        blank(b.body[1], b.end);
      }
      blank(parsed.end - 4, parsed.end);
      continue;
    }
    // Most ifs test something else: only a chain whose first test compares a known variable is read to its fi.
    const first = /^if[ \t]+([^\n;]*?)[ \t]*(?:;[ \t]*|\r?\n[ \t]*)then\b/.exec(text.slice(at, at + 400));
    if (!first || comparisonVerdict(first[1]!, known) === undefined) continue;
    const chain = readIfChain(text, at);
    if (!chain) continue;
    // The first test that holds chooses its branch; a test not known before it might have held first: nothing is chosen.
    let chosen = -1;
    let unknown = false;
    for (let i = 0; i < chain.branches.length; i++) {
      const b = chain.branches[i]!;
      if (b.test === undefined) {
        chosen = i; // else
        break;
      }
      const verdict = comparisonVerdict(b.test, known);
      if (verdict === undefined) {
        unknown = true;
        break;
      }
      if (verdict) {
        chosen = i;
        break;
      }
    }
    if (unknown) continue;
    chain.branches.forEach((b, i) => {
      if (i !== chosen) blank(b.start, b.end);
    });
    if (chosen >= 0) blank(chain.branches[chosen]!.start, chain.branches[chosen]!.bodyStart);
    blank(chain.fi, chain.fi + 2);
  }
  const out = chars.join('');
  return out === text ? text : out;
}

/** `$X`, `${X}`, `"$X"`, `"${X}"`: the variable a word is, and whether it is quoted. */
function variableOf(word: string): { name: string; quoted: boolean } | undefined {
  const m = /^("?)\$(?:([A-Za-z_][A-Za-z0-9_]*)|\{([A-Za-z_][A-Za-z0-9_]*)\})\1$/.exec(word);
  return m ? { name: (m[2] ?? m[3])!, quoted: m[1] === '"' } : undefined;
}

/** A word without expansions: its value with quotes removed, and whether any of it was quoted. */
function literalOf(word: string): { value: string; quoted: boolean } | undefined {
  if (/[$`\\]/.test(word)) return undefined;
  if (/^"[^"]*"$|^'[^']*'$/.test(word)) return { value: word.slice(1, -1), quoted: true };
  if (/["']/.test(word)) return undefined;
  return { value: word, quoted: false };
}

const TEST_WORD = String.raw`("[^"\n]*"|'[^'\n]*'|[^\s;&|'"()<>]+)`;
const COMPARISON = new RegExp(String.raw`^(?:\[[ \t]+${TEST_WORD}[ \t]+(=|==|!=)[ \t]+${TEST_WORD}[ \t]+\]|test[ \t]+${TEST_WORD}[ \t]+(=|==|!=)[ \t]+${TEST_WORD}|\[\[[ \t]+${TEST_WORD}[ \t]+(=|==|!=)[ \t]+${TEST_WORD}[ \t]+\]\])$`);

/**
 * Whether a test (`[ "$X" = lit ]`, `[ "$X" != lit ]`, `test $X == lit`, `[[ $X == lit ]]`, either side) holds for the
 * known value: undefined for any other test, a value not known, or an unquoted variable the shell would split or glob.
 * `[[ … == word ]]` matches an unquoted right-hand word as a pattern (bash(1), "[[ expression ]]").
 */
function comparisonVerdict(test: string, known: KnownEnv): boolean | undefined {
  const m = COMPARISON.exec(test.trim());
  if (!m) return undefined;
  const double = m[7] !== undefined;
  const [left, op, right] = m[1] !== undefined ? [m[1], m[2]!, m[3]!] : m[4] !== undefined ? [m[4], m[5]!, m[6]!] : [m[7]!, m[8]!, m[9]!];
  let variable = variableOf(left);
  let literal = literalOf(right);
  let variableOnLeft = true;
  if (!variable || !literal) {
    variable = variableOf(right);
    literal = literalOf(left);
    variableOnLeft = false;
  }
  if (!variable || !literal) return undefined;
  const value = known(variable.name);
  if (value === undefined) return undefined;
  // Unquoted outside [[ ]], the value is split and globbed: only a plain non-empty word reads as itself.
  if (!double && !variable.quoted && !/^[A-Za-z0-9_.,:@%+\/-]+$/.test(value)) return undefined;
  let equal: boolean | undefined;
  if (double && variableOnLeft && !literal.quoted) equal = globMatches(literal.value, value);
  else if (double && !variableOnLeft && !variable.quoted) return undefined; // the value is the pattern
  else equal = literal.value === value;
  if (equal === undefined) return undefined;
  return op === '!=' ? !equal : equal;
}

/** The script assigns, reads, exports with a value, loops over or unsets the variable: its value at a test is not the environment's. */
function assignedInScript(bare: string, name: string): boolean {
  const n = name.replace(/[^A-Za-z0-9_]/g, '');
  return new RegExp(String.raw`(^|[\s;&|(])(?:(?:export|local|readonly|declare|typeset)[ \t]+(?:-\w+[ \t]+)*)?${n}\+?=|\b(?:read|getopts|unset|mapfile|readarray|printf[ \t]+-v)\b[^\n;]*[ \t]${n}\b|\bfor[ \t]+${n}\b|\$\{${n}:?=`).test(bare);
}

interface IfChain {
  /** Each branch from its keyword (`if`, `elif`, `else`) to the next or to the `fi`; `test` undefined for an else. */
  branches: { start: number; end: number; bodyStart: number; test?: string }[];
  /** Where the `fi` is. */
  fi: number;
}

/** An `if` chain from its `if` at `at`, read to its `fi`: nested ifs, cases, quotes, `$(…)` and comments stepped over. */
function readIfChain(text: string, at: number): IfChain | undefined {
  const branches: IfChain['branches'] = [];
  const n = text.length;
  const header = (from: number): { test: string; bodyStart: number } | undefined => {
    const m = /^(?:if|elif)[ \t]+([^\n;]*?)[ \t]*(?:;[ \t]*|\r?\n[ \t]*)then\b/.exec(text.slice(from, from + 400));
    return m ? { test: m[1]!, bodyStart: from + m[0].length } : undefined;
  };
  const first = header(at);
  if (!first) return undefined;
  branches.push({ start: at, end: n, bodyStart: first.bodyStart, test: first.test });
  let i = first.bodyStart;
  let depth = 0;
  let commandStart = true;
  while (i < n) {
    const c = text[i]!;
    const skipped = skipQuoted(text, i);
    if (skipped === null) return undefined;
    if (skipped) {
      i = skipped.next;
      if (skipped.word) commandStart = false;
      continue;
    }
    if (c === '<' && text[i + 1] === '<') return undefined; // a heredoc's lines are not commands: not read here
    if (/[;&|\n(]/.test(c)) {
      commandStart = true;
      i++;
      continue;
    }
    if (/[ \t\r)]/.test(c)) {
      i++;
      continue;
    }
    const w = /^[^\s;&|()'"`\\$#<>]+/.exec(text.slice(i, i + 200));
    if (!w) {
      commandStart = false;
      i++;
      continue;
    }
    const word = w[0];
    if (commandStart && word === 'case') {
      const m = /^case[ \t]+\S+[ \t]+in\b/.exec(text.slice(i));
      const inner = m ? readCase(text, i + m[0].length) : undefined;
      if (!inner) return undefined;
      i = inner.end;
      commandStart = false;
      continue;
    }
    if (commandStart && word === 'if') depth++;
    else if (commandStart && word === 'fi') {
      if (depth === 0) {
        branches[branches.length - 1]!.end = i;
        return { branches, fi: i };
      }
      depth--;
    } else if (commandStart && depth === 0 && word === 'elif') {
      const h = header(i);
      if (!h) return undefined;
      branches[branches.length - 1]!.end = i;
      branches.push({ start: i, end: n, bodyStart: h.bodyStart, test: h.test });
      i = h.bodyStart;
      commandStart = true;
      continue;
    } else if (commandStart && depth === 0 && word === 'else') {
      branches[branches.length - 1]!.end = i;
      branches.push({ start: i, end: n, bodyStart: i + 4 });
      i += 4;
      commandStart = true;
      continue;
    }
    commandStart = /^(then|do|else|elif|if|while|until|!|\{)$/.test(word);
    i += word.length;
  }
  return undefined;
}
