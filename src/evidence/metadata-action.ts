// The tags docker/metadata-action makes (https://github.com/docker/metadata-action#tags-input, #flavor-input), as
// patterns: `type=semver,pattern={{version}}` is every release version (`1.9.6`), not a tag this repository names,
// so it is written with a placeholder (images.ts TAG_PLACEHOLDERS) that matches the versions only. Read so, a
// build-push-action given `${{ steps.meta.outputs.tags }}` is linked to the `docker run app:1.9.6` it pushes, and the
// `-alpine` variant of the same image (flavor `suffix=-alpine`) to the `app:1.9.6-alpine` uses only.
import { TAG_PLACEHOLDER } from '../images.js';

interface Flavor {
  latest: 'auto' | 'true' | 'false';
  prefix: string;
  suffix: string;
  prefixOnLatest: boolean;
  suffixOnLatest: boolean;
}

/** The attributes of one CSV line (`type=semver,pattern={{version}},prefix=v`); a line with no `=` is a raw value. */
function attributes(line: string): Map<string, string> {
  const fields = line.split(',').map((f) => f.trim());
  if (fields.length === 1 && !fields[0]!.includes('=')) return new Map([['type', 'raw'], ['value', fields[0]!]]);
  return new Map(fields.filter((f) => f.includes('=')).map((f) => [f.slice(0, f.indexOf('=')).trim(), f.slice(f.indexOf('=') + 1).trim()] as const));
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

/** The tag part one `tags:` line makes, prefix and suffix not yet applied; undefined: a type not read. */
function tagValue(attrs: Map<string, string>): string | undefined {
  const P = TAG_PLACEHOLDER;
  switch (attrs.get('type') ?? 'raw') {
    case 'raw':
      return attrs.get('value') || undefined;
    case 'semver':
    case 'pep440': {
      const pattern = attrs.get('value') ? undefined : attrs.get('pattern');
      if (!pattern) return undefined;
      return pattern.replace(/\{\{\s*(version|raw|major|minor|patch)\s*\}\}/g, (_, part: string) => P[part as 'version' | 'raw']);
    }
    case 'ref': {
      const event = attrs.get('event');
      return event === 'pr' ? `pr-${P.number}` : event === 'branch' || event === 'tag' ? P.any : undefined;
    }
    case 'sha':
      return attrs.get('format') === 'long' ? P.longSha : P.shortSha;
    case 'edge':
      return 'edge';
    case 'schedule':
      return attrs.get('pattern') && !/\{\{/.test(attrs.get('pattern')!) ? attrs.get('pattern') : attrs.get('pattern') ? P.any : 'nightly';
    default:
      return undefined; // type=match and the like: what the regex takes from the Git tag is not read
  }
}

const DEFAULT_TAGS = ['type=schedule', 'type=ref,event=branch', 'type=ref,event=tag', 'type=ref,event=pr'];

/**
 * The full tags (`appwrite/appwrite:${{semver.major}}.${{semver.minor}}`) a metadata-action step with these
 * `images`, `tags` and `flavor` inputs makes; undefined when a line is not read, so that the caller keeps the names.
 */
export function metadataActionTags(names: string[], tagsIn: string | undefined, flavorIn: string | undefined): string[] | undefined {
  if (!names.length) return undefined;
  const flavor = flavorOf(flavorIn);
  if (!flavor) return undefined;
  const made: string[] = [];
  let latestAuto = false;
  for (const line of tagsIn === undefined || !lines(tagsIn).length ? DEFAULT_TAGS : lines(tagsIn)) {
    if (line.includes('${{') && !/\bvalue=/.test(line) && !/\benable=\$\{\{/.test(line)) return undefined;
    const attrs = attributes(line);
    if (attrs.get('enable') === 'false') continue;
    const value = tagValue(attrs);
    if (value === undefined) return undefined;
    const type = attrs.get('type') ?? 'raw';
    // latest=auto adds `latest` for a Git tag's version (semver, pep440, match, ref event=tag).
    if (type === 'semver' || type === 'pep440' || (type === 'ref' && attrs.get('event') === 'tag')) latestAuto = true;
    // A line's own prefix and suffix replace the flavor's; type=sha's prefix is `sha-` unless given.
    const prefix = attrs.get('prefix') ?? (type === 'sha' ? 'sha-' : flavor.prefix);
    const suffix = attrs.get('suffix') ?? flavor.suffix;
    made.push(`${prefix}${value}${suffix}`);
  }
  if (flavor.latest === 'true' || (flavor.latest === 'auto' && latestAuto)) {
    made.push(`${flavor.prefixOnLatest ? flavor.prefix : ''}latest${flavor.suffixOnLatest ? flavor.suffix : ''}`);
  }
  const tags = [...new Set(made)];
  return names.flatMap((n) => tags.map((t) => `${n}:${t}`));
}
