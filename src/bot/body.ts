// The bot's pull-request body: the markdown report (what changed and why,
// what is left for a human, verification when it ran, how to keep a service as
// it is, migration notes, test plan), a footer saying how the bot treats the
// pull request, and a hidden marker the bot finds its own pull request by.
import type { RunResult } from '../driver.js';
import { markdown } from '../report/markdown.js';
import type { ReportContext } from '../report/stylish.js';

/** GitHub refuses bodies over 65,536 characters; keep room for the footer and marker. */
export const BODY_MAX = 60_000;
const MARKER_PREFIX = '<!-- docker-harden:bot';

export interface Marker {
  branch: string;
  fingerprint: string;
  /** Set when the bot itself closed the pull request because nothing was left to change. */
  state?: 'obsolete';
}

export function markerText(m: Marker): string {
  const fields = [`branch=${m.branch}`, `fingerprint=${m.fingerprint}`, ...(m.state ? [`state=${m.state}`] : [])];
  return `${MARKER_PREFIX} ${fields.join(' ')} -->`;
}

/** The marker in a pull-request body, or undefined when the bot did not write this body. */
export function parseMarker(body: string | null | undefined): Marker | undefined {
  const at = body?.lastIndexOf(MARKER_PREFIX) ?? -1;
  if (!body || at < 0) return undefined;
  const end = body.indexOf('-->', at);
  if (end < 0) return undefined;
  const fields = new Map<string, string>();
  for (const word of body.slice(at + MARKER_PREFIX.length, end).trim().split(/\s+/)) {
    const eq = word.indexOf('=');
    if (eq > 0) fields.set(word.slice(0, eq), word.slice(eq + 1));
  }
  const branch = fields.get('branch');
  const fp = fields.get('fingerprint');
  if (!branch || !fp) return undefined;
  return { branch, fingerprint: fp, ...(fields.get('state') === 'obsolete' ? { state: 'obsolete' as const } : {}) };
}

export interface BodyInput {
  result: RunResult;
  ctx: ReportContext;
  base: string;
  branch: string;
  fingerprint: string;
}

export function prBody(input: BodyInput): string {
  const report = fitReport(markdown(input.result, input.ctx), BODY_MAX);
  const footer = [
    '---',
    '',
    `<sub>Opened by the docker-harden bot. Each run rebuilds this branch (\`${input.branch}\`) from \`${input.base}\` and updates this pull request in place; ` +
      'when nothing is left to change, the bot closes it. If you push to the branch, the bot stops updating it until the branch is deleted. ' +
      'Closed without merging, it is not opened again for the same changes.</sub>',
    '',
    markerText({ branch: input.branch, fingerprint: input.fingerprint }),
  ];
  return report + '\n' + footer.join('\n') + '\n';
}

/** The body of a pull request the bot closes: a first line that says why, the old body, the marker marked obsolete. */
export function obsoleteBody(oldBody: string, marker: Marker, base: string, baseCommit: string): string {
  const note = `> **Closed by docker-harden:** nothing is left to change on \`${base}\` (at ${baseCommit.slice(0, 12)}).\n\n`;
  const at = oldBody.lastIndexOf(MARKER_PREFIX);
  const kept = at >= 0 ? oldBody.slice(0, at) : oldBody + '\n';
  return note + kept + markerText({ ...marker, state: 'obsolete' }) + '\n';
}

/**
 * Cut a report that would not fit at a line boundary, close what the cut left
 * open (a code fence, a folded block), and say how to see the rest.
 */
export function fitReport(report: string, max: number): string {
  if (report.length <= max) return report;
  const note = (rest: number) =>
    `\n_The report is cut here to fit a pull request: ${rest} more ${rest === 1 ? 'line' : 'lines'}. ` +
    'Run `npx docker-harden --dry-run --format markdown` on the base branch for all of it._\n';
  const lines = report.split('\n');
  const kept: string[] = [];
  let size = 0;
  const budget = max - 400; // the note and the closers
  for (const line of lines) {
    if (size + line.length + 1 > budget) break;
    kept.push(line);
    size += line.length + 1;
  }
  let fence: string | undefined;
  let details = 0;
  for (const line of kept) {
    const m = /^\s*(`{3,}|~{3,})/.exec(line);
    if (m) fence = fence === undefined ? m[1] : line.trim().startsWith(fence) ? undefined : fence;
    else if (fence === undefined && line.startsWith('<details>')) details++;
    else if (fence === undefined && line.startsWith('</details>')) details--;
  }
  const closers = [...(fence ? [fence] : []), ...Array.from({ length: Math.max(0, details) }, () => '\n</details>')];
  return kept.join('\n') + '\n' + closers.join('\n') + note(lines.length - kept.length);
}
