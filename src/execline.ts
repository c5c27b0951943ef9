// execline scripts (`#!/command/execlineb -P`, s6-overlay's service `run` files) read as the shell text
// the start-script reader understands. An execline script is one command line: each program of the chain
// does its work and executes into the rest of its arguments (https://skarnet.org/software/execline/grammar.html),
// so `with-contenv s6-setuidgid abc fdmove -c 2 1 /app/bot` runs /app/bot as abc. Blocks (`foreground { mkdir
// -p /config }`) run before the chain goes on. The text made here holds, at the line of its first word, each
// block as a command of its own and the chain's main command after `exec`, with the chain's drop (s6-setuidgid,
// s6-envuidgid + s6-applyuidgid, s6-applyuidgid) kept in front of it and the other chain loaders (with-contenv,
// fdmove, importas, s6-notifyoncheck, ...) left out, as they change no user and write nothing.

/** A `#!` line that runs execlineb (`/command/execlineb`, `/usr/bin/execlineb`, `/bin/execlineb -S0`). */
export function isExecline(text: string): boolean {
  return /^#![ \t]*\S*\bexeclineb\b/.test(text);
}

interface Word {
  text: string;
  line: number;
}

/** Words of an execline script with their 0-based lines: `#` comments dropped, quotes kept as written, `{`/`}` as words. */
function words(text: string): Word[] {
  const out: Word[] = [];
  let line = 0;
  let i = text.startsWith('#!') ? text.indexOf('\n') : 0;
  if (i < 0) return out;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\n') {
      line++;
      i++;
      continue;
    }
    if (/\s/.test(c) || (c === '\\' && text[i + 1] === '\n')) {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    const start = i;
    const at = line;
    while (i < text.length && !/\s/.test(text[i]!)) {
      if (text[i] === '"') {
        i++;
        while (i < text.length && text[i] !== '"') {
          if (text[i] === '\n') line++;
          i += text[i] === '\\' ? 2 : 1;
        }
        i++;
      } else i += text[i] === '\\' ? 2 : 1;
    }
    out.push({ text: text.slice(start, Math.min(i, text.length)), line: at });
  }
  return out;
}

/** Chain loaders that change no user and write nothing, with how many operands follow their options. */
const LOADERS: Record<string, { operands: number; valued?: string }> = {
  'with-contenv': { operands: 0 },
  fdmove: { operands: 2 },
  fdclose: { operands: 1 },
  fdswap: { operands: 2 },
  fdblock: { operands: 1 },
  fdreserve: { operands: 1 },
  redirfd: { operands: 2 },
  importas: { operands: 2, valued: 'Dd' },
  import: { operands: 1, valued: 'Dd' },
  define: { operands: 2, valued: 'd' },
  unexport: { operands: 1 },
  emptyenv: { operands: 0 },
  umask: { operands: 1 },
  heredoc: { operands: 2 },
  getpid: { operands: 1 },
  exec: { operands: 0, valued: 'a' },
  's6-notifyoncheck': { operands: 0, valued: '3sTtwnc' },
  's6-envdir': { operands: 1, valued: 'c' },
  's6-setsid': { operands: 0, valued: 'd' },
  's6-softlimit': { operands: 0, valued: 'amdosfrtclp' },
  's6-fghack': { operands: 0 },
};

/** Programs that run a block and then the rest of the chain. `backtick VAR { ... }` takes the variable first. */
const BLOCK_RUNNERS: Record<string, number> = { foreground: 0, background: 0, if: 0, backtick: 1, pipeline: 0, trap: 0 };
/** Blocks that only set variables: nothing in them runs. */
const SKIPPED_BLOCKS = new Set(['multisubstitute', 'multidefine']);

/** Index after the options of a program at `i` (`-c`, `-Uz`, `-D 1000:1000`, `--`): `valued` lists the letters that take a value. */
function afterOptions(list: Word[], i: number, valued = ''): number {
  let j = i + 1;
  while (j < list.length && /^-./.test(list[j]!.text)) {
    const w = list[j]!.text;
    j++;
    if (w === '--') break;
    const letters = w.slice(1);
    const at = [...letters].findIndex((l) => valued.includes(l));
    if (at >= 0 && at === letters.length - 1) j++;
  }
  return j;
}

/** The end of a block that opens at `i` (`{`): the index after its `}`. */
function blockEnd(list: Word[], i: number): number {
  let depth = 0;
  for (let j = i; j < list.length; j++) {
    if (list[j]!.text === '{') depth++;
    else if (list[j]!.text === '}' && --depth === 0) return j + 1;
  }
  return list.length;
}

/**
 * The script as shell text for readStartScript: as many lines as the script, each block's command at its first
 * word's line, the chain's main command (with `exec`, and the drop in front of it) at the line of its first word.
 */
export function execlineAsShell(text: string): string {
  const lineCount = text.split('\n').length;
  const lines: string[][] = Array.from({ length: lineCount }, () => []);
  const emit = (at: number, command: string) => lines[Math.min(at, lineCount - 1)]!.push(command);
  const chain = (list: Word[], main: boolean): void => {
    const kept: Word[] = [];
    let i = 0;
    while (i < list.length) {
      const w = list[i]!.text;
      const name = w.replace(/^.*\//, '');
      if (name in BLOCK_RUNNERS || SKIPPED_BLOCKS.has(name)) {
        let j = afterOptions(list, i) + (BLOCK_RUNNERS[name] ?? 0);
        if (list[j]?.text !== '{') {
          kept.push(...list.slice(i));
          break;
        }
        const end = blockEnd(list, j);
        if (!SKIPPED_BLOCKS.has(name)) chain(list.slice(j + 1, end - 1), false);
        i = end;
        continue;
      }
      if (name === 'cd' && list[i + 1]) {
        emit(list[i]!.line, `cd ${list[i + 1]!.text}`);
        i += 2;
        continue;
      }
      if (name === 'export' && list[i + 2]) {
        emit(list[i]!.line, `export ${list[i + 1]!.text}=${list[i + 2]!.text}`);
        i += 3;
        continue;
      }
      // `importas -D 1000 PUID PUID`: the variable the rest of the script substitutes, from the environment (or the default).
      if (name === 'importas') {
        const j = afterOptions(list, i, LOADERS.importas!.valued);
        const d = list.slice(i + 1, j).findIndex((o) => o.text === '-D');
        const fallback = d >= 0 ? list[i + 1 + d + 1]?.text : undefined;
        if (list[j] && list[j + 1]) emit(list[i]!.line, `${list[j]!.text}="\${${list[j + 1]!.text}${fallback !== undefined ? `:-${fallback.replace(/^"(.*)"$/s, '$1')}` : ''}}"`);
        i = j + 2;
        continue;
      }
      const loader = LOADERS[name];
      if (loader) {
        i = afterOptions(list, i, loader.valued) + loader.operands;
        continue;
      }
      // A drop keeps its words, and the loaders after it are left out too: `s6-setuidgid abc fdmove -c 2 1 app`.
      if (name === 's6-setuidgid' && list[i + 1]) {
        kept.push(list[i]!, list[i + 1]!);
        i += 2;
        continue;
      }
      if (name === 's6-envuidgid' || name === 's6-applyuidgid') {
        const j = afterOptions(list, i, name === 's6-envuidgid' ? 'D' : 'ugG') + (name === 's6-envuidgid' ? 1 : 0);
        // s6-envuidgid only sets UID/GID in the environment: a drop when s6-applyuidgid follows it, else a loader like the others.
        if (name === 's6-envuidgid' && list[j]?.text.replace(/^.*\//, '') !== 's6-applyuidgid') {
          i = j;
          continue;
        }
        kept.push(...list.slice(i, j));
        i = j;
        continue;
      }
      kept.push(...list.slice(i));
      break;
    }
    if (!kept.length) return;
    const command = kept.map((k) => k.text).join(' ');
    emit(kept[0]!.line, main ? `exec ${command}` : command);
  };
  chain(words(text), true);
  return lines.map((l) => l.join(' ; ')).join('\n');
}
