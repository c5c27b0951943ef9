// Dockerfile parsing: dockerfile-ast underneath, exposed as plain records
// with offsets into the original text (BOM included), so transforms never
// touch LSP positions. Known traps of dockerfile-ast 0.7.1 are handled here
// once: heredoc lookups that throw, image references it splits wrongly
// (callers use parse/image-ref.ts), arguments that include heredoc bodies,
// arguments it rescans on every call, and argument strings built a character
// at a time.
import { DockerfileParser, Instruction } from 'dockerfile-ast';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { BOM, detectEol, sharedString, type Eol } from '../text.js';

export interface DfFlag {
  name: string;
  value: string | null;
}

export interface DfProperty {
  name: string;
  value: string | null;
  /** Offsets of the value as written (quotes included); undefined when there is none. */
  valueRange?: [number, number];
}

export interface DfInstruction {
  index: number;
  /** Upper-case keyword (`RUN`, `FROM`, ...). */
  keyword: string;
  /** Offset of the keyword. */
  start: number;
  /** Offset just after the instruction's last character (heredoc bodies included). */
  end: number;
  /** 0-based line of the keyword and of the instruction's last line. */
  line: number;
  endLine: number;
  /** The instruction exactly as written. */
  raw: string;
  /** Whitespace-split arguments without flags; for RUN prefer `raw` (heredocs are folded in here). */
  args: string[];
  flags: DfFlag[];
  /** Exec-form strings (`CMD ["a", "b"]`), unescaped; undefined for shell form. */
  json?: string[];
  /** ENV / ARG / LABEL properties. */
  properties: DfProperty[];
  /** Ranges of heredoc bodies (never to be edited). */
  heredocs: [number, number][];
  /** Stage index; -1 for instructions before the first FROM. */
  stage: number;
  /** For ONBUILD: the keyword of its trigger. */
  onbuildTrigger?: string;
}

export interface DfStage {
  index: number;
  from: DfInstruction;
  /** The image argument of FROM as written (may hold `${VAR}`). */
  image: string;
  /** `AS name`, lower-cased as BuildKit compares it. */
  name?: string;
  platform?: string;
  /** Instructions after FROM, up to the next FROM. */
  instructions: DfInstruction[];
}

export interface DfComment {
  line: number;
  start: number;
  end: number;
  /** Text after `#`, trimmed. */
  text: string;
}

export interface ParsedDockerfile {
  text: string;
  eol: Eol;
  bom: boolean;
  escape: string;
  instructions: DfInstruction[];
  stages: DfStage[];
  /** ARGs declared before the first FROM, with their defaults (what FROM may use). */
  globalArgs: Map<string, string | undefined>;
  comments: DfComment[];
}

/**
 * dockerfile-ast rescans an instruction's text, character by character, each
 * time anything asks for its arguments: its own constructor does three times
 * for RUN/CMD/COPY, and flags, heredocs and our records ask again (about four
 * scans per instruction in all). An instruction's text never changes once
 * parsed, so the first scan is kept per instruction; callers get a copy of the
 * list because ModifiableInstruction shifts its flags off it.
 */
/** A word with its shell quotes removed (`"/app"`, `'/srv/my app'`, `/srv/"x"`). Backslashes are left as written (the escape character may be a backtick, and Windows paths use them). */
function unquoteWord(word: string): string {
  if (!/["']/.test(word)) return word;
  let out = '';
  let quote: string | undefined;
  for (let i = 0; i < word.length; i++) {
    const c = word[i]!;
    if (quote ? c === quote : c === '"' || c === "'") {
      quote = quote ? undefined : c;
    } else {
      out += c;
    }
  }
  return out;
}

/** Instructions whose words the builder reads as shell words (quotes group and are removed): COPY, ADD, VOLUME, USER, WORKDIR. */
const SHELL_WORD_KEYWORDS = new Set(['ADD', 'COPY', 'USER', 'VOLUME', 'WORKDIR']);

/** Whether a word leaves a quote open (`"my` of `"my file"`, which dockerfile-ast splits at the space). */
function opensQuote(word: string): boolean {
  let quote: string | undefined;
  for (const c of word) if (quote ? c === quote : c === '"' || c === "'") quote = quote ? undefined : c;
  return quote !== undefined;
}

/**
 * The words of a COPY/ADD/VOLUME/USER/WORKDIR in shell form as the builder reads them: dockerfile-ast
 * splits at every space and keeps quotes (`VOLUME "/data"` is `"/data"`, `COPY "my file" /app/` is three
 * words); the builder's shell-word processing groups a quoted word and drops its quotes
 * (https://docs.docker.com/reference/dockerfile/#environment-replacement: these instructions take
 * shell words). The pieces of one quoted word are joined with the text between them. A word with a
 * `$` inside single quotes keeps its quotes: the builder does not expand it there, and the COPY reader
 * (model.ts builderWord) tells it by them.
 */
function shellWords(pieces: { value: string; start: number; end: number }[], text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < pieces.length; i++) {
    let word = pieces[i]!.value;
    while (opensQuote(word) && i + 1 < pieces.length) {
      const gap = text.slice(pieces[i]!.end, pieces[i + 1]!.start);
      word += (/^[ \t]+$/.test(gap) ? gap : ' ') + pieces[i + 1]!.value;
      i++;
    }
    out.push(/'[^']*\$[^']*'/.test(word) ? word : unquoteWord(word));
  }
  return out;
}

/** COPY/ADD flags whose value the builder reads as one word (`--chown="app:app"` is app:app). */
const UNQUOTED_FLAGS = new Set(['chown', 'chmod', 'from']);

const SCANNED = Symbol('scanned arguments');
type Scanned = { [SCANNED]?: unknown[] };
const instructionProto = Instruction.prototype as unknown as { getRawArguments(this: Scanned): unknown[] };
const scanArguments = instructionProto.getRawArguments;
// Kept on the instruction itself (a WeakMap lookup per call cost more than the copy: ~10 calls per instruction).
instructionProto.getRawArguments = function (this: Scanned): unknown[] {
  const args = (this[SCANNED] ??= scanArguments.call(this));
  return args.slice();
};

/**
 * dockerfile-ast builds argument values a character at a time; V8 keeps such a
 * string as a chain of one-character pieces (~30 bytes each) until something
 * reads it flat. Reading one character flattens it in place, so a model that
 * keeps every instruction's arguments holds text, not chains.
 */
function flat<T extends string | null>(s: T): T {
  if (s) s.charCodeAt(0);
  return s;
}

/**
 * The list an instruction without flags, properties or heredocs holds (most
 * have none): one frozen list for all instead of an empty one each (a model
 * keeps every instruction of every Dockerfile for the whole run).
 */
const NONE: never[] = Object.freeze([]) as unknown as never[];

function orNone<T>(list: T[]): T[] {
  return list.length === 0 ? NONE : list;
}

/**
 * A list built by push holds room for 17 entries from its first one on (V8
 * grows an array by half plus 16); a model keeps each Dockerfile's lists for
 * the whole run, most of them a few entries long, so it keeps copies of their
 * exact length (issue 13: about 0.3 MB per 1,000 Dockerfiles).
 */
function exact<T>(list: T[]): T[] {
  return list.length === 0 ? NONE : list.slice();
}

/**
 * The keywords as one shared string each: toUpperCase() makes a new string for
 * every instruction, and the model keeps every instruction (issue 13).
 */
const KEYWORDS: Record<string, string> = Object.fromEntries(
  ['ADD', 'ARG', 'CMD', 'COPY', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'FROM', 'HEALTHCHECK', 'LABEL', 'MAINTAINER', 'ONBUILD', 'RUN', 'SHELL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR'].map((k) => [k, k]),
);

function knownKeyword(upper: string): string {
  return Object.hasOwn(KEYWORDS, upper) ? KEYWORDS[upper]! : upper;
}

/** Parse a Dockerfile. dockerfile-ast does not throw on bad input; neither does this. */
export function parseDockerfile(text: string): ParsedDockerfile {
  const bom = text.startsWith(BOM);
  const base = bom ? 1 : 0;
  const body = bom ? text.slice(1) : text;
  const doc = TextDocument.create('file:///Dockerfile', 'dockerfile', 0, body);
  const off = (p: { line: number; character: number }) => base + doc.offsetAt(p);
  const ast = DockerfileParser.parse(body);

  const instructions: DfInstruction[] = [];
  const stages: DfStage[] = [];
  const globalArgs = new Map<string, string | undefined>();

  for (const ins of ast.getInstructions()) {
    const range = ins.getRange();
    const keyword = knownKeyword(ins.getKeyword().toUpperCase());
    const start = off(range.start);
    const argList = ins.getArguments();
    const argValues = argList.map((a) => a.getValue());
    // The library makes a heredoc only from an argument that starts with `<<`: without one, asking it (a scan of the instruction) finds none.
    const heredocs = argValues.some((v) => v.startsWith('<<')) ? heredocRanges(ins, off, text) : [];
    const json = jsonOf(ins, body, doc);
    let end = off(range.end);
    for (const [, hEnd] of heredocs) end = Math.max(end, hEnd);
    const rec: DfInstruction = {
      index: instructions.length,
      keyword,
      start,
      end,
      line: range.start.line,
      endLine: doc.positionAt(end - base).line,
      raw: text.slice(start, end),
      // These paths and names go through the builder's word processing, which drops quotes (`WORKDIR "/app"` is /app: supabase/realtime;
      // `VOLUME "/data"`, `USER "node"`); the library keeps them. Every reader wants the path or name.
      args: (SHELL_WORD_KEYWORDS.has(keyword) && !json && !heredocs.length
        ? shellWords(argList.map((a, i) => ({ value: argValues[i]!, start: off(a.getRange().start), end: off(a.getRange().end) })), text)
        : argValues
      ).map(sharedString),
      flags: orNone(keyword === 'COPY' || keyword === 'ADD' ? flagsOf(ins).map((f) => (UNQUOTED_FLAGS.has(f.name) && f.value ? { name: f.name, value: sharedString(unquoteWord(f.value)) } : f)) : flagsOf(ins)),
      json,
      properties: orNone(propertiesOf(ins, off)),
      heredocs: orNone(heredocs),
      stage: stages.length - 1,
      // Present (undefined) on every record, so all instructions share one object shape (issue 13).
      onbuildTrigger: undefined,
    };
    if (keyword === 'ONBUILD') {
      const trig = (ins as unknown as { getTriggerInstruction(): Instruction | null }).getTriggerInstruction();
      rec.onbuildTrigger = trig?.getKeyword().toUpperCase();
    }
    if (keyword === 'FROM') {
      const image = rec.args[0] ?? '';
      const asIdx = rec.args.findIndex((a) => a.toUpperCase() === 'AS');
      rec.stage = stages.length;
      stages.push({
        index: stages.length,
        from: rec,
        image,
        name: asIdx >= 0 && rec.args[asIdx + 1] ? rec.args[asIdx + 1].toLowerCase() : undefined,
        platform: rec.flags.find((f) => f.name === 'platform')?.value ?? undefined,
        instructions: [],
      });
    } else if (stages.length > 0) {
      stages[stages.length - 1].instructions.push(rec);
    } else if (keyword === 'ARG') {
      for (const p of rec.properties) globalArgs.set(p.name, p.value ?? undefined);
    }
    instructions.push(rec);
  }

  const comments: DfComment[] = [];
  for (const c of ast.getComments()) {
    const r = c.getRange();
    comments.push({ line: r.start.line, start: off(r.start), end: off(r.end), text: c.getContent().trim() });
  }

  for (const st of stages) st.instructions = exact(st.instructions);
  return {
    text,
    eol: detectEol(text),
    bom,
    escape: ast.getEscapeCharacter(),
    instructions: exact(instructions),
    stages: exact(stages),
    globalArgs,
    comments: exact(comments),
  };
}

function flagsOf(ins: Instruction): DfFlag[] {
  const withFlags = ins as unknown as { getFlags?: () => { getName(): string; getValue(): string | null }[] };
  if (typeof withFlags.getFlags !== 'function') return [];
  return withFlags.getFlags().map((f) => ({ name: sharedString(f.getName().toLowerCase()), value: sharedString(f.getValue()) }));
}

function jsonOf(ins: Instruction, body: string, doc: TextDocument): string[] | undefined {
  const j = ins as unknown as {
    getJSONStrings?: () => { getJSONValue(): string; getRange(): { start: { line: number; character: number }; end: { line: number; character: number } } }[];
    getOpeningBracket?: () => unknown;
  };
  if (typeof j.getJSONStrings !== 'function') return undefined;
  // getJSONStrings() is empty for shell form; an opening bracket tells exec form apart from `CMD []`.
  const strings = j.getJSONStrings();
  const opening = typeof j.getOpeningBracket === 'function' ? j.getOpeningBracket() : null;
  if (strings.length === 0 && !opening) return undefined;
  // getJSONValue() drops the spaces inside a string ("./start.sh --prod" -> "./start.sh--prod"): read the literal itself.
  return strings.map((s) => {
    const r = s.getRange();
    const literal = body.slice(doc.offsetAt(r.start), doc.offsetAt(r.end));
    try {
      const v: unknown = JSON.parse(literal);
      if (typeof v === 'string') return v;
    } catch {
      // not plain JSON (a continuation inside the string): the library's reading
    }
    return flat(s.getJSONValue());
  });
}

type AstProperty = { getName(): string; getValue(): string | null; getValueRange(): { start: Position; end: Position } | null };
type Position = { line: number; character: number };

function propertiesOf(ins: Instruction, off: (p: Position) => number): DfProperty[] {
  const p = ins as unknown as {
    getProperties?: () => AstProperty[];
    getProperty?: () => AstProperty | null;
  };
  const record = (x: AstProperty): DfProperty => {
    const r = x.getValueRange();
    return { name: flat(x.getName()), value: flat(x.getValue()), valueRange: r ? ([off(r.start), off(r.end)] as [number, number]) : undefined };
  };
  if (typeof p.getProperties === 'function') return p.getProperties().map(record);
  if (typeof p.getProperty === 'function') {
    const one = p.getProperty();
    return one ? [record(one)] : [];
  }
  return [];
}

/**
 * Heredoc bodies, from the line after the `<<EOF` operator to the end of the
 * closing delimiter. getHeredocs() throws on some inputs (a comment with a
 * backslash in a continuation), so failures mean "no heredoc known" and the
 * caller treats the RUN as opaque anyway.
 */
function heredocRanges(
  ins: Instruction,
  off: (p: { line: number; character: number }) => number,
  text: string,
): [number, number][] {
  const h = ins as unknown as {
    getHeredocs?: () => {
      getStartRange(): { start: { line: number; character: number } };
      getContentRange(): { start: { line: number; character: number } } | null;
      getDelimiterRange(): { end: { line: number; character: number } } | null;
    }[];
  };
  if (typeof h.getHeredocs !== 'function') return [];
  try {
    const out: [number, number][] = [];
    for (const doc of h.getHeredocs()) {
      const opStart = off(doc.getStartRange().start);
      const nl = text.indexOf('\n', opStart);
      const bodyStart = nl < 0 ? text.length : nl + 1;
      const delim = doc.getDelimiterRange();
      const bodyEnd = delim ? off(delim.end) : text.length;
      out.push([bodyStart, Math.max(bodyStart, bodyEnd)]);
    }
    return out;
  } catch {
    return [];
  }
}

/**
 * Substitute `$VAR`, `${VAR}`, `${VAR:-default}` and `${VAR-default}` in a FROM
 * argument from the global ARG defaults (and `overrides`, e.g. compose build args).
 * Returns undefined when a variable has no known value. An override that holds a
 * reference (`args: [TAG]` taken from the environment, kept as `${TAG}`) is put in
 * as written, in every form: `nginx:${TAG}` stays an nginx image of unknown tag,
 * neither empty nor the Dockerfile's default.
 */
export function expandArgs(
  value: string,
  globalArgs: ReadonlyMap<string, string | undefined>,
  overrides: Record<string, string> = {},
): string | undefined {
  let unresolved = false;
  const out = value.replace(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g, (_m, braced, op, word, bare) => {
    const name = braced ?? bare;
    const v = name in overrides ? overrides[name] : globalArgs.get(name);
    if (op === ':-' || op === '-') {
      if (v === undefined || (op === ':-' && v === '')) return word;
      return v;
    }
    if (op === ':+' || op === '+') return v ? word : '';
    if (v === undefined) {
      unresolved = true;
      return '';
    }
    return v;
  });
  return unresolved ? undefined : out;
}

/** Whether a build argument's value (as a build passes it) still depends on a variable the build environment sets. */
export function isUnknownBuildArg(value: string): boolean {
  return /\$(\{|[A-Za-z_])/.test(value);
}

/** Instructions of a stage that belong to it at build time (ONBUILD triggers run elsewhere). */
export function effectiveInstructions(stage: DfStage): readonly DfInstruction[] {
  let list = effective.get(stage);
  if (!list) effective.set(stage, (list = stage.instructions.filter((i) => i.keyword !== 'ONBUILD')));
  return list;
}

/**
 * Per stage, once: stages are not changed after parsing, and an unchanged
 * file keeps its parse across engine passes, so every pass asks again.
 */
const effective = new WeakMap<DfStage, readonly DfInstruction[]>();
