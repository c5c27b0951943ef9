// The commit message and pull-request title of the bot, in Conventional
// Commits form like a hand-made hardening PR:
//   fix(security): run containers as non-root, drop capabilities
// The subject names what the transforms that fixed something do, most
// important first, as many as fit in 72 characters; the body lists every
// transform with its fix count and CIS control.
import { createHash } from 'node:crypto';
import type { RunResult } from '../driver.js';
import type { TransformMeta } from '../types.js';

export const SUBJECT_PREFIX = 'fix(security): ';
/** Subject lines longer than this are cut short by git tools and commit linters. */
export const SUBJECT_MAX = 72;
/** The trailer that marks a commit as the bot's own (an edited branch lacks it on its tip). */
export const BOT_TRAILER = 'Generated-by: docker-harden';

/**
 * What each transform does, as the subject says it, in order of importance.
 * Transforms that share a phrase (both make containers run as non-root) say it once.
 */
export const SUBJECT_PHRASES: { phrase: string; transforms: string[] }[] = [
  { phrase: 'run containers as non-root', transforms: ['dockerfile/non-root-user', 'nginx/unprivileged'] },
  { phrase: 'drop capabilities', transforms: ['compose/cap-drop', 'compose/dead-capabilities'] },
  { phrase: 'make root filesystems read-only', transforms: ['compose/read-only'] },
  { phrase: 'set no-new-privileges', transforms: ['compose/no-new-privileges'] },
  { phrase: 'give Docker socket users the docker group', transforms: ['compose/docker-socket-group', 'compose/env-docker-gid'] },
  { phrase: 'move caches out of /root', transforms: ['dockerfile/home-cache-env'] },
  { phrase: 'keep Python bytecode out of mounted source', transforms: ['compose/python-bytecode'] },
];
/** For a transform the table above does not name yet. */
const FALLBACK_PHRASE = 'harden container settings';

export interface CommitMessage {
  /** One line: the commit subject and the pull-request title. */
  subject: string;
  /** The full message: subject, blank line, body, trailer. */
  text: string;
}

/** Transform ids that fixed something in this run, with their fix counts, in the subject's order of importance. */
export function fixedTransforms(result: RunResult, metas: TransformMeta[]): { id: string; cis?: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const f of result.engine.findings) if (f.fixed && !f.suppressed) counts.set(f.transform, (counts.get(f.transform) ?? 0) + 1);
  const order = [...SUBJECT_PHRASES.flatMap((p) => p.transforms), ...metas.map((m) => m.id)];
  const rank = (id: string) => (order.includes(id) ? order.indexOf(id) : order.length);
  return [...counts]
    .sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : 1))
    .map(([id, count]) => ({ id, cis: metas.find((m) => m.id === id)?.cis, count }));
}

export function subjectLine(fixedIds: string[]): string {
  const phrases: string[] = [];
  for (const row of SUBJECT_PHRASES) if (row.transforms.some((id) => fixedIds.includes(id))) phrases.push(row.phrase);
  if (fixedIds.some((id) => !SUBJECT_PHRASES.some((row) => row.transforms.includes(id)))) phrases.push(FALLBACK_PHRASE);
  if (phrases.length === 0) phrases.push(FALLBACK_PHRASE);
  let subject = SUBJECT_PREFIX + phrases[0];
  for (const p of phrases.slice(1)) {
    if (subject.length + 2 + p.length > SUBJECT_MAX) break;
    subject += ', ' + p;
  }
  return subject;
}

export function commitMessage(result: RunResult, metas: TransformMeta[], version: string): CommitMessage {
  const fixed = fixedTransforms(result, metas);
  const subject = subjectLine(fixed.map((t) => t.id));
  const changed = result.files.filter((f) => f.status === 'changed').length;
  const manual = result.engine.findings.filter((f) => !f.fixed && !f.suppressed).length;
  const lines = [subject, '', `docker-harden ${version} changed ${changed} ${changed === 1 ? 'file' : 'files'}:`, ''];
  for (const t of fixed) lines.push(`- ${t.id}${t.cis ? ` (CIS ${t.cis})` : ''}: ${t.count} ${t.count === 1 ? 'fix' : 'fixes'}`);
  if (manual) lines.push('', `${manual} ${manual === 1 ? 'finding is' : 'findings are'} left for a human: see the pull request.`);
  lines.push('', `${BOT_TRAILER} ${version}`);
  return { subject, text: lines.join('\n') + '\n' };
}

/** A commit message the bot wrote: its trailer closes the message. */
export function isBotMessage(message: string): boolean {
  const paragraphs = message.trimEnd().split(/\n\s*\n/);
  return paragraphs[paragraphs.length - 1].split('\n').some((l) => l.startsWith(BOT_TRAILER + ' ') || l === BOT_TRAILER);
}

/**
 * What the pull request proposes, independent of line numbers and of the
 * base commit: the same fixes on the same files give the same fingerprint, so a
 * pull request closed unmerged is not opened again for the same changes.
 */
export function fingerprint(result: RunResult): string {
  const items = result.engine.findings
    .filter((f) => f.fixed && !f.suppressed)
    .map((f) => [f.transform, result.engine.project.files.get(f.file)?.rel ?? f.file, f.message].join('\0'))
    .sort();
  return 'sha256:' + createHash('sha256').update(items.join('\n')).digest('hex').slice(0, 32);
}
