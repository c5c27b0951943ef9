// Reading shell text for evidence of use: the simple commands of a script (or
// a Makefile recipe, a CI `run:` block, a README code block) as words with
// their offsets, so each command keeps the line it came from. Quotes are
// removed; variables, `$(…)` and backquotes stay as written (a word that holds
// one is `dynamic`). An approximation for reading what a repository runs,
// never for running it: heredoc bodies and comments are skipped, line
// continuations joined, `$(…)` bodies read as commands of their own.

export interface ShellWord {
  /** The word with quotes and escapes removed; `$VAR`, `${…}`, `$(…)` kept as written. */
  text: string;
  /** Offset of the word's first character in the text read. */
  start: number;
  /** Holds an expansion (`$VAR`, `${…}`, `$(…)`, backquotes) whose value the text does not say. */
  dynamic: boolean;
  /** A bash array assignment (`files=(-f a.yml -f b.yml)`, `files+=(-f c.yml)`): `text` is `NAME=` or `NAME+=` and the elements, blank-separated. */
  array?: boolean;
}

export interface ShellCommand {
  /** Leading `NAME=value` words (the command's environment, or plain assignments when `words` is empty). */
  assignments: ShellWord[];
  words: ShellWord[];
  /** Offset of the first word (assignment or command). */
  start: number;
  /** File redirections (`< in.tmpl`, `> out.yml`, `>> log`), in order; descriptor duplications (`2>&1`) are not listed. */
  redirects?: ShellRedirect[];
  /** Its standard input is the previous command's output (`cat a.tmpl | envsubst`). */
  piped?: boolean;
  /**
   * The subshell it runs in, when not the script's own shell: `( cd web && docker build . )` and a `$(…)` body
   * run in a child shell, so a `cd` there is undone when it ends. Ids of the nested subshells joined by `.`
   * (`1`, `1.2`): a command is inside subshell `g` when its group is `g` or starts with `g.`.
   */
  group?: string;
}

export interface ShellRedirect {
  /** `<`, `>`, `>>`, `>|`, `&>`… as written. */
  op: string;
  target: ShellWord;
}

const OPERATOR_CHARS = new Set([';', '&', '|', '(', ')', '\n']);
/** Reserved words that start a compound command; the command proper follows them. */
const LEADING_KEYWORDS = new Set(['if', 'then', 'else', 'elif', 'do', 'while', 'until', '!', '{', 'time']);
const ENDING_KEYWORDS = new Set(['fi', 'done', 'esac', '}']);

/**
 * The simple commands of a shell text, in order. `offset` is added to every
 * position (for texts cut out of a larger file).
 */
export function shellCommands(text: string, offset = 0): ShellCommand[] {
  const out: ShellCommand[] = [];
  readCommands(text, offset, out, 0, { next: 0 }, []);
  // In the order they are written: a `$(…)` body is read before the command holding it ends, but
  // starts after that command's first word (`docker run -v "$(pwd)":/app img` is one docker run, then a pwd).
  return out.sort((a, b) => a.start - b.start);
}

function readCommands(text: string, offset: number, out: ShellCommand[], depth: number, ids: { next: number }, outer: number[]): void {
  let words: ShellWord[] = [];
  // The subshells open around the command being read (`(` … `)`), innermost last.
  const groups = [...outer];
  const heredocs: { delimiter: string; strip: boolean }[] = [];
  let redirectOp: string | undefined; // the word after a redirection operator is its target
  let redirects: ShellRedirect[] = [];
  let piped = false;
  const flush = () => {
    if (words.length) out.push(toCommand(words, redirects, piped, groups));
    words = [];
    redirects = [];
    piped = false;
  };
  const push = (w: ShellWord) => {
    if (redirectOp !== undefined) {
      redirects.push({ op: redirectOp, target: w });
      redirectOp = undefined;
      return;
    }
    if (words.length === 0 && ENDING_KEYWORDS.has(w.text) && !w.dynamic) return;
    if (words.length === 0 && LEADING_KEYWORDS.has(w.text) && !w.dynamic) return;
    words.push(w);
  };
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '\\' && (text[i + 1] === '\n' || (text[i + 1] === '\r' && text[i + 2] === '\n'))) {
      i += text[i + 1] === '\n' ? 2 : 3;
      continue;
    }
    if (c === '#') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? n : nl;
      continue;
    }
    if (c === '\n') {
      flush();
      i++;
      // Heredoc bodies follow the line that opened them: skip to each delimiter line.
      while (heredocs.length) {
        const h = heredocs.shift()!;
        while (i < n) {
          const nl = text.indexOf('\n', i);
          const end = nl < 0 ? n : nl;
          let line = text.slice(i, end).replace(/\r$/, '');
          if (h.strip) line = line.replace(/^\t+/, '');
          i = nl < 0 ? n : nl + 1;
          if (line === h.delimiter) break;
        }
      }
      continue;
    }
    if (OPERATOR_CHARS.has(c)) {
      flush();
      // A subshell opens and closes; a `)` with none open is a `case` pattern's.
      if (c === '(') groups.push(++ids.next);
      else if (c === ')' && groups.length > outer.length) groups.pop();
      // A single `|` (not `||`) feeds the next command.
      if (c === '|' && text[i + 1] !== '|' && text[i - 1] !== '|') piped = true;
      i++;
      continue;
    }
    if (c === '<' || c === '>') {
      // Redirections: `<<EOF` opens a heredoc; `>file`, `2>&1`, `<in` name a file, not an argument.
      if (c === '<' && text[i + 1] === '<' && text[i + 2] !== '<') {
        let j = i + 2;
        const strip = text[j] === '-';
        if (strip) j++;
        while (text[j] === ' ' || text[j] === '\t') j++;
        const w = readWord(text, j, offset);
        if (w.word) heredocs.push({ delimiter: w.word.text, strip });
        i = w.next;
        continue;
      }
      let j = i + 1;
      while (text[j] === '>' || text[j] === '<' || text[j] === '&' || text[j] === '|') j++;
      // `2>&1`, `>&2`: the target is a descriptor glued to the operator.
      if (/\d/.test(text[j] ?? '') && text[j - 1] === '&') {
        while (/\d/.test(text[j] ?? '')) j++;
      } else {
        redirectOp = text.slice(i, j);
      }
      i = j;
      continue;
    }
    const w = readWord(text, i, offset);
    i = w.next;
    if (!w.word) continue;
    // `2>file`: a descriptor number directly before a redirection is not a word.
    if (/^\d+$/.test(w.word.text) && (text[i] === '>' || text[i] === '<')) continue;
    if (text[i] === '(' && /^[A-Za-z_][A-Za-z0-9_]*\+?=$/.test(w.word.text)) {
      // `files=(-f a.yml -f b.yml)`: the elements are words of the assignment, not a subshell.
      const arr = readArray(text, i + 1, offset);
      push({ ...w.word, text: w.word.text + arr.elements.map((e) => e.text).join(' '), dynamic: arr.elements.some((e) => e.dynamic), array: true });
      i = arr.next;
      continue;
    }
    push(w.word);
    // A command substitution's body runs in a subshell of its own.
    if (depth < 3) for (const [s, e] of w.substitutions) readCommands(text.slice(s, e), offset + s, out, depth + 1, ids, [...groups, ++ids.next]);
  }
  flush();
}

/** The elements of an array assignment from just after its `(` (newlines, continuations and comments between them), and the offset after its `)`. */
function readArray(text: string, i: number, offset: number): { elements: ShellWord[]; next: number } {
  const elements: ShellWord[] = [];
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === ')') return { elements, next: i + 1 };
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      i++;
      continue;
    }
    if (c === '\\' && (text[i + 1] === '\n' || text[i + 1] === '\r')) {
      i += text[i + 1] === '\r' && text[i + 2] === '\n' ? 3 : 2;
      continue;
    }
    if (c === '#') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? n : nl;
      continue;
    }
    const w = readWord(text, i, offset);
    if (w.word) elements.push(w.word);
    i = w.next;
  }
  return { elements, next: n };
}

function toCommand(words: ShellWord[], redirects: ShellRedirect[], piped: boolean, groups: number[]): ShellCommand {
  const assignments: ShellWord[] = [];
  let k = 0;
  while (k < words.length && (/^[A-Za-z_][A-Za-z0-9_]*=/.test(words[k]!.text) || words[k]!.array)) assignments.push(words[k++]!);
  return {
    assignments,
    words: words.slice(k),
    start: words[0]!.start,
    ...(redirects.length ? { redirects } : {}),
    ...(piped ? { piped } : {}),
    ...(groups.length ? { group: groups.join('.') } : {}),
  };
}

/**
 * One word from `i`: quotes removed, expansions kept as written. Returns the
 * ranges of `$(…)` and backquote bodies so their commands are read too.
 */
function readWord(text: string, i: number, offset: number): { word?: ShellWord; next: number; substitutions: [number, number][] } {
  const start = i;
  let out = '';
  let dynamic = false;
  const substitutions: [number, number][] = [];
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n' || OPERATOR_CHARS.has(c) || c === '<' || c === '>') break;
    if (c === '\\') {
      if (text[i + 1] === '\n') {
        i += 2;
        continue;
      }
      if (text[i + 1] === '\r' && text[i + 2] === '\n') {
        i += 3;
        continue;
      }
      if (i + 1 < n) out += text[i + 1];
      i += 2;
      continue;
    }
    if (c === "'") {
      const close = text.indexOf("'", i + 1);
      const end = close < 0 ? n : close;
      out += text.slice(i + 1, end);
      i = end + 1;
      continue;
    }
    if (c === '"') {
      i++;
      while (i < n && text[i] !== '"') {
        const d = text[i]!;
        if (d === '\\' && i + 1 < n && '"\\$`\n'.includes(text[i + 1]!)) {
          if (text[i + 1] !== '\n') out += text[i + 1];
          i += 2;
          continue;
        }
        if (d === '$' || d === '`') {
          const e = readExpansion(text, i, substitutions);
          out += text.slice(i, e);
          dynamic = true;
          i = e;
          continue;
        }
        out += d;
        i++;
      }
      i++;
      continue;
    }
    if (c === '$' || c === '`') {
      const e = readExpansion(text, i, substitutions);
      if (e === i + 1 && c === '$') {
        out += '$'; // a lone `$`
        i++;
        continue;
      }
      out += text.slice(i, e);
      dynamic = true;
      i = e;
      continue;
    }
    out += c;
    i++;
  }
  if (i === start) return { next: i + 1, substitutions };
  return { word: { text: out, start: start + offset, dynamic }, next: i, substitutions };
}

/** End of the expansion at `i` (`$VAR`, `${…}`, `$(…)`, `$((…))`, backquotes); records command substitutions. */
function readExpansion(text: string, i: number, substitutions: [number, number][]): number {
  const n = text.length;
  if (text[i] === '`') {
    let j = i + 1;
    while (j < n && text[j] !== '`') j += text[j] === '\\' ? 2 : 1;
    substitutions.push([i + 1, Math.min(j, n)]);
    return Math.min(j + 1, n);
  }
  const next = text[i + 1];
  if (next === '{') return closeOf(text, i + 1, '{', '}');
  if (next === '(') {
    const end = closeOf(text, i + 1, '(', ')');
    if (text[i + 2] !== '(') substitutions.push([i + 2, end - 1]);
    return end;
  }
  let j = i + 1;
  if (j < n && /[@*#?$!0-9-]/.test(text[j]!)) return j + 1;
  while (j < n && /[A-Za-z0-9_]/.test(text[j]!)) j++;
  return j;
}

/** Offset just after the bracket that closes the one at `i` (quotes inside respected). */
function closeOf(text: string, i: number, open: string, close: string): number {
  let depth = 0;
  for (let j = i; j < text.length; j++) {
    const c = text[j];
    if (c === '\\') {
      j++;
      continue;
    }
    if (c === "'" && open === '(') {
      const q = text.indexOf("'", j + 1);
      if (q < 0) return text.length;
      j = q;
      continue;
    }
    if (c === open) depth++;
    else if (c === close && --depth === 0) return j + 1;
  }
  return text.length;
}

/**
 * Expand variables a file defines with literal values: `$NAME`, `${NAME}`,
 * `${NAME:-default}` (the default when NAME is unknown), every element of an
 * array (`${NAME[@]}`, `${NAME[*]}`: the reader keeps an array as its elements
 * joined by blanks), and Make's `$(NAME)` when `make` is set. Unknown expansions
 * stay as written.
 */
export function expandVariables(word: string, vars: ReadonlyMap<string, string>, make = false): string {
  let out = word;
  for (let round = 0; round < 4 && out.includes('$'); round++) {
    const next = out
      .replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\[[@*]\]\}/g, (m, name: string) => vars.get(name) ?? m)
      // bash's case modification (bash(1), "Case modification"): `${GITHUB_REPOSITORY,,}` lower-cases every character
      // (ProxiTok's workflow names its image so: a registry name must be lower case), `^^` upper-cases, `,`/`^` the first only.
      .replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(,,|\^\^|,|\^)\}/g, (m, name: string, op: string) => {
        const v = vars.get(name);
        if (v === undefined) return m;
        if (op === ',,') return v.toLowerCase();
        if (op === '^^') return v.toUpperCase();
        return (op === ',' ? v.charAt(0).toLowerCase() : v.charAt(0).toUpperCase()) + v.slice(1);
      })
      .replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-=])([^}]*))?\}/g, (m, name: string, op?: string, def?: string) => {
        const v = vars.get(name);
        if (v !== undefined && !(op?.startsWith(':') && v === '')) return v;
        return op && def !== undefined && !def.includes('$') ? withoutQuotes(def) : m;
      })
      .replace(/\$([A-Za-z_][A-Za-z0-9_]*)/g, (m, name: string) => vars.get(name) ?? m)
      .replace(make ? /\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g : /(?!)/g, (m, name: string) => vars.get(name) ?? m);
    if (next === out) break;
    out = next;
  }
  return out;
}

/**
 * The word of a `${NAME:-word}` default after the shell's quote removal (POSIX 2.6.2: the word is expanded as any
 * word is): `${OWNER:-"searxng"}` is `searxng`, `${T:-'a b'}` is `a b`, `\x` is `x` (inside double quotes only before
 * `$`, `` ` ``, `"`, `\`). Compose keeps such quotes (compose-go template.go substitutes the default as written), so
 * this is for shell, Make recipes and the like only.
 */
function withoutQuotes(word: string): string {
  if (!/["'\\]/.test(word)) return word;
  let out = '';
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < word.length; i++) {
    const c = word[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else out += c;
    } else if (c === '\\' && i + 1 < word.length && (quote === undefined || '$`"\\'.includes(word[i + 1]!))) {
      out += word[++i];
    } else if (c === '"' || (c === "'" && quote === undefined)) {
      quote = quote === '"' ? undefined : c === '"' ? '"' : "'";
    } else out += c;
  }
  return out;
}

/** Whether a word still holds an expansion nothing resolved (`$X`, `${X}`, `$(…)`, `{{ x }}`, `%VAR%`). */
export function isDynamic(word: string): boolean {
  return /\$[{(A-Za-z_]|`|\{\{|\$\{\{/.test(word);
}
