// Maven builds of images (`pom.xml`). Three ways are read:
//  - exec-maven-plugin running the container tool (`<executable>docker</executable>` with `build -f Dockerfile -t …`
//    `<arguments>`): a `docker build` like one in a script, run in `<workingDirectory>` (spring-petclinic-microservices'
//    `buildDocker` profile, https://www.mojohaus.org/exec-maven-plugin/exec-mojo.html);
//  - Spotify's dockerfile-maven-plugin (`<repository>`, `<tag>`, `<contextDirectory>`, `<dockerfile>`,
//    https://github.com/spotify/dockerfile-maven) and fabric8's docker-maven-plugin images whose `<build>` names a
//    Dockerfile (`<dockerFile>`, `<dockerFileDir>`, `<contextDir>`, https://dmp.fabric8.io/#build-configuration);
//  - Jib (`jib-maven-plugin`, `<to><image>`) and Spring Boot's `build-image` goal (`<image><name>`), which build an image
//    without a Dockerfile: recorded so that `--explain` says where such an image comes from and that nothing here
//    builds it from a Dockerfile.
// A plugin named in `<build><plugins>` (the project's own, or inside a profile) takes its configuration from its own
// `<executions>`, else from `<pluginManagement>` of the pom or of its parents (`<parent><relativePath>`, default
// `../pom.xml`); `${…}` properties come from `<properties>` of the pom and its parents and Maven's own
// (`project.artifactId`, `project.basedir`, `project.build.directory`, `project.build.finalName`…). A property given
// only on the command line (`-Dx=…`) stays as written.
import path from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { lineIndex } from '../text.js';
import { recognize } from './commands.js';
import { evidenceAt, resolveIn } from './interpret.js';
import type { RepoEvidence } from './types.js';

interface XmlElement {
  name: string;
  children: XmlElement[];
  text: string;
  /** Offset of the start tag in the file. */
  offset: number;
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** A small XML reader for pom files: elements, text, comments, CDATA; attributes and namespaces are ignored. */
export function parseXml(text: string): XmlElement | undefined {
  const root: XmlElement = { name: '#document', children: [], text: '', offset: 0 };
  const stack = [root];
  const token = /<!--[\s\S]*?-->|<!\[CDATA\[([\s\S]*?)\]\]>|<\?[\s\S]*?\?>|<!DOCTYPE[^>]*>|<\/([\w.:-]+)\s*>|<([\w.:-]+)(?:\s[^>]*?)?(\/?)>|([^<]+)/g;
  let m: RegExpExecArray | null;
  while ((m = token.exec(text))) {
    const top = stack[stack.length - 1]!;
    if (m[1] !== undefined) top.text += m[1];
    else if (m[2] !== undefined) {
      if (top.name !== m[2] || stack.length === 1) return undefined;
      top.text = top.text.trim();
      stack.pop();
    } else if (m[3] !== undefined) {
      const el: XmlElement = { name: m[3].replace(/^.*:/, ''), children: [], text: '', offset: m.index };
      top.children.push(el);
      if (m[4] !== '/') stack.push(el);
    } else if (m[5] !== undefined) top.text += m[5].replace(/&(lt|gt|amp|quot|apos);/g, (_, e: string) => ENTITIES[e]!);
  }
  return stack.length === 1 ? root.children.find((c) => c.name === 'project') : undefined;
}

function child(el: XmlElement | undefined, name: string): XmlElement | undefined {
  return el?.children.find((c) => c.name === name);
}

function at(el: XmlElement | undefined, ...names: string[]): XmlElement | undefined {
  let cur = el;
  for (const n of names) cur = child(cur, n);
  return cur;
}

function childrenOf(el: XmlElement | undefined, name: string): XmlElement[] {
  return el?.children.filter((c) => c.name === name) ?? [];
}

interface Pom {
  file: string;
  text: string;
  project: XmlElement;
  parent?: Pom;
}

const MAX_PARENTS = 8;

function loadPom(file: string, root: string, text: string | undefined, depth: number, cache: Map<string, Pom | null>): Pom | undefined {
  const cached = cache.get(file);
  if (cached !== undefined) return cached ?? undefined;
  cache.set(file, null);
  let body = text;
  if (body === undefined) {
    try {
      body = readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
  }
  const project = parseXml(body);
  if (!project) return undefined;
  const pom: Pom = { file, text: body, project };
  const parentEl = child(project, 'parent');
  if (parentEl && depth < MAX_PARENTS) {
    const rel = child(parentEl, 'relativePath')?.text ?? '../pom.xml';
    let parentFile = rel ? path.resolve(path.dirname(file), rel) : undefined;
    if (parentFile && !parentFile.endsWith('.xml')) parentFile = path.join(parentFile, 'pom.xml');
    // Only a parent inside the repository, and the one the pom names (not some other project's pom above it).
    if (parentFile && parentFile.startsWith(root) && existsSync(parentFile)) {
      const parent = loadPom(parentFile, root, undefined, depth + 1, cache);
      if (parent && child(parent.project, 'artifactId')?.text === child(parentEl, 'artifactId')?.text) pom.parent = parent;
    }
  }
  cache.set(file, pom);
  return pom;
}

function chain(pom: Pom): Pom[] {
  const out: Pom[] = [];
  for (let p: Pom | undefined = pom; p && out.length <= MAX_PARENTS; p = p.parent) out.push(p);
  return out;
}

/** The pom's properties: Maven's own for this module, then `<properties>` of the pom over its parents'. */
function propertiesOf(pom: Pom): Map<string, string> {
  const props = new Map<string, string>();
  for (const p of chain(pom).reverse()) for (const el of at(p.project, 'properties')?.children ?? []) props.set(el.name, el.text);
  const dir = path.dirname(pom.file);
  const project = pom.project;
  const artifactId = child(project, 'artifactId')?.text ?? '';
  const version = child(project, 'version')?.text ?? at(project, 'parent', 'version')?.text ?? '';
  const groupId = child(project, 'groupId')?.text ?? at(project, 'parent', 'groupId')?.text ?? '';
  const buildDir = at(project, 'build', 'directory')?.text ?? path.join(dir, 'target');
  const own: [string, string][] = [
    ['basedir', dir],
    ['project.basedir', dir],
    ['project.artifactId', artifactId],
    ['project.groupId', groupId],
    ['project.version', version],
    ['project.name', child(project, 'name')?.text ?? artifactId],
    ['project.build.directory', buildDir],
    ['project.build.finalName', at(project, 'build', 'finalName')?.text ?? `${artifactId}-${version}`],
  ];
  for (const [k, v] of own) props.set(k, v);
  return props;
}

function expand(value: string, props: ReadonlyMap<string, string>): string {
  let out = value;
  for (let round = 0; round < 5 && out.includes('${'); round++) {
    const next = out.replace(/\$\{([\w.-]+)\}/g, (whole, name: string) => props.get(name) ?? whole);
    if (next === out) break;
    out = next;
  }
  return out;
}

/** `<build><plugins><plugin>` of the project and of its profiles (with the profile's id), in the pom and its parents (inherited). */
function usedPlugins(pom: Pom): { plugin: XmlElement; profile?: string; owner: Pom }[] {
  const out: { plugin: XmlElement; profile?: string; owner: Pom }[] = [];
  for (const p of chain(pom)) {
    for (const plugin of childrenOf(at(p.project, 'build', 'plugins'), 'plugin')) out.push({ plugin, owner: p });
    for (const profile of childrenOf(child(p.project, 'profiles'), 'profile'))
      for (const plugin of childrenOf(at(profile, 'build', 'plugins'), 'plugin')) out.push({ plugin, profile: child(profile, 'id')?.text, owner: p });
  }
  return out;
}

/** The `<pluginManagement>` definition of a plugin in the pom or its parents: the same profile's first, then the project's. */
function managedPlugin(pom: Pom, artifactId: string, profile: string | undefined): { plugin: XmlElement; owner: Pom } | undefined {
  for (const p of chain(pom)) {
    const places = [
      ...childrenOf(child(p.project, 'profiles'), 'profile')
        .filter((pr) => profile !== undefined && child(pr, 'id')?.text === profile)
        .map((pr) => at(pr, 'build', 'pluginManagement', 'plugins')),
      at(p.project, 'build', 'pluginManagement', 'plugins'),
    ];
    for (const place of places) {
      const found = childrenOf(place, 'plugin').find((pl) => child(pl, 'artifactId')?.text === artifactId);
      if (found) return { plugin: found, owner: p };
    }
  }
  return undefined;
}

/** Each configuration a plugin runs with: one per execution (its own over the plugin's), or the plugin's alone. */
function configurations(plugin: XmlElement): XmlElement[] {
  const base = child(plugin, 'configuration');
  const executions = childrenOf(child(plugin, 'executions'), 'execution');
  if (!executions.length) return base ? [base] : [];
  return executions.map((e) => {
    const own = child(e, 'configuration');
    if (!own) return base ?? { name: 'configuration', children: [], text: '', offset: e.offset };
    if (!base) return own;
    return { ...own, children: [...own.children, ...base.children.filter((b) => !own.children.some((o) => o.name === b.name))] };
  });
}

/** The goals a plugin's executions run (`build-image`, `push`). */
function goalsOf(plugin: XmlElement): string[] {
  return childrenOf(child(plugin, 'executions'), 'execution').flatMap((e) => childrenOf(child(e, 'goals'), 'goal').map((g) => g.text));
}

const CONTAINER_EXECUTABLES = new Set(['docker', 'podman', 'nerdctl', 'buildah']);

/** Read one pom.xml (and the parents it names) into `out`. */
export function readPom(ctx: { file: string; rel: string; root: string; text: string }, out: RepoEvidence, cache = new Map<string, Pom | null>()): void {
  const pom = loadPom(ctx.file, ctx.root, ctx.text, 0, cache);
  // A parent pom whose modules take its plugins is read through them; its own build runs them too, unless it only
  // aggregates (`<packaging>pom</packaging>`), where exec and the Dockerfile plugins still run: read it as well.
  if (!pom) return;
  const props = propertiesOf(pom);
  const lineOfFile = new Map<string, (o: number) => number>();
  const evidence = (owner: Pom, offset: number) => {
    let lineOf = lineOfFile.get(owner.file);
    if (!lineOf) lineOfFile.set(owner.file, (lineOf = lineIndex(owner.text)));
    const rel = owner === pom ? ctx.rel : path.posix.join(path.posix.dirname(ctx.rel), path.relative(path.dirname(ctx.file), owner.file).split(path.sep).join('/'));
    return evidenceAt({ file: owner.file, rel: path.posix.normalize(rel), source: 'maven', lineOf }, owner.text, offset);
  };
  const dir = path.dirname(ctx.file);
  const seen = new Set<string>();
  for (const { plugin, profile, owner } of usedPlugins(pom)) {
    const artifactId = child(plugin, 'artifactId')?.text ?? '';
    // The module's own declaration of a plugin wins over an inherited one of the same name.
    const key = `${profile ?? ''}/${artifactId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const hasOwn = child(plugin, 'executions') || child(plugin, 'configuration');
    const managed = hasOwn ? undefined : managedPlugin(pom, artifactId, profile);
    const definition = managed?.plugin ?? plugin;
    const definedIn = managed?.owner ?? owner;
    for (const conf of configurations(definition)) {
      const value = (name: string) => {
        const el = child(conf, name);
        return el ? expand(el.text, props) : undefined;
      };
      const where = evidence(definedIn, conf.offset);
      if (artifactId === 'exec-maven-plugin') {
        const executable = value('executable');
        if (!executable || !CONTAINER_EXECUTABLES.has(path.basename(executable))) continue;
        const argsEl = child(conf, 'arguments');
        const args = argsEl ? argsEl.children.map((a) => expand(a.text, props)) : (value('commandlineArgs') ?? '').split(/\s+/);
        const inv = recognize([executable, ...args.filter((a) => a !== '')].map((text) => ({ text, start: 0, dynamic: text.includes('${') })));
        if (inv?.kind !== 'build' || inv.context === undefined || inv.context.includes('${')) continue;
        const workDir = path.resolve(dir, value('workingDirectory') ?? '.');
        const context = path.resolve(workDir, inv.context);
        const dockerfile = inv.file === undefined ? resolveIn([context], 'Dockerfile') : inv.file.includes('${') ? undefined : resolveIn([workDir], inv.file);
        if (!dockerfile) continue;
        // The line of the command's executable, where the `docker build` is written.
        const line = evidence(definedIn, child(conf, 'executable')?.offset ?? conf.offset);
        out.builds.push({ dockerfile, context, target: inv.target, tags: inv.tags, push: inv.push, exportsFiles: inv.exportsFiles, via: `exec-maven-plugin (${inv.tool})`, ...(inv.args ? { args: inv.args } : {}), at: line });
      } else if (artifactId === 'dockerfile-maven-plugin') {
        const repository = value('repository');
        const context = path.resolve(dir, value('contextDirectory') ?? '.');
        const dockerfile = resolveIn([dir], value('dockerfile') ?? path.join(context, 'Dockerfile'));
        if (!repository || !dockerfile) continue;
        out.builds.push({ dockerfile, context, tags: [`${repository}:${value('tag') ?? 'latest'}`], push: goalsOf(definition).includes('push'), exportsFiles: false, via: 'dockerfile-maven-plugin', at: where });
      } else if (artifactId === 'docker-maven-plugin') {
        for (const image of childrenOf(child(conf, 'images'), 'image')) {
          const name = child(image, 'name')?.text;
          const build = child(image, 'build');
          if (!name || !build) continue;
          const b = (n: string) => (child(build, n) ? expand(child(build, n)!.text, props) : undefined);
          const contextRaw = b('contextDir') ?? b('dockerFileDir');
          const dockerFileRaw = b('dockerFile') ?? b('dockerfile');
          if (!contextRaw && !dockerFileRaw) {
            out.dockerlessImages.push({ image: expand(name, props), tool: 'docker-maven-plugin (assembly, no Dockerfile)', at: evidence(definedIn, image.offset) });
            continue;
          }
          const context = path.resolve(dir, contextRaw ?? 'src/main/docker');
          const dockerfile = resolveIn([context, dir], dockerFileRaw ?? 'Dockerfile');
          if (!dockerfile) continue;
          out.builds.push({ dockerfile, context, tags: [expand(name, props)], push: false, exportsFiles: false, via: 'docker-maven-plugin', at: evidence(definedIn, image.offset) });
        }
      } else if (artifactId === 'jib-maven-plugin') {
        out.dockerlessImages.push({ image: at(conf, 'to', 'image') ? expand(at(conf, 'to', 'image')!.text, props) : undefined, tool: 'jib-maven-plugin', at: where });
      } else if (artifactId === 'spring-boot-maven-plugin' && (at(conf, 'image') || goalsOf(definition).includes('build-image'))) {
        const name = at(conf, 'image', 'name');
        out.dockerlessImages.push({ image: name ? expand(name.text, props) : undefined, tool: 'spring-boot-maven-plugin build-image (buildpacks)', at: where });
      }
    }
  }
}
