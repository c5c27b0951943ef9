// The tags docker/metadata-action makes (https://github.com/docker/metadata-action#tags-input, #flavor-input; the
// rules below follow its src/tag.ts, src/flavor.ts and src/meta.ts at v6), as patterns: `type=semver,pattern={{version}}`
// is every release version (`1.9.6`), not a tag this repository names, so it is written with a placeholder (images.ts
// TAG_PLACEHOLDERS) that matches the versions only. Read so, a build-push-action given `${{ steps.meta.outputs.tags }}`
// is linked to the `docker run app:1.9.6` it pushes, and the `-alpine` variant of the same image (flavor
// `suffix=-alpine`) to the `app:1.9.6-alpine` uses only. The workflow's `on:` events (WorkflowRefs) say which refs a
// run can have: a tag made from the branch name exists only when the workflow runs on a branch, and names only the
// branches its `push` filter lists.
import { TAG_PLACEHOLDER, tagMatchPlaceholder } from '../images.js';

interface Flavor {
  latest: 'auto' | 'true' | 'false';
  prefix: string;
  suffix: string;
  prefixOnLatest: boolean;
  suffixOnLatest: boolean;
}

/**
 * The Git refs a workflow's runs can have, from its `on:` events: the branch names (`refs/heads/…`) and Git tag names
 * (`refs/tags/…`) as literal lists, 'any' when a pattern or the event allows any, [] when no event runs on one;
 * whether pull requests (`refs/pull/N/merge`) and schedules run it.
 */
export interface WorkflowRefs {
  branches: string[] | 'any';
  tags: string[] | 'any';
  pullRequests: boolean;
  schedule: boolean;
}

/** Refs not narrowed: a composite action, a reusable workflow (its caller's events), an event not read. */
export const ANY_REFS: WorkflowRefs = { branches: 'any', tags: 'any', pullRequests: true, schedule: true };

/**
 * The refs a workflow with this `on:` runs on (https://docs.github.com/en/actions/reference/workflows-and-actions/events-that-trigger-workflows).
 * `on` is the YAML value as plain data: an event name, a list of them, or a map of event to its filters.
 */
export function workflowRefs(on: unknown): WorkflowRefs {
  const events: [string, unknown][] = typeof on === 'string' ? [[on, null]] : Array.isArray(on) ? on.filter((e): e is string => typeof e === 'string').map((e) => [e, null]) : on && typeof on === 'object' ? Object.entries(on) : [];
  if (!events.length) return ANY_REFS;
  const refs: { branches: Set<string> | 'any'; tags: Set<string> | 'any'; pullRequests: boolean; schedule: boolean } = { branches: new Set(), tags: new Set(), pullRequests: false, schedule: false };
  const add = (kind: 'branches' | 'tags', names: string[] | 'any') => {
    const had = refs[kind];
    if (had === 'any' || names === 'any') refs[kind] = 'any';
    else for (const n of names) had.add(n);
  };
  for (const [event, filters] of events) {
    const f = filters && typeof filters === 'object' && !Array.isArray(filters) ? (filters as Record<string, unknown>) : {};
    switch (event) {
      case 'push': {
        // Only `branches` filters: no Git tag push runs it; only `tags` filters: no branch push; neither: both.
        const branchFilter = 'branches' in f || 'branches-ignore' in f;
        const tagFilter = 'tags' in f || 'tags-ignore' in f;
        if (branchFilter || !tagFilter) add('branches', 'branches-ignore' in f ? 'any' : literalNames(f.branches));
        if (tagFilter || !branchFilter) add('tags', 'tags-ignore' in f ? 'any' : literalNames(f.tags));
        break;
      }
      case 'pull_request':
        refs.pullRequests = true;
        break;
      case 'pull_request_target':
        // GITHUB_REF is the base branch (`refs/heads/main`), which its `branches` filter names.
        add('branches', 'branches-ignore' in f ? 'any' : literalNames(f.branches));
        break;
      case 'release':
        // GITHUB_REF is the release's Git tag.
        add('tags', 'any');
        break;
      case 'schedule':
        refs.schedule = true;
        add('branches', 'any'); // the default branch, whose name the workflow does not say
        break;
      case 'workflow_dispatch':
      case 'create':
        // Run on a branch or a Git tag the person (or the push) chose.
        add('branches', 'any');
        add('tags', 'any');
        break;
      case 'merge_group':
      case 'repository_dispatch':
      case 'workflow_run':
      case 'issues':
      case 'issue_comment':
      case 'discussion':
      case 'discussion_comment':
      case 'label':
      case 'milestone':
      case 'page_build':
      case 'public':
      case 'registry_package':
      case 'check_run':
      case 'check_suite':
      case 'delete':
      case 'fork':
      case 'gollum':
      case 'watch':
      case 'status':
      case 'branch_protection_rule':
      case 'pull_request_review':
      case 'pull_request_review_comment':
        // The default branch (pull_request_review*: the pull request's merge ref, read as the branch it is not, the safe side).
        add('branches', 'any');
        if (event.startsWith('pull_request_review')) refs.pullRequests = true;
        break;
      default:
        return ANY_REFS; // workflow_call (the caller's events), deployment, an event not listed here
    }
  }
  return { branches: refs.branches === 'any' ? 'any' : [...refs.branches], tags: refs.tags === 'any' ? 'any' : [...refs.tags], pullRequests: refs.pullRequests, schedule: refs.schedule };
}

/** A `branches:`/`tags:` filter: its literal names, or 'any' when a name is a glob (`v*`, `release/**`). `!name` only takes away. */
function literalNames(filter: unknown): string[] | 'any' {
  const list = typeof filter === 'string' ? [filter] : Array.isArray(filter) ? filter : undefined;
  if (!list) return 'any';
  const names = list.map(String).filter((n) => !n.startsWith('!'));
  return names.some((n) => /[*?+[\]]/.test(n)) || !names.length ? 'any' : names;
}

/** A CSV line's fields, as csv-parse reads them for the action: a field in double quotes may hold commas (`""` is `"`). */
function csvFields(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && !field.trim()) {
      quoted = true;
      field = '';
    } else if (c === ',') {
      fields.push(field.trim());
      field = '';
    } else field += c;
  }
  fields.push(field.trim());
  return fields;
}

/** The attributes of one CSV line (`type=semver,pattern={{version}},prefix=v`); a field with no `=` is the value. */
function attributes(line: string): Map<string, string> {
  const fields = csvFields(line);
  const attrs = new Map<string, string>();
  for (const f of fields) {
    if (!f.includes('=')) {
      if (f) attrs.set('value', f);
      continue;
    }
    attrs.set(f.slice(0, f.indexOf('=')).trim().toLowerCase(), f.slice(f.indexOf('=') + 1).trim());
  }
  return attrs;
}

function lines(v: string | undefined): string[] {
  return (v ?? '').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
}

function flavorOf(v: string | undefined): Flavor | undefined {
  const f: Flavor = { latest: 'auto', prefix: '', suffix: '', prefixOnLatest: false, suffixOnLatest: false };
  for (const line of lines(v)) {
    // `prefix=v,onlatest=true`: onlatest belongs to the prefix or suffix it follows.
    let last: 'prefix' | 'suffix' | undefined;
    for (const field of line.split(',').map((x) => x.trim())) {
      const [k, ...rest] = field.split('=');
      const value = rest.join('=').trim();
      if (k === 'latest' && /^(auto|true|false)$/.test(value)) f.latest = value as Flavor['latest'];
      else if (k === 'prefix' || k === 'suffix') {
        f[k] = value;
        last = k;
      } else if (k === 'onlatest' && last) f[last === 'prefix' ? 'prefixOnLatest' : 'suffixOnLatest'] = value === 'true';
      else if (k === 'latest' || k === 'onlatest') return undefined; // an expression: which latest is not known
    }
  }
  return f;
}

/** More values than this from one line's templates: the line is read as any tag. */
const MAX_TEMPLATE_VALUES = 16;

/** Whether some run has a ref of this kind. */
function ranOn(names: string[] | 'any'): boolean {
  return names === 'any' || names.length > 0;
}

/** A ref kind's names as tag text (`feature/x` is `feature-x`, as the action's sanitizeTag makes it); [] none; any: the placeholder. */
function refNames(names: string[] | 'any'): string[] {
  return names === 'any' ? [TAG_PLACEHOLDER.any] : names.map(sanitizeTag);
}

/** The action's sanitizeTag: what a tag cannot hold becomes `-`. Placeholders are kept as they are. */
function sanitizeTag(text: string): string {
  return text
    .split(/(\$\{\{[^}]*\}\})/)
    .map((part, i) => (i % 2 ? part : part.replace(/[^a-zA-Z0-9._-]+/g, '-')))
    .join('');
}

/** moment's date tokens that print digits only (https://momentjs.com/docs/#/displaying/format/), as placeholders. */
const DATE_TOKENS: [RegExp, string][] = [
  [/^YYYY/, TAG_PLACEHOLDER.year],
  [/^(YY|MM|DD|HH|hh|mm|ss)/, TAG_PLACEHOLDER.twoDigits],
  [/^[MDHhms]/, TAG_PLACEHOLDER.oneOrTwoDigits],
];

/** `{{date 'YYYYMMDD'}}`'s format as a pattern; undefined when it prints words (`dddd`, `MMMM`) or a token not read. */
function dateFormat(format: string): string | undefined {
  let out = '';
  let rest = format;
  while (rest) {
    const bracket = /^\[([^\]]*)\]/.exec(rest);
    if (bracket) {
      out += bracket[1];
      rest = rest.slice(bracket[0].length);
      continue;
    }
    const token = DATE_TOKENS.find(([re]) => re.test(rest));
    if (token) {
      out += token[1];
      rest = rest.slice(token[0].exec(rest)![0].length);
      continue;
    }
    if (/^[A-Za-z]/.test(rest)) return undefined;
    out += rest[0];
    rest = rest.slice(1);
  }
  return out;
}

/**
 * The values a text with the action's handlebars expressions (`{{branch}}`, `{{sha}}`, `{{date 'YYYYMMDD'}}`; meta.ts
 * setGlobalExp) can take on this workflow's refs; undefined when one is not read (`{{is_default_branch}}` as a value).
 */
function expandTemplate(text: string, refs: WorkflowRefs): string[] | undefined {
  let values = [''];
  // `${{ … }}` is GitHub's expression, left as it is; `{{ … }}` alone is the action's.
  const parts = text.split(/(?<!\$)(\{\{[^}]*\}\})/);
  for (let i = 0; i < parts.length; i++) {
    let choices: string[] | undefined;
    if (i % 2 === 0) choices = [parts[i]!];
    else {
      const m = /^\{\{\s*(\w+)\s*(?:(['"])(.*?)\2)?\s*(?:tz=(['"]).*?\4)?\s*\}\}$/.exec(parts[i]!);
      const [, name, , arg] = m ?? [];
      if (name === 'sha') choices = [TAG_PLACEHOLDER.shortSha];
      // On a run whose ref is not a branch (or Git tag), {{branch}} ({{tag}}) is empty.
      else if (name === 'branch') choices = ranOn(refs.branches) ? refNames(refs.branches) : [''];
      else if (name === 'tag') choices = ranOn(refs.tags) ? refNames(refs.tags) : [''];
      else if (name === 'base_ref') choices = [TAG_PLACEHOLDER.any];
      else if ((name === 'date' || name === 'commit_date') && arg !== undefined) {
        const d = dateFormat(arg);
        choices = d === undefined ? undefined : [d];
      }
    }
    if (!choices) return undefined;
    values = values.flatMap((v) => choices!.map((c) => v + c));
    if (values.length > MAX_TEMPLATE_VALUES) return [TAG_PLACEHOLDER.any];
  }
  return values;
}

/** Whether an `enable=` value can be true on these refs; undefined when it is not read (the line is then not read). */
function canBeEnabled(enable: string | undefined, refs: WorkflowRefs): boolean | undefined {
  if (enable === undefined || enable === 'true') return true;
  if (enable === 'false') return false;
  // A GitHub expression the workflow context did not settle: it may be true.
  if (/^\$\{\{[\s\S]*\}\}$/.test(enable)) return true;
  // `{{is_default_branch}}` is true only on a run on the default branch (or a schedule's, which is one).
  if (/^\{\{\s*is_default_branch\s*\}\}$/.test(enable)) return ranOn(refs.branches) || refs.schedule;
  if (/^\{\{\s*is_not_default_branch\s*\}\}$/.test(enable)) return true;
  return undefined;
}

/**
 * The part of the Git tag a `type=match` line takes (`pattern=(\d+\.\d+-\d+),group=1`), as a tag pattern: the regex of
 * that group; any tag when the group is not one plain regex the image index can test (nested or with braces, anchors).
 */
function matchGroupPattern(pattern: string, group: number): string {
  const slashed = /^\/(.+)\/([a-z]*)$/.exec(pattern);
  const source = slashed ? slashed[1]! : pattern;
  if (slashed && slashed[2]!.replace(/[gu]/g, '')) return TAG_PLACEHOLDER.any; // i, m, s change what it matches
  const span = group === 0 ? [0, source.length] : capturingGroups(source)[group - 1];
  const fragment = span ? source.slice(span[0], span[1]).replace(/^\?<[A-Za-z]\w*>/, '') : undefined;
  // `v(.*)`: the rest of the tag, whatever it is.
  if (fragment === undefined || fragment === '.*' || fragment === '.+') return TAG_PLACEHOLDER.any;
  return tagMatchPlaceholder(fragment) ?? TAG_PLACEHOLDER.any;
}

/**
 * The capturing groups of a regex, in the order of their `(` (as group numbers count them): where each one's text
 * starts (after the `(`) and ends. Escapes and character classes are skipped; `(?:`, `(?=`, `(?<=`… do not capture,
 * `(?<name>` does.
 */
function capturingGroups(source: string): [number, number][] {
  const groups: [number, number][] = [];
  const open: (number | undefined)[] = []; // per open `(`: its index in groups, undefined when it does not capture
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') i++;
    else if (inClass) inClass = c !== ']';
    else if (c === '[') inClass = true;
    else if (c === '(') {
      const captures = source[i + 1] !== '?' || (source[i + 2] === '<' && /[A-Za-z]/.test(source[i + 3] ?? ''));
      open.push(captures ? groups.push([i + 1, -1]) - 1 : undefined);
    } else if (c === ')') {
      const g = open.pop();
      if (g !== undefined) groups[g]![1] = i;
    }
  }
  return groups.filter(([, end]) => end >= 0);
}

/** A `tags:` line as read: the tag values it can make on these refs ([] none), and what decides latest=auto. */
interface TagLine {
  type: string;
  priority: number;
  values: string[];
  /** It may be disabled (an `enable=` expression). */
  maybe: boolean;
  /** On a run for a Git tag it makes a tag, and with latest=auto that tag's line decides `latest` (meta.ts setVersion). */
  onGitTag?: { latest: boolean };
}

/** tag.ts DefaultPriorities. */
const DEFAULT_PRIORITY: Record<string, number> = { schedule: 1000, semver: 900, pep440: 900, match: 800, edge: 700, ref: 600, raw: 200, sha: 100 };

/** One `tags:` line read; undefined: a type or value not read. */
function tagLine(attrs: Map<string, string>, flavor: Flavor, refs: WorkflowRefs): TagLine | undefined {
  const P = TAG_PLACEHOLDER;
  const type = attrs.get('type') ?? 'raw';
  if (!(type in DEFAULT_PRIORITY)) return undefined;
  const priority = attrs.has('priority') ? Number(attrs.get('priority')) : DEFAULT_PRIORITY[type]!;
  if (Number.isNaN(priority)) return undefined;
  const enabled = canBeEnabled(attrs.get('enable'), refs);
  if (enabled === undefined) return undefined;
  const maybe = attrs.has('enable') && attrs.get('enable') !== 'true';
  const gitTagRuns = ranOn(refs.tags);
  let raw: string[] | undefined;
  let onGitTag: TagLine['onGitTag'];
  switch (type) {
    case 'raw': {
      raw = expandTemplate(attrs.get('value') ?? '', refs);
      onGitTag = { latest: false };
      break;
    }
    case 'semver':
    case 'pep440': {
      const pattern = attrs.get('value') ? undefined : attrs.get('pattern');
      if (!pattern) return undefined;
      // Without `value`, only a run for a Git tag has a version.
      raw = gitTagRuns ? [pattern.replace(/\{\{\s*(version|raw|major|minor|patch)\s*\}\}/g, (_, part: string) => P[part as 'version' | 'raw'])] : [];
      onGitTag = { latest: true };
      break;
    }
    case 'match': {
      const pattern = attrs.get('pattern');
      const group = Number(attrs.get('group') ?? '0');
      if (!pattern || !Number.isInteger(group) || group < 0) return undefined;
      const value = attrs.get('value');
      if (value) {
        // A literal value is matched here as the action matches it.
        if (value.includes('${{') || value.includes('{{')) return undefined;
        const slashed = /^\/(.+)\/([a-z]*)$/.exec(pattern);
        let m: RegExpMatchArray | null;
        try {
          m = value.match(slashed ? new RegExp(slashed[1]!, slashed[2]) : new RegExp(pattern));
        } catch {
          return undefined;
        }
        raw = m?.[group] ? [m[group]!] : [];
      } else raw = gitTagRuns ? [matchGroupPattern(pattern, group)] : [];
      onGitTag = { latest: true };
      break;
    }
    case 'ref': {
      const event = attrs.get('event');
      if (event === 'branch') raw = refNames(refs.branches);
      else if (event === 'tag') {
        raw = refNames(refs.tags);
        onGitTag = { latest: true };
      } else if (event === 'pr') raw = refs.pullRequests ? [P.number] : [];
      else return undefined;
      break;
    }
    case 'sha':
      raw = [attrs.get('format') === 'long' ? P.longSha : P.shortSha];
      onGitTag = { latest: false };
      break;
    case 'edge': {
      // Only a run on the branch named (default: the default branch, whose name is not known here).
      const branch = attrs.get('branch');
      raw = refs.branches === 'any' || (ranOn(refs.branches) && (!branch || refs.branches.includes(branch))) ? ['edge'] : [];
      break;
    }
    case 'schedule':
      raw = refs.schedule ? expandTemplate(attrs.get('pattern') ?? 'nightly', refs) : [];
      break;
  }
  if (!raw) return undefined;
  // A line's own prefix and suffix replace the flavor's (themselves templates); type=sha's prefix is `sha-` and
  // event=pr's `pr-` unless given.
  const prefixes = expandTemplate(attrs.get('prefix') ?? (type === 'sha' ? 'sha-' : type === 'ref' && attrs.get('event') === 'pr' ? 'pr-' : flavor.prefix), refs);
  const suffixes = expandTemplate(attrs.get('suffix') ?? flavor.suffix, refs);
  if (!prefixes || !suffixes) return undefined;
  const values = enabled ? raw.filter((v) => v !== '').flatMap((v) => prefixes.flatMap((p) => suffixes.map((s) => sanitizeTag(`${p}${v}${s}`)))) : [];
  return { type, priority, values, maybe, onGitTag: enabled && gitTagRuns ? onGitTag : undefined };
}

const DEFAULT_TAGS = ['type=schedule', 'type=ref,event=branch', 'type=ref,event=tag', 'type=ref,event=pr'];

/**
 * The full tags (`appwrite/appwrite:${{semver.major}}.${{semver.minor}}`) a metadata-action step with these
 * `images`, `tags`, `flavor` and `sep-tags` inputs makes, in a workflow run on `refs`, in the action's order (by
 * priority); undefined when a line is not read, so that the caller keeps the names.
 */
export function metadataActionTags(names: string[], tagsIn: string | undefined, flavorIn: string | undefined, refs: WorkflowRefs = ANY_REFS, sepTags?: string): string[] | undefined {
  if (!names.length) return undefined;
  // build-push-action splits its `tags` input at newlines and commas only: another separator leaves one word it cannot read.
  if (sepTags !== undefined && sepTags !== '' && !/^[\s,]*[\n,][\s,]*$/.test(sepTags.replace(/\\n/g, '\n'))) return undefined;
  const flavor = flavorOf(flavorIn);
  if (!flavor) return undefined;
  const read: TagLine[] = [];
  for (const line of tagsIn === undefined || !lines(tagsIn).length ? DEFAULT_TAGS : lines(tagsIn)) {
    if (line.includes('${{') && !/\bvalue=/.test(line) && !/\benable=\$\{\{/.test(line)) return undefined;
    const t = tagLine(attributes(line), flavor, refs);
    if (!t) return undefined;
    read.push(t);
  }
  // tag.ts Transform: the highest priority first (a stable sort).
  read.sort((a, b) => b.priority - a.priority);
  // latest=auto: on a run for a Git tag, the first line that makes a tag decides (semver, pep440, match, ref event=tag
  // add latest; raw and sha do not). A line that may be disabled lets the next decide too.
  let latestAuto = false;
  for (const t of read) {
    if (!t.onGitTag) continue;
    if (t.onGitTag.latest) {
      latestAuto = true;
      break;
    }
    if (!t.maybe) break;
  }
  const made = read.flatMap((t) => t.values);
  if (flavor.latest === 'true' || (flavor.latest === 'auto' && latestAuto)) {
    made.push(sanitizeTag(`${flavor.prefixOnLatest ? flavor.prefix : ''}latest${flavor.suffixOnLatest ? flavor.suffix : ''}`));
  }
  const tags = [...new Set(made)];
  return names.flatMap((n) => tags.map((t) => `${n}:${t}`));
}
