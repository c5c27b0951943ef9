// Which GitHub repository or GitLab project a checkout is, read from its Git
// configuration: what its CI sees as `${{ github.repository }}` and
// $GITHUB_REPOSITORY, or $CI_REGISTRY_IMAGE and $CI_PROJECT_PATH. The GitHub
// template for publishing images names them `${{ env.REGISTRY }}/${{ env.IMAGE_NAME }}`
// with IMAGE_NAME `${{ github.repository }}`, and GitLab's template tags
// `$CI_REGISTRY_IMAGE`: without these the image CI builds matches no compose `image:`.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export interface GithubRepo {
  owner: string;
  name: string;
}

const remotesCache = new Map<string, Map<string, string>>();

/** The remotes of the checkout at `root` (none when it is not one, or its .git cannot be read). */
function remotesOf(root: string): Map<string, string> {
  let found = remotesCache.get(root);
  if (!found) {
    try {
      const config = gitConfigPath(root);
      found = config ? remoteUrls(readFileSync(config, 'utf8')) : new Map();
    } catch {
      found = new Map(); // an unreadable or odd .git says nothing
    }
    remotesCache.set(root, found);
  }
  return found;
}

/** The `origin` remote read by `parse`, or the only remote it can read; undefined otherwise. */
function pickRemote<T>(root: string, parse: (url: string) => T | undefined): T | undefined {
  const read = [...remotesOf(root)].flatMap(([remote, url]) => {
    const value = parse(url);
    return value === undefined ? [] : [{ remote, value }];
  });
  return (read.find((r) => r.remote === 'origin') ?? (read.length === 1 ? read[0] : undefined))?.value;
}

/** The GitHub repository `root` is a checkout of, by its `origin` remote (or its only GitHub remote). */
export function githubRepoOf(root: string): GithubRepo | undefined {
  return pickRemote(root, githubSlug);
}

/** The gitlab.com project path (`group/sub/project`) `root` is a checkout of, by its `origin` remote (or its only one there). */
export function gitlabProjectOf(root: string): string | undefined {
  return pickRemote(root, gitlabPath);
}

/** `.git/config`, or for a worktree or submodule (`.git` is a file: `gitdir: …`) the config of the repository it belongs to. */
function gitConfigPath(root: string): string | undefined {
  const dotGit = path.join(root, '.git');
  if (!existsSync(dotGit)) return undefined;
  if (statSync(dotGit).isDirectory()) {
    const config = path.join(dotGit, 'config');
    return existsSync(config) ? config : undefined;
  }
  const m = /^gitdir:\s*(.+?)\s*$/m.exec(readFileSync(dotGit, 'utf8'));
  if (!m) return undefined;
  const gitDir = path.resolve(root, m[1]!);
  // A linked worktree's own folder names the repository's (`commondir`), which holds the config.
  const commonFile = path.join(gitDir, 'commondir');
  const common = existsSync(commonFile) ? path.resolve(gitDir, readFileSync(commonFile, 'utf8').trim()) : gitDir;
  const config = path.join(common, 'config');
  return existsSync(config) ? config : undefined;
}

/** `[remote "name"]` sections and their `url`s (the first url of a remote, as git fetches from it). */
export function remoteUrls(config: string): Map<string, string> {
  const out = new Map<string, string>();
  let remote: string | undefined;
  for (const raw of config.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[\s*([A-Za-z0-9.-]+)(?:\s+"((?:[^"\\]|\\.)*)")?\s*\]/.exec(line);
    if (section) {
      remote = section[1]!.toLowerCase() === 'remote' ? section[2] : undefined;
      continue;
    }
    const kv = /^([A-Za-z][A-Za-z0-9-]*)\s*=\s*(.*)$/.exec(line);
    if (remote !== undefined && kv && kv[1]!.toLowerCase() === 'url' && !out.has(remote)) out.set(remote, unquote(kv[2]!));
  }
  return out;
}

function unquote(v: string): string {
  const t = v.replace(/\s+[#;].*$/, '').trim();
  return t.startsWith('"') && t.endsWith('"') && t.length >= 2 ? t.slice(1, -1) : t;
}

/**
 * owner/name of a GitHub remote URL: `https://github.com/o/n(.git)`,
 * `git@github.com:o/n.git`, `ssh://git@github.com/o/n`, `git://github.com/o/n`,
 * and GitHub Enterprise hosts named github.* or *.github.*.
 */
export function githubSlug(url: string): { owner: string; name: string } | undefined {
  const m =
    /^(?:[a-z+]+:\/\/)?(?:[^@/\s]+@)?([^/:\s]+)(?::\d+)?[/:]([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)(?:\.git)?\/?$/.exec(url.trim());
  if (!m) return undefined;
  const host = m[1]!.toLowerCase();
  if (!/(^|\.)github\./.test(host)) return undefined;
  return { owner: m[2]!, name: m[3]! };
}

/**
 * The project path of a gitlab.com remote URL (`https://gitlab.com/g/sub/p.git`,
 * `git@gitlab.com:g/p.git`). Only gitlab.com: a self-managed instance's
 * registry host is its own setting, not readable here.
 */
export function gitlabPath(url: string): string | undefined {
  const m = /^(?:[a-z+]+:\/\/)?(?:[^@/\s]+@)?([^/:\s]+)(?::\d+)?[/:]((?:[A-Za-z0-9_.-]+\/)+[A-Za-z0-9_.-]+?)(?:\.git)?\/?$/.exec(url.trim());
  if (!m || m[1]!.toLowerCase() !== 'gitlab.com') return undefined;
  return m[2]!;
}

/** GitLab's predefined variables about the project, for a gitlab.com project path. */
export function gitlabVariables(projectPath: string | undefined): Map<string, string> {
  const vars = new Map<string, string>();
  if (!projectPath) return vars;
  const cut = projectPath.lastIndexOf('/');
  vars.set('CI_PROJECT_PATH', projectPath);
  vars.set('CI_PROJECT_NAMESPACE', projectPath.slice(0, cut));
  vars.set('CI_PROJECT_NAME', projectPath.slice(cut + 1));
  vars.set('CI_REGISTRY', 'registry.gitlab.com');
  // GitLab lower-cases the path in the registry's image name.
  vars.set('CI_REGISTRY_IMAGE', `registry.gitlab.com/${projectPath.toLowerCase()}`);
  return vars;
}

/**
 * The `github` context a workflow of this repository sees, as `${{ … }}`
 * expressions to their values, and the runner's variables. Image names must be
 * lower case for docker, so the names a workflow can have built are these lower-cased.
 * A repository known by its owner only (a workflow's `github.repository_owner == 'org'`) sets the owner's.
 */
export function githubContext(repo: { owner: string; name?: string } | undefined): { expressions: Map<string, string>; vars: Map<string, string> } {
  const expressions = new Map<string, string>();
  const vars = new Map<string, string>();
  if (!repo) return { expressions, vars };
  const owner = repo.owner.toLowerCase();
  expressions.set('github.repository_owner', owner);
  vars.set('GITHUB_REPOSITORY_OWNER', owner);
  if (repo.name === undefined) return { expressions, vars };
  const slug = `${repo.owner}/${repo.name}`.toLowerCase();
  expressions.set('github.repository', slug);
  expressions.set('github.event.repository.name', repo.name.toLowerCase());
  vars.set('GITHUB_REPOSITORY', slug);
  return { expressions, vars };
}

/**
 * The repository a workflow says it runs in, when the checkout has no GitHub remote (an export, a tarball): upstream
 * workflows guard their publishing jobs so that forks skip them (`if: github.repository == 'hedgedoc/container'`,
 * `github.repository_owner == 'Mailu'`, `github.event.repository.owner.login`). One value only: a workflow naming two
 * repositories (an upstream and a fork it tolerates) says nothing certain. Its owner alone when only that is named.
 */
export function workflowRepository(text: string): { owner: string; name?: string } | undefined {
  const slugs = new Set<string>();
  const owners = new Set<string>();
  const quoted = `(?:'([^'\\s]+)'|"([^"\\s]+)")`;
  const compare = (key: string) => new RegExp(`(?:\\b${key}\\s*==\\s*${quoted})|(?:${quoted}\\s*==\\s*${key}\\b)`, 'g');
  for (const m of text.matchAll(compare('github\\.repository(?![\\w.])'))) {
    const v = m[1] ?? m[2] ?? m[3] ?? m[4];
    if (v && /^[\w.-]+\/[\w.-]+$/.test(v)) slugs.add(v.toLowerCase());
  }
  for (const m of text.matchAll(compare('github\\.(?:repository_owner|event\\.repository\\.owner\\.login)(?![\\w.])'))) {
    const v = m[1] ?? m[2] ?? m[3] ?? m[4];
    if (v && /^[\w.-]+$/.test(v)) owners.add(v.toLowerCase());
  }
  if (slugs.size === 1) {
    const [owner, name] = [...slugs][0]!.split('/') as [string, string];
    if (owners.size === 0 || (owners.size === 1 && owners.has(owner))) return { owner, name };
    return undefined;
  }
  if (slugs.size === 0 && owners.size === 1) return { owner: [...owners][0]! };
  return undefined;
}

/** `${{ github.repository }}` and the like replaced where the context knows them; other expressions stay. */
export function withGithubContext(v: string, expressions: ReadonlyMap<string, string>): string {
  if (expressions.size === 0 || !v.includes('${{')) return v;
  return v.replace(/\$\{\{[ \t]*([A-Za-z_][\w.-]*)[ \t]*\}\}/g, (whole, key: string) => expressions.get(key) ?? whole);
}
