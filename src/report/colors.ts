// picocolors, loaded only by a run that paints its output. The module decides
// when it loads whether to paint at all, by reading process.stdout.isTTY, and
// that read makes Node create the stdout stream: for a pipe or a file that
// loads node:stream and about twenty modules with it, a few milliseconds of
// every start (issue 13), for output that is mostly not painted (a pipe, a
// file, CI). A run that paints awaits loadColors first (the CLI does, once it
// knows colour is on); the reports then paint synchronously.
import type picocolors from 'picocolors';

type Colors = typeof picocolors;

/** The picocolors styles the reports use. */
export type Style = 'bold' | 'dim' | 'underline' | 'red' | 'green' | 'yellow' | 'cyan';

let loaded: Colors | undefined;

/** Loads picocolors (once); await it before painting. */
export async function loadColors(): Promise<void> {
  loaded ??= (await import('picocolors')).default;
}

/** picocolors itself, once loadColors has loaded it. */
export function colors(): Colors {
  if (!loaded) throw new Error('colors: picocolors is painted with before loadColors() loaded it');
  return loaded;
}

/**
 * `text` in `style` when `color` is on, else `text` as it is. picocolors
 * leaves text plain where it finds no colour support (TERM=dumb, NO_COLOR),
 * as it did when the reports imported it directly.
 */
export function paint(text: string, style: Style, color: boolean): string {
  return color ? colors()[style](text) : text;
}
