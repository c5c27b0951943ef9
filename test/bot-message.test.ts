// The bot's words: the Conventional Commits subject, the commit body, the
// marker, and a body cut to fit GitHub's limit.
import { describe, it, expect } from 'vitest';
import path from 'node:path';
import { TRANSFORMS } from '../transforms/index.js';
import { commitMessage, fingerprint, isBotMessage, subjectLine, BOT_TRAILER, SUBJECT_MAX, SUBJECT_PHRASES, SUBJECT_PREFIX } from '../src/bot/message.js';
import { BODY_MAX, fitReport, markerText, obsoleteBody, parseMarker, prBody } from '../src/bot/body.js';
import { hardenTree, readTree, REPO } from './helpers.js';

const FIXABLE = TRANSFORMS.filter((t) => t.meta.fixable).map((t) => t.meta.id);

describe('commit subject', () => {
  it('every transform that fixes has its phrase (a new transform must add one)', () => {
    for (const id of FIXABLE) expect(SUBJECT_PHRASES.some((p) => p.transforms.includes(id)), id).toBe(true);
    for (const p of SUBJECT_PHRASES) for (const id of p.transforms) expect(FIXABLE, `${p.phrase}: ${id}`).toContain(id);
  });

  it('names the most important changes first and never runs over 72 characters, for every set of transforms', () => {
    expect(subjectLine(['compose/cap-drop', 'dockerfile/non-root-user'])).toBe('fix(security): run containers as non-root, drop capabilities');
    expect(subjectLine(['nginx/unprivileged'])).toBe('fix(security): run containers as non-root');
    expect(subjectLine(['compose/no-new-privileges'])).toBe('fix(security): set no-new-privileges');
    expect(subjectLine(['compose/read-only', 'compose/no-new-privileges'])).toBe('fix(security): make root filesystems read-only, set no-new-privileges');
    expect(subjectLine(['compose/some-future-transform'])).toBe('fix(security): harden container settings');
    for (let mask = 1; mask < 1 << FIXABLE.length; mask++) {
      const ids = FIXABLE.filter((_, i) => mask & (1 << i));
      const s = subjectLine(ids);
      expect(s.length, s).toBeLessThanOrEqual(SUBJECT_MAX);
      expect(s.startsWith(SUBJECT_PREFIX)).toBe(true);
      expect(s).not.toMatch(/\n/);
    }
  });

  it('the message: subject, blank line, one line per transform with its fixes, the trailer last', async () => {
    const { result } = await hardenTree({ 'compose.yaml': 'services:\n  a:\n    image: redis:7\n  b:\n    image: redis:7\n' });
    const m = commitMessage(result, TRANSFORMS.map((t) => t.meta), '1.2.3');
    expect(m.text).toBe(
      [
        'fix(security): drop capabilities, make root filesystems read-only',
        '',
        'docker-harden 1.2.3 changed 1 file:',
        '',
        '- compose/cap-drop (CIS 5.4): 2 fixes',
        '- compose/read-only (CIS 5.13): 2 fixes',
        '- compose/no-new-privileges (CIS 5.26): 2 fixes',
        '',
        `${BOT_TRAILER} 1.2.3`,
        '',
      ].join('\n'),
    );
    expect(isBotMessage(m.text)).toBe(true);
    expect(isBotMessage('Tweak\n\nGenerated-by: someone else\n')).toBe(false);
    expect(isBotMessage(`Tweak\n\n${BOT_TRAILER} 1.0.0 was quoted here\n\nSigned-off-by: Dev <d@x>\n`)).toBe(false);
  });

  it('the fingerprint follows the changes, not line numbers or unrelated files', async () => {
    const base = { 'compose.yaml': 'services:\n  a:\n    image: redis:7\n' };
    const fp = fingerprint((await hardenTree(base)).result);
    expect(fingerprint((await hardenTree({ ...base, 'README.md': 'x\n' })).result)).toBe(fp);
    expect(fingerprint((await hardenTree({ 'compose.yaml': '# moved down\n\nservices:\n  a:\n    image: redis:7\n' })).result)).toBe(fp);
    expect(fingerprint((await hardenTree({ 'compose.yaml': 'services:\n  b:\n    image: redis:7\n' })).result)).not.toBe(fp);
  });
});

describe('pull-request body', () => {
  it('marker round trip; the bot-closed form is told apart', () => {
    const m = { branch: 'docker-harden/harden', fingerprint: 'sha256:0123' };
    expect(parseMarker(`text\n\n${markerText(m)}\n`)).toEqual(m);
    expect(parseMarker('no marker')).toBeUndefined();
    expect(parseMarker('<!-- docker-harden:bot branch=x -->')).toBeUndefined();
    const closed = obsoleteBody(`body\n\n${markerText(m)}\n`, m, 'main', 'a'.repeat(40));
    expect(closed.startsWith('> **Closed by docker-harden:** nothing is left to change on `main` (at aaaaaaaaaaaa).')).toBe(true);
    expect(closed).toContain('body\n');
    expect(parseMarker(closed)).toEqual({ ...m, state: 'obsolete' });
  });

  it('a report too long for GitHub is cut at a line, its open fence and folded block closed, the marker kept', async () => {
    const tree: Record<string, string> = {};
    for (let i = 0; i < 150; i++) tree[`svc${i}/compose.yaml`] = `services:\n  service-with-a-long-name-${i}:\n    image: redis:7\n  other-${i}:\n    image: postgres:16\n`;
    const { result } = await hardenTree(tree);
    const body = prBody({ result, ctx: { cwd: result.engine.project.cwd, color: false, transforms: TRANSFORMS.map((t) => t.meta), version: '1' }, base: 'main', branch: 'b', fingerprint: 'sha256:1' });
    expect(body.length).toBeLessThan(65_536);
    expect(body).toContain('_The report is cut here to fit a pull request: ');
    expect(parseMarker(body)).toEqual({ branch: 'b', fingerprint: 'sha256:1' });
    const fences = body.split('\n').filter((l) => /^\s*```/.test(l)).length;
    expect(fences % 2).toBe(0);
    expect(body.split('<details>').length).toBe(body.split('</details>').length);

    const cutInFence = fitReport('## T\n\n<details><summary>s</summary>\n\n- x\n\n  ```yaml\n' + '  # line\n'.repeat(20_000) + '  ```\n\n</details>\n', BODY_MAX);
    expect(cutInFence.length).toBeLessThanOrEqual(BODY_MAX);
    expect(cutInFence).toMatch(/ {2}# line\n```\n\n<\/details>\n_The report is cut here/);
    expect(fitReport('short\n', BODY_MAX)).toBe('short\n');
  });

  it('on examples/: the markdown report whole, the footer, the marker last', async () => {
    const { result } = await hardenTree(readTree(path.join(REPO, 'examples')));
    const ctx = { cwd: result.engine.project.cwd, color: false, transforms: TRANSFORMS.map((t) => t.meta), version: '1' };
    const body = prBody({ result, ctx, base: 'main', branch: 'docker-harden/harden', fingerprint: fingerprint(result) });
    const { markdown } = await import('../src/report/markdown.js');
    expect(body.startsWith(markdown(result, ctx))).toBe(true);
    expect(body).toContain('Opened by the docker-harden bot.');
    expect(body.trimEnd().split('\n').pop()).toBe(markerText({ branch: 'docker-harden/harden', fingerprint: fingerprint(result) }));
  });
});
