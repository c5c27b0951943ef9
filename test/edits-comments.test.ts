// Comment lines written shallower than a block's entries head what follows
// them (`  # about db` above `  db:`). The YAML parser counts them in the
// range of a map whose last value is empty, so edits that go "after the last
// entry" or remove it must stop before them (review round g: CTFd's new keys
// landed under the comment that heads the next service). Comments indented as
// deep as the entries, or deeper, stay with the entry above (a commented-out
// key or item), as before.
import { describe, expect, it } from 'vitest';
import { parseDocument, isMap, isSeq, isPair, type YAMLMap, type YAMLSeq, type Pair } from 'yaml';
import { appendSeqItem, insertMapEntry, insertMapEntryAt, insertOuterMapEntry, removeMapEntry, removeSeqItem } from '../src/edits.js';
import type { Edit } from '../src/types.js';
import { toCrlf } from './helpers.js';

function apply(text: string, edit: Edit): string {
  return text.slice(0, edit.range[0]) + edit.text + text.slice(edit.range[1]);
}

function service(text: string, name: string): YAMLMap {
  const doc = parseDocument(text);
  const s = doc.getIn(['services', name], true);
  if (!isMap(s)) throw new Error(`no service ${name}`);
  return s;
}

const file = (text: string) => ({ path: 'compose.yml', text });

/** Last-value shapes whose parsed range runs over the comment that heads the next service. */
const LAST_VALUES: Record<string, string> = {
  'a map of empty values (networks)': '    networks:\n        default:\n        internal:\n',
  'a map of empty values, same indent': '    networks:\n      default:\n',
  'a list of maps': '    ports:\n      - target: 80\n        published: 8080\n',
  'a list of strings': '    volumes:\n      - ./data:/data\n',
  'a scalar': '    command: run\n',
  'an empty value': '    labels:\n',
  'a merge key': '    <<: *base\n',
};

const HEAD = 'x-base: &base\n  restart: always\nservices:\n  app:\n    image: app\n';
const NEXT = '\n  # TODO: about db, the next service\n  db:\n    image: db\n';

describe('a key added at the end of a service', () => {
  for (const [shape, last] of Object.entries(LAST_VALUES)) {
    for (const eol of ['\n', '\r\n'] as const) {
      it(`goes before the next service's comment after ${shape} (${eol === '\n' ? 'LF' : 'CRLF'})`, () => {
        const lf = HEAD + last + NEXT;
        const text = eol === '\n' ? lf : toCrlf(lf);
        const app = service(text, 'app');
        for (const add of [insertMapEntry, insertOuterMapEntry]) {
          const out = apply(text, add(file(text), eol, app, 'read_only', 'true'));
          expect(out).toBe(eol === '\n' ? HEAD + last + '    read_only: true\n' + NEXT : toCrlf(HEAD + last + '    read_only: true\n' + NEXT));
          expect(parseDocument(out).getIn(['services', 'app', 'read_only'])).toBe(true);
        }
      });
    }
  }

  it('goes before a column-0 comment that heads the next top-level key', () => {
    const text = 'services:\n  app:\n    networks:\n      default:\n\n# Networks\nnetworks:\n  default:\n';
    const out = apply(text, insertOuterMapEntry(file(text), '\n', service(text, 'app'), 'read_only', 'true'));
    expect(out).toBe('services:\n  app:\n    networks:\n      default:\n    read_only: true\n\n# Networks\nnetworks:\n  default:\n');
  });

  it('goes after a comment as deep as the keys (a commented-out key of this service)', () => {
    const text = 'services:\n  app:\n    networks:\n      default:\n    # ports:\n    #   - 80\n\n  # db\n  db:\n    image: db\n';
    const out = apply(text, insertMapEntry(file(text), '\n', service(text, 'app'), 'read_only', 'true'));
    expect(out).toBe('services:\n  app:\n    networks:\n      default:\n    # ports:\n    #   - 80\n    read_only: true\n\n  # db\n  db:\n    image: db\n');
  });

  it('leaves a trailing comment at the end of the file after the last service in place', () => {
    const text = 'services:\n  app:\n    networks:\n      default:\n  # the end\n';
    const out = apply(text, insertMapEntry(file(text), '\n', service(text, 'app'), 'read_only', 'true'));
    expect(out).toBe('services:\n  app:\n    networks:\n      default:\n    read_only: true\n  # the end\n');
  });

  it('goes in place after a chosen pair whose value runs over a shallower comment', () => {
    const text = 'services:\n  app:\n    networks:\n      default:\n  # heads the next key\n    image: app\n';
    // Not valid as a comment of the next service, but the parser still ends `networks` after it: the new key goes above it.
    const app = service(text, 'app');
    const networks = app.items.find((p) => isPair(p) && String((p.key as { value: unknown }).value) === 'networks') as Pair;
    const out = apply(text, insertMapEntryAt(file(text), '\n', app, 'cap_drop', '[ALL]', { after: networks }));
    expect(out).toBe('services:\n  app:\n    networks:\n      default:\n    cap_drop: [ALL]\n  # heads the next key\n    image: app\n');
  });

  it('flow services are unchanged by comments around them', () => {
    const text = 'services:\n  app: {image: app, networks: {default: null}}\n  # db\n  db: {image: db}\n';
    const out = apply(text, insertMapEntry(file(text), '\n', service(text, 'app'), 'read_only', 'true'));
    expect(out).toBe('services:\n  app: {image: app, networks: {default: null}, read_only: true}\n  # db\n  db: {image: db}\n');
  });
});

describe('a list item added at the end of a list', () => {
  it('goes before a comment that heads the next key when the last item is a map of empty values', () => {
    const text = 'services:\n  app:\n    x:\n      - a:\n          b:\n    # heads y\n    y: 1\n';
    const x = service(text, 'app').get('x', true) as unknown as YAMLSeq;
    expect(isSeq(x)).toBe(true);
    const out = apply(text, appendSeqItem(file(text), '\n', x, 'c'));
    expect(out).toBe('services:\n  app:\n    x:\n      - a:\n          b:\n      - c\n    # heads y\n    y: 1\n');
  });
});

describe('removing the last entry', () => {
  it('keeps the comment that heads the next service', () => {
    const text = 'services:\n  app:\n    image: app\n    networks:\n        default:\n\n  # about db\n  db:\n    image: db\n';
    const app = service(text, 'app');
    const pair = app.items[app.items.length - 1] as Pair;
    const out = apply(text, removeMapEntry(file(text), app, pair));
    expect(out).toBe('services:\n  app:\n    image: app\n\n  # about db\n  db:\n    image: db\n');
  });

  it('keeps the comment that heads the next key when the last list item goes', () => {
    const text = 'services:\n  app:\n    x:\n      - keep\n      - a:\n          b:\n    # heads y\n    y: 1\n';
    const x = service(text, 'app').get('x', true) as unknown as YAMLSeq;
    const out = apply(text, removeSeqItem(file(text), x, 1));
    expect(out).toBe('services:\n  app:\n    x:\n      - keep\n    # heads y\n    y: 1\n');
  });
});
