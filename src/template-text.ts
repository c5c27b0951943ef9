// Template content under a plain name: Mailu's setup/flavors/compose/docker-compose.yml
// is Jinja ({% set %}, {{ flavor }}) that its setup wizard renders; zabbix's nginx.conf
// holds `server_tokens {EXPOSE_WEB_SERVER_INFO};`, which its entrypoint fills in with
// sed. Neither is the file that runs, so such a file is skipped with the line that
// shows it, not failed. Text that merely contains braces a template engine would
// use (a healthcheck's `docker inspect --format '{{.State.Health.Status}}'`, a
// traefik label's Go template) is not template syntax here and is processed.
import type { FileKind } from './types.js';

export interface TemplateSyntax {
  /** 1-based line of the first template syntax. */
  line: number;
  /** The syntax found, as written (`{% set env='mailu.env' %}`, `{EXPOSE_WEB_SERVER_INFO}`). */
  text: string;
  /** What kind of template it is, for the reason. */
  engine: string;
}

/** Jinja/Go-template/ERB tags, each with the engine it belongs to. */
const TAGS: { re: RegExp; engine: string }[] = [
  { re: /\{%-?\s*[\s\S]*?%\}|\{%/, engine: 'Jinja statement' },
  { re: /\{#[\s\S]*?#\}/, engine: 'Jinja comment' },
  { re: /\{\{-?[^{}]*\}\}|\{\{/, engine: 'Jinja or Go template expression' },
  { re: /<%[=-]?[\s\S]*?%>/, engine: 'ERB tag' },
];
/** `{EXPOSE_WEB_SERVER_INFO}`: a placeholder a script replaces (nginx's own `${var}` is not one). */
const NGINX_PLACEHOLDER = /(?<![$\w])\{[A-Z][A-Z0-9_]*\}/;

function firstTag(text: string): { text: string; engine: string } | undefined {
  let best: { at: number; text: string; engine: string } | undefined;
  for (const t of TAGS) {
    const m = t.re.exec(text);
    if (m && (!best || m.index < best.at)) best = { at: m.index, text: m[0], engine: t.engine };
  }
  return best;
}

/**
 * A YAML line without what YAML reads as text of its own: quoted scalars and
 * comments are blanked out, so a `{{` there is a string's content, not a tag.
 */
function yamlCode(line: string): string {
  let out = '';
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote && quote === "'" && line[i + 1] === "'") i++;
      else if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
      out += ' ';
      continue;
    }
    if ((c === '"' || c === "'") && /(^|[\s:[{,-])$/.test(line.slice(0, i))) {
      quote = c;
      out += ' ';
      continue;
    }
    if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) break;
    out += c;
  }
  return out;
}

/**
 * The first template syntax in a file of this kind, or undefined. `loose`
 * (the file failed to parse as what its name says): a tag anywhere outside
 * quotes and comments counts. Otherwise only where the tag stands in for
 * structure: a whole value or a line of its own in YAML (`image: {{ x }}`,
 * `{% if %}`), a line of its own in a Dockerfile; a plain scalar that holds a
 * tag mid-text (a label `Host(\`{{ .Name }}\`)`) is a string compose accepts.
 */
export function templateSyntax(kind: FileKind, text: string, loose: boolean): TemplateSyntax | undefined {
  if (kind !== 'compose' && kind !== 'nginx' && kind !== 'dockerfile') return undefined;
  if (!/[{<]/.test(text)) return undefined;
  const lines = text.split('\n');
  let block: number | undefined; // indentation of the key whose block scalar (| or >) is being read
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    const found = (t: { text: string; engine: string }): TemplateSyntax => ({ line: i + 1, text: t.text.trim(), engine: t.engine });
    if (kind === 'compose') {
      const indent = /^ */.exec(line)![0].length;
      if (block !== undefined) {
        if (line.trim() === '' || indent > block) continue; // block scalar content is text
        block = undefined;
      }
      const code = yamlCode(line);
      if (/:\s*[|>][-+0-9]*\s*$|^\s*-\s*[|>][-+0-9]*\s*$/.test(code)) block = indent;
      const tag = firstTag(code);
      if (!tag) continue;
      if (loose) return found(tag);
      const at = code.indexOf(tag.text);
      // Where YAML expects a value or an item: line start, after `- `, after `key: `.
      if (/^\s*(-\s+)*([^\s#][^:]*:\s+)?$/.test(code.slice(0, at))) return found(tag);
      continue;
    }
    if (kind === 'nginx') {
      if (!loose) return undefined; // nginx reads `{` as a block: a template there fails to parse first
      const code = line.replace(/(^|\s)#.*$/, '');
      const tag = firstTag(code);
      if (tag) return found(tag);
      const ph = NGINX_PLACEHOLDER.exec(code);
      if (ph) return found({ text: ph[0], engine: 'placeholder a script replaces' });
      continue;
    }
    // Dockerfile: a tag that opens a line stands where an instruction would (a `{% if %}` block).
    const tag = /^\s*(\{%|\{#|<%)/.test(line) ? firstTag(line) : undefined;
    if (tag) return found(tag);
  }
  return undefined;
}
