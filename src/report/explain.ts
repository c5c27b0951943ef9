// `docker-harden --explain`: the project model as a person needs it, like
// ESLint's --print-config. Compose projects and their files, services with
// their image, Dockerfile and target, the role of each Dockerfile and stage,
// the images built here, and for every link the evidence as file:line. The
// JSON shape is docs/explain.schema.json (bump EXPLAIN_SCHEMA_VERSION on any
// incompatible change).
import path from 'node:path';
import { colors } from './colors.js';
import type { Project, ServiceLink } from '../model.js';
import { relPath } from '../model.js';
import type { Evidence } from '../evidence/types.js';
import type { FileError } from '../read.js';
import { serviceEvidence } from '../roles.js';
import { commentedBuild } from '../commented-build.js';
import { whereItBelongs, whyGenerated } from '../generated.js';
import type { SkippedByName } from '../driver.js';
import { buildsOfTag, type BuiltImage } from '../images.js';

export const EXPLAIN_SCHEMA_VERSION = 1;

export interface ExplainEvidence {
  file: string;
  line: number;
  source: Evidence['source'];
  text: string;
}

export interface ExplainJson {
  schemaVersion: number;
  composeProjects: {
    id: string;
    files: string[];
    directory: string;
    how: 'evidence' | 'default' | 'structure' | 'include';
    reason: string;
    evidence: ExplainEvidence[];
    includes: string[];
    includedBy: string[];
    projectName: string | null;
    profiles: string[];
    unresolved: string[];
  }[];
  composeFiles: {
    file: string;
    mode: 'standalone' | 'override' | 'both';
    projects: string[];
    reason: string;
    evidence: ExplainEvidence[];
    /** Set when swarm deploys the file as a stack (`docker stack deploy`, or a stack file's structure). */
    swarm?: { how: 'evidence' | 'structure'; reason: string; alsoCompose: boolean; evidence: ExplainEvidence[] };
    /** A devcontainer.json lists it, but the repository's commands run it as its stack: the listing, then those commands. */
    devcontainerAlsoStack?: ExplainEvidence[];
  }[];
  services: {
    id: string;
    file: string;
    name: string;
    image: string | null;
    dockerfile: string | null;
    target: string | null;
    context: string | null;
    /** Where its build comes from when not its own `build:`. */
    buildFrom: { kind: 'override' | 'image-tag' | 'base'; service: string | null; evidence: ExplainEvidence[] } | null;
    base: string | null;
    overrides: string[];
    extends: string | null;
    leftAlone: { role: string; reason: string; evidence: ExplainEvidence[] } | null;
    /** Set when the service has `image:` and a commented-out `build:` beside it: a hint for people, never used. */
    commentedBuild?: { line: number; text: string; dockerfile: string | null; dockerfileExists: boolean };
  }[];
  dockerfiles: {
    file: string;
    role: string;
    reason: string;
    evidence: ExplainEvidence[];
    contexts: string[];
    namedContexts: { name: string; value: string; evidence: ExplainEvidence }[];
    builds: { via: string; target: string | null; tags: string[]; runs: string | null; exportsFiles: boolean; evidence: ExplainEvidence }[];
    stages: { index: number; name: string | null; role: string; image: boolean; hardened: boolean; reason: string; evidence: ExplainEvidence[] }[];
  }[];
  images: { tag: string; dockerfile: string; target: string | null; context: string; via: string; evidence: ExplainEvidence }[];
  /**
   * For each image tag the repository runs (a compose service's `image:` with no `build:` of its own, a `docker run`)
   * that builds here name, the builds behind it; and each build whose tag can link to nothing, with why (`note`).
   */
  tagLinks: { tag: string; usedBy: ExplainEvidence[]; builds: { dockerfile: string; target: string | null; via: string; evidence: ExplainEvidence }[]; linked: boolean; note: string | null }[];
  /** Files a generator writes (src/generated.ts): read, never edited, so none of their fixes is applied. */
  generatedFiles: { file: string; reason: string; template: string | null; generator: string | null; changeIn: string; evidence: ExplainEvidence[] }[];
  /** Files not hardened because they are templates (by name, by folder, by content) or excluded. */
  skippedFiles: { file: string; kind: 'template-content' | SkippedByName['kind']; reason: string; line: number | null }[];
  evidenceFiles: string[];
  /** CI jobs and steps whose `if:` is always false: never run, so what they build is not evidence. */
  neverRun: { what: string; key: string; condition: string; builds: string[]; evidence: ExplainEvidence }[];
  /** Dockerfiles given to actions of other repositories under their own input names: what those build is not known. */
  unreadBuilds: { action: string; input: string; dockerfile: string; evidence: ExplainEvidence }[];
  dockerlessImages: { image: string | null; tool: string; evidence: ExplainEvidence }[];
  errors: { path: string; line?: number; message: string }[];
}

export function explainData(project: Project, errors: FileError[] = project.errors, skipped: SkippedByName[] = []): ExplainJson {
  const rel = (p: string) => relPath(project.cwd, p);
  const relDir = (p: string) => (p === project.cwd ? '.' : rel(p));
  const ev = (e: Evidence): ExplainEvidence => ({ file: e.rel, line: e.line, source: e.source, text: e.text });
  const layout = project.layout;
  return {
    schemaVersion: EXPLAIN_SCHEMA_VERSION,
    composeProjects: project.composeProjects.map((p) => ({
      id: p.id,
      files: p.rels,
      directory: relDir(p.directory),
      how: p.how,
      reason: p.reason,
      evidence: p.evidence.map(ev),
      includes: p.includes,
      includedBy: p.includedBy,
      projectName: p.projectName ?? null,
      profiles: p.profiles,
      unresolved: p.unresolved,
    })),
    composeFiles: project.composes.map((c) => {
      const u = layout.compose.uses.get(c.path);
      const swarm = u?.swarm ? { swarm: { how: u.swarm.how, reason: u.swarm.reason, alsoCompose: u.swarm.alsoCompose, evidence: u.swarm.evidence.map(ev) } } : {};
      const alsoStack = layout.devcontainerAlsoStack.get(c.path);
      const devcontainer = alsoStack ? { devcontainerAlsoStack: alsoStack.map(ev) } : {};
      return { file: c.rel, mode: u?.mode ?? 'standalone', projects: u?.projects ?? [], reason: u?.reason ?? 'used alone', evidence: (u?.evidence ?? []).map(ev), ...swarm, ...devcontainer };
    }),
    services: project.services.map((s) => ({
      id: s.id,
      file: s.compose.rel,
      name: s.name,
      image: s.image ?? null,
      dockerfile: s.build ? rel(s.build.dockerfile) : null,
      target: s.build?.target ?? null,
      context: s.build ? relDir(s.build.context) : null,
      buildFrom: buildFrom(s, ev),
      base: s.base?.id ?? null,
      overrides: s.overrides.map((o) => o.id),
      extends: s.extends?.id ?? null,
      leftAlone: s.leftAlone ? { role: s.leftAlone.role, reason: s.leftAlone.reason, evidence: s.leftAlone.evidence.map(ev) } : null,
      ...commentedBuildField(s, project, rel),
    })),
    dockerfiles: project.dockerfiles.map((df) => {
      const use = layout.roles.get(df.path);
      return {
        file: df.rel,
        role: use?.role ?? 'runtime',
        reason: use?.reason ?? '',
        evidence: (use?.evidence ?? []).map(ev),
        contexts: (project.contexts.get(df.path) ?? []).map(relDir),
        namedContexts: (project.namedContexts.get(df.path) ?? []).map((n) => ({ name: n.name, value: path.isAbsolute(n.value) ? relDir(n.value) : n.value, evidence: ev(n.at) })),
        builds: (use?.builds ?? []).map((b) => ({ via: b.via, target: b.target ?? null, tags: b.tags, runs: b.runs ?? null, exportsFiles: b.exportsFiles, evidence: ev(b.at) })),
        stages: (use?.stages ?? []).map((st) => ({
          index: st.index,
          name: st.name ?? null,
          role: st.role,
          image: st.image,
          hardened: st.hardened,
          reason: st.reason,
          evidence: st.evidence.map(ev),
        })),
      };
    }),
    images: project.images.all.map((i) => ({ tag: i.tag, dockerfile: rel(i.dockerfile), target: i.target ?? null, context: relDir(i.context), via: i.via, evidence: ev(i.at) })),
    tagLinks: tagLinks(project, rel, ev),
    generatedFiles: [...layout.generated]
      .map(([file, g]) => ({
        file: rel(file),
        reason: whyGenerated(g, file, rel),
        template: g.template ? rel(g.template) : null,
        generator: g.generator ? rel(g.generator) : null,
        changeIn: whereItBelongs(g, rel),
        evidence: [ev(g.evidence)],
      }))
      .sort(byFile),
    skippedFiles: [
      ...layout.templates.map((t) => ({ file: rel(t.file), kind: 'template-content' as const, reason: t.message, line: t.line ?? null })),
      ...skipped.map((s) => ({ file: rel(s.file), kind: s.kind, reason: s.reason, line: null })),
    ].sort(byFile),
    evidenceFiles: layout.evidence.filesRead.map(rel),
    neverRun: layout.evidence.neverRun.map((n) => ({ what: n.what, key: n.key ?? 'if', condition: n.condition, builds: [...new Set(n.builds.map((b) => rel(b.dockerfile)))], evidence: ev(n.at) })),
    unreadBuilds: layout.evidence.unreadBuilds.map((u) => ({ action: u.action, input: u.input, dockerfile: rel(u.dockerfile), evidence: ev(u.at) })),
    dockerlessImages: layout.evidence.dockerlessImages.map((u) => ({ image: u.image ?? null, tool: u.tool, evidence: ev(u.at) })),
    errors: errors.map((e) => ({ path: rel(e.file), ...(e.line ? { line: e.line } : {}), message: e.message })),
  };
}

/**
 * The tags the repository runs that its builds name, each with those builds (linked: they agree on one Dockerfile and
 * target), then the builds whose tag links to nothing: a CI expression in the image's name not settled
 * (src/images.ts ciPlaceholderNames), or a name that is only a variable.
 */
function tagLinks(project: Project, rel: (p: string) => string, ev: (e: Evidence) => ExplainEvidence): ExplainJson['tagLinks'] {
  const uses = new Map<string, Evidence[]>();
  const use = (tag: string, at: Evidence) => uses.set(tag, [...(uses.get(tag) ?? []), at]);
  for (const s of project.services) {
    // A service with a build of its own (or its base's, an override's) builds the tag; it does not run someone's build of it.
    if (!s.image || s.base || s.buildFrom || (s.build && !s.builtImage && !s.builtImageAlternatives)) continue;
    use(s.image, { ...serviceEvidence(s), text: `service ${s.name}: image ${s.image}` });
  }
  for (const u of project.layout.evidence.imageUses) if (u.kind === 'run') use(u.image, u.at);
  const build = (b: BuiltImage) => ({ dockerfile: rel(b.dockerfile), target: b.target ?? null, via: b.via, evidence: ev(b.at) });
  const out: ExplainJson['tagLinks'] = [];
  for (const [tag, at] of uses) {
    const { builds, linked } = buildsOfTag(project.images, tag);
    if (!builds.length) continue;
    const sources = [...new Set(builds.map((b) => `${rel(b.dockerfile)}${b.target ? ` (target ${b.target})` : ''}`))];
    out.push({
      tag,
      usedBy: at.map(ev),
      builds: builds.map(build),
      linked: !!linked,
      note: linked ? null : `${sources.length} builds here are tagged so, from ${sources.join(' and ')}; which one the tag holds depends on which build ran last: not linked`,
    });
  }
  for (const p of project.layout.ciPlaceholders) if (!p.resolved) out.push({ tag: p.build.tag, usedBy: [], builds: [build(p.build)], linked: false, note: p.note });
  for (const b of project.images.all) {
    if (project.layout.ciPlaceholders.some((p) => p.build === b) || !unlinkableName(b.tag)) continue;
    out.push({ tag: b.tag, usedBy: [], builds: [build(b)], linked: false, note: `the image's name is only a variable (${b.tag}), not known here: no image is linked to this build` });
  }
  return out;
}

/** A tag whose image name is only variables, with no literal part left to match (`$IMAGE:1`, `${REPO}`). */
function unlinkableName(tag: string): boolean {
  const name = tag.replace(/:[^/:]*$/, '');
  const last = name.replace(/\$\{\{[^}]*\}\}|\$\{[^}]*\}|\$\([^()]*\)|\$[A-Za-z_]\w*/g, '').split('/').pop() ?? '';
  return name.includes('$') && !/[a-z0-9]/i.test(last) && !/\$\{[A-Za-z_]\w*:?-[^${}]+\}/.test(name);
}

function byFile(a: { file: string }, b: { file: string }): number {
  return a.file < b.file ? -1 : a.file > b.file ? 1 : 0;
}

/** The commented-out `build:` beside a service's `image:` (src/commented-build.ts), for people reading --explain. */
function commentedBuildField(s: ServiceLink, project: Project, rel: (p: string) => string): { commentedBuild?: ExplainJson['services'][number]['commentedBuild'] } {
  const b = commentedBuild(s);
  if (!b) return {};
  return { commentedBuild: { line: b.line, text: b.text, dockerfile: b.dockerfile ? rel(b.dockerfile) : null, dockerfileExists: !!b.dockerfile && project.files.get(b.dockerfile)?.kind === 'dockerfile' } };
}

function buildFrom(s: ServiceLink, ev: (e: Evidence) => ExplainEvidence): ExplainJson['services'][number]['buildFrom'] {
  if (s.buildFrom) return { kind: 'override', service: s.buildFrom.id, evidence: [ev(evidenceOfService(s.buildFrom))] };
  if (s.builtImage) return { kind: 'image-tag', service: null, evidence: [ev(s.builtImage.at)] };
  if (s.base && s.build && s.node.data.build === undefined) return { kind: 'base', service: s.base.id, evidence: [ev(evidenceOfService(s.base))] };
  return null;
}

function evidenceOfService(s: ServiceLink): Evidence {
  return { ...serviceEvidence(s), text: `service ${s.name}` };
}

export function explainJson(project: Project, errors?: FileError[], skipped?: SkippedByName[]): string {
  return JSON.stringify(explainData(project, errors, skipped), null, 2) + '\n';
}

/** The same data for people: one section per kind of link, evidence under each. */
export function explainText(project: Project, color = false, errors?: FileError[], skipped?: SkippedByName[]): string {
  const d = explainData(project, errors, skipped);
  const c = color ? colors() : { bold: (s: string) => s, dim: (s: string) => s, cyan: (s: string) => s, yellow: (s: string) => s, red: (s: string) => s, green: (s: string) => s };
  const lines: string[] = [];
  const at = (e: ExplainEvidence) => `${e.file}:${e.line}`;
  const evLines = (list: ExplainEvidence[], indent: string) => {
    const seen = new Set<string>();
    for (const e of list) {
      const key = `${at(e)} ${e.text}`;
      if (seen.has(key)) continue;
      seen.add(key);
      lines.push(`${indent}${c.dim(`${at(e)}  (${e.source})  ${e.text}`)}`);
    }
  };
  const heading = (s: string, n: number) => lines.push('', c.bold(`${s} (${n})`));

  heading('Compose projects', d.composeProjects.length);
  for (const p of d.composeProjects) {
    const inc = p.includedBy.length ? `, runs as part of ${p.includedBy.join(', ')}` : '';
    lines.push(`  ${c.cyan(p.files.join(' + '))}  ${c.dim(`[${p.how}${inc}]`)}`);
    lines.push(`    ${p.reason}`);
    if (p.projectName) lines.push(`    project name: ${p.projectName}`);
    if (p.profiles.length) lines.push(`    profiles: ${p.profiles.join(', ')}`);
    if (p.includes.length) lines.push(`    includes: ${p.includes.join('; ')}`);
    if (p.unresolved.length) lines.push(`    ${c.yellow(`not found: ${p.unresolved.join(', ')}`)}`);
    evLines(p.evidence, '      ');
  }

  heading('Compose files', d.composeFiles.length);
  for (const f of d.composeFiles) {
    lines.push(`  ${c.cyan(f.file)}  ${f.mode}: ${f.reason}`);
    if (f.swarm) lines.push(`    swarm stack${f.swarm.alsoCompose ? ' (compose runs it too)' : ''}: ${f.swarm.reason}`);
    if (f.devcontainerAlsoStack) {
      const [listed, ...runs] = f.devcontainerAlsoStack;
      lines.push(`    not a dev container's file: ${listed!.file}:${listed!.line} lists it, and the project runs it as its stack`);
      for (const r of runs.slice(0, 3)) lines.push(`      ${c.cyan(`${r.file}:${r.line}`)}  (${r.source})  ${r.text}`);
      if (runs.length > 3) lines.push(`      … and ${runs.length - 3} more`);
    }
  }

  heading('Services', d.services.length);
  for (const s of d.services) {
    const parts: string[] = [];
    if (s.image) parts.push(`image ${s.image}`);
    if (s.dockerfile) parts.push(`builds ${s.dockerfile}${s.target ? ` (target ${s.target})` : ''}${s.context ? `, context ${s.context}` : ''}`);
    if (!s.image && !s.dockerfile) parts.push('no image or build');
    lines.push(`  ${c.cyan(s.id)}  ${parts.join('; ')}`);
    if (s.base) lines.push(`    override of ${s.base} (partial: fixes go there)`);
    if (s.overrides.length) lines.push(`    overridden by ${s.overrides.join(', ')}`);
    if (s.extends) lines.push(`    extends ${s.extends}`);
    if (s.buildFrom) {
      const what = s.buildFrom.kind === 'override' ? `build from override ${s.buildFrom.service}` : s.buildFrom.kind === 'image-tag' ? `image built in this repository` : `build from ${s.buildFrom.service}`;
      lines.push(`    ${what}`);
      evLines(s.buildFrom.evidence, '      ');
    }
    if (s.leftAlone) {
      lines.push(`    ${c.yellow(`left alone: ${s.leftAlone.role}, ${s.leftAlone.reason}`)}`);
      evLines(s.leftAlone.evidence, '      ');
    }
    if (s.commentedBuild) {
      const b = s.commentedBuild;
      const df = b.dockerfile ? `: it would build ${b.dockerfile}${b.dockerfileExists ? '' : ' (not here)'}` : '';
      lines.push(`    build commented out (# ${b.text})${df}; a hint only, not used to link the service  ${c.cyan(`${s.file}:${b.line}`)}`);
    }
  }

  heading('Dockerfiles', d.dockerfiles.length);
  for (const df of d.dockerfiles) {
    const hardened = df.stages.some((s) => s.hardened);
    lines.push(`  ${c.cyan(df.file)}  ${hardened ? c.green(df.role) : c.yellow(df.role)}: ${df.reason}`);
    if (df.contexts.length) lines.push(`    context: ${df.contexts.join(', ')}`);
    for (const n of df.namedContexts) lines.push(`    named context ${n.name}: ${n.value}  ${c.cyan(`${n.evidence.file}:${n.evidence.line}`)}`);
    const composeRuns = df.builds.filter((b) => b.runs === 'compose');
    if (composeRuns.length > 3) {
      const names = composeRuns.map((b) => b.via.replace(/^compose service /, ''));
      lines.push(`    run by compose services ${names.slice(0, 3).join(', ')} and ${names.length - 3} more  ${c.dim(composeRuns.slice(0, 3).map((b) => at(b.evidence)).join(', '))}`);
    }
    for (const b of df.builds) {
      if (composeRuns.length > 3 && b.runs === 'compose') continue;
      const tags = b.tags.length ? ` -t ${b.tags.join(' -t ')}` : '';
      const how = b.runs ? `, ${b.runs === 'compose' ? 'run by compose' : b.runs === 'push' ? 'pushed' : 'run'}` : b.exportsFiles ? ', exports files' : '';
      lines.push(`    built by ${b.via}${b.target ? ` --target ${b.target}` : ''}${tags}${how}  ${c.dim(at(b.evidence))}`);
    }
    if (df.stages.length > 1 || df.stages.some((s) => s.role !== df.role)) {
      for (const st of df.stages) {
        const label = st.name ?? String(st.index);
        const mark = st.hardened ? c.green('hardened') : c.dim(st.image ? 'left alone' : 'not an image');
        lines.push(`    stage ${label}: ${st.role} (${mark}) ${st.reason}`);
      }
    } else if (df.stages[0]) {
      lines.push(`    ${df.stages[0].hardened ? c.green('hardened') : c.yellow('left alone')}`);
    }
    evLines(df.evidence.slice(0, 6), '      ');
    if (df.evidence.length > 6) lines.push(`      ${c.dim(`… and ${df.evidence.length - 6} more`)}`);
  }

  heading('Images built here', d.images.length);
  for (const i of d.images) {
    lines.push(`  ${c.cyan(i.tag)}  ${i.dockerfile}${i.target ? ` (target ${i.target})` : ''}, context ${i.context}  by ${i.via}  ${c.dim(at(i.evidence))}`);
  }

  if (d.tagLinks.length) {
    heading('Image tags and the builds behind them', d.tagLinks.length);
    for (const t of d.tagLinks) {
      const used = t.usedBy.length ? `  used at ${t.usedBy.slice(0, 3).map(at).join(', ')}${t.usedBy.length > 3 ? ` and ${t.usedBy.length - 3} more` : ''}` : '';
      lines.push(`  ${c.cyan(t.tag)}${t.linked ? '' : `  ${c.yellow('not linked')}`}${c.dim(used)}`);
      for (const b of t.builds) lines.push(`    ${b.dockerfile}${b.target ? ` (target ${b.target})` : ''} by ${b.via}  ${c.dim(at(b.evidence))}`);
      if (t.note) lines.push(`    ${c.yellow(t.note)}`);
    }
  }
  if (d.generatedFiles.length) {
    heading('Generated files, never edited', d.generatedFiles.length);
    for (const g of d.generatedFiles) {
      lines.push(`  ${c.cyan(g.file)}  ${c.yellow(`generated: ${g.reason}`)}`);
      // The reason already names the evidence's file:line and text.
      lines.push(`    no fix is applied here; make the change in ${g.changeIn}`);
    }
  }
  if (d.skippedFiles.length) {
    heading('Skipped files', d.skippedFiles.length);
    for (const f of d.skippedFiles) lines.push(`  ${c.cyan(`${f.file}${f.line ? `:${f.line}` : ''}`)}  ${f.reason}`);
  }

  if (d.neverRun.length) {
    heading('CI jobs and steps that never run', d.neverRun.length);
    for (const n of d.neverRun) lines.push(`  ${c.cyan(`${n.evidence.file}:${n.evidence.line}`)}  ${n.what}: ${n.key === 'rules' ? `no rule adds it (rules: ${n.condition})` : `if: ${n.condition} is always false`}${n.builds.length ? `; it would build ${n.builds.join(', ')}` : ''}`);
  }
  if (d.dockerlessImages.length) {
    heading('Images built without a Dockerfile (nothing here to harden)', d.dockerlessImages.length);
    for (const u of d.dockerlessImages) lines.push(`  ${c.cyan(`${u.evidence.file}:${u.evidence.line}`)}  ${u.image ?? 'an image'} by ${u.tool}`);
  }
  if (d.unreadBuilds.length) {
    heading('Builds through actions not read (tag and push not known)', d.unreadBuilds.length);
    for (const u of d.unreadBuilds) lines.push(`  ${c.cyan(`${u.evidence.file}:${u.evidence.line}`)}  ${u.action} is given ${u.dockerfile} as ${u.input}`);
  }
  lines.push('', c.bold(`Evidence files read (${d.evidenceFiles.length})`));
  if (d.evidenceFiles.length) lines.push(`  ${d.evidenceFiles.join(', ')}`);
  if (d.errors.length) {
    heading('Errors', d.errors.length);
    for (const e of d.errors) lines.push(`  ${c.red(`${e.path}${e.line ? `:${e.line}` : ''}`)}  ${e.message}`);
  }
  return lines.slice(1).join('\n') + '\n';
}
