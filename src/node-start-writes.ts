// What a Node.js start file the image runs writes when the container starts:
// `node prod_run.mjs` (hoppscotch's front ends) writes `build.env` in its working
// directory and has `import-meta-env` rewrite the built files under /site in place
// (https://github.com/hoppscotch/hoppscotch/blob/main/packages/hoppscotch-selfhost-web/prod_run.mjs;
// import-meta-env's `-p, --path` names the files it replaces the placeholders in:
// https://github.com/import-meta-env/import-meta-env/tree/main/packages/cli).
// The shell readers of start-scripts.ts do not read JavaScript; this reads the
// one file `node FILE` starts, from the repository, for literal writes only:
//   fs.writeFileSync / writeFile / appendFile(Sync) / createWriteStream / mkdir(Sync)
//   with a string literal path, rm / unlink / rename (their folder must be writable),
//   and an `import-meta-env ... -p "GLOB"` it runs.
// Paths built at run time (variables, path.join of variables) are not followed.
import { readFileSync } from 'node:fs';
import { lineColumn } from './text.js';
import path from 'node:path';
import type { DockerfileSource, Project, ServiceLink } from './model.js';
import { workdirs, type StageBase } from './dockerfile-info.js';
import { shellCommands } from './knowledge/images.js';
import { copyMappings, mountMappings, resolveContainerPath, type ContainerMapping } from './nginx-files.js';
import { imageStartCommands, composeStarts, type StartWrite } from './start-scripts.js';

const NODE = /(^|\/)node(js)?$/;
const SCRIPT = /\.(m|c)?js$/;
const SHELL = /^(\/usr)?(\/bin\/)?(sh|bash|ash|dash)$/;
/** Calls that create or write the file or folder their first argument names. */
const WRITE_CALL = /\b(writeFileSync|writeFile|appendFileSync|appendFile|createWriteStream|mkdirSync|mkdir)\(\s*(['"`])([^'"`$\\]+)\2/g;
/** Calls that remove or rename the file their first argument names: its folder must be writable. */
const REMOVE_CALL = /\b(rmSync|rm|unlinkSync|unlink|renameSync|rename)\(\s*(['"`])([^'"`$\\]+)\2/g;
const IMPORT_META_ENV = /import-meta-env\b[^\n]*?\s(?:-p|--path)[\s=]+(['"]?)([^'"\s]+)\1/g;

/** The `node FILE` commands of a start (argv or shell text), `sh -c` texts followed. */
function nodeFiles(argv: string[] | undefined, shell: string | undefined, depth = 0): string[] {
  const commands = argv ? [argv] : shellCommands(shell ?? '');
  const out: string[] = [];
  for (const words of commands) {
    const [cmd, ...rest] = words;
    if (!cmd) continue;
    const c = rest.indexOf('-c');
    if (SHELL.test(cmd) && c >= 0 && rest[c + 1] !== undefined && depth < 3) {
      out.push(...nodeFiles(undefined, rest[c + 1], depth + 1));
      continue;
    }
    if (!NODE.test(cmd)) continue;
    const file = rest.find((w) => !w.startsWith('-'));
    if (file && SCRIPT.test(file) && !file.includes('$')) out.push(file);
  }
  return out;
}

/** A start command of the image or a service, as the Node start file reader takes it. */
interface Start {
  argv: string[] | undefined;
  shell: string | undefined;
  where: string;
}

/**
 * What the Node start files of service `s` (its compose command or entrypoint, else the image's
 * CMD/ENTRYPOINT) write at start, read from the files the image copies in or the service mounts.
 * Relative paths are the process's working directory: compose `working_dir`, else the image's WORKDIR.
 */
export function nodeStartWrites(project: Project, s: ServiceLink, df: DockerfileSource, base: StageBase): StartWrite[] {
  const compose = composeStarts(s);
  const starts: Start[] = compose.length ? compose.map((c) => ({ argv: c.argv, shell: undefined, where: c.where })) : imageStarts(base);
  return startFileWrites(
    starts,
    () => (typeof s.effective.working_dir === 'string' && s.effective.working_dir.startsWith('/') ? s.effective.working_dir : workdirs(base.chain, base.buildArgs, base.globalArgs).final),
    () => [...copyMappings(project, df.path, new Set(base.chain.map((st) => st.index))), ...mountMappings(project, s)],
  );
}

/**
 * What the Node start files of the image itself (its own CMD/ENTRYPOINT, in its WORKDIR) write at
 * start, read from the files it copies in: what a USER must be given wherever the image runs
 * (`docker run`, another orchestrator), not only in the compose services of this repository.
 */
export function imageNodeStartWrites(project: Project, df: DockerfileSource, base: StageBase): StartWrite[] {
  return startFileWrites(
    imageStarts(base),
    () => workdirs(base.chain, base.buildArgs, base.globalArgs).final,
    () => copyMappings(project, df.path, new Set(base.chain.map((st) => st.index))),
  );
}

function imageStarts(base: StageBase): Start[] {
  return imageStartCommands(base)
    .filter((c) => !c.inherited)
    .map((c) => ({ argv: c.argv, shell: c.shell, where: `${c.via} at line ${c.instruction.line + 1}` }));
}

function startFileWrites(starts: Start[], workingDir: () => string, containerMappings: () => ContainerMapping[]): StartWrite[] {
  const out: StartWrite[] = [];
  // The working directory and the COPY/mount mappings only for a start that runs a Node.js file: read-only asks for
  // every built service in every pass, and many starts run none (a server binary, python, a shell script).
  let wd: string | undefined;
  let mappings: ContainerMapping[] | undefined;
  for (const start of starts) {
    for (const file of nodeFiles(start.argv, start.shell)) {
      wd ??= workingDir();
      mappings ??= containerMappings();
      const containerPath = path.posix.resolve(wd, file);
      const found = resolveContainerPath(mappings, containerPath);
      if (!found?.hostPath || !found.exists) continue;
      let text: string;
      try {
        text = readFileSync(found.hostPath, 'utf8');
      } catch {
        continue;
      }
      const name = path.posix.basename(containerPath);
      for (const m of text.matchAll(WRITE_CALL)) {
        const target = path.posix.resolve(wd, m[3]!);
        const how = `${m[1]}("${m[3]}") (${name} line ${lineColumn(text, m.index!).line}, run by ${start.where})`;
        out.push({ path: target, kind: m[1]!.startsWith('mkdir') ? 'dir' : 'file', how });
      }
      for (const m of text.matchAll(REMOVE_CALL)) {
        // hoppscotch's start removes the build.env it wrote: a file the user owns in a folder it cannot write stays.
        const target = path.posix.resolve(wd, m[3]!);
        out.push({ path: target, kind: 'dir-of', how: `${m[1]}("${m[3]}") (${name} line ${lineColumn(text, m.index!).line}, run by ${start.where})` });
      }
      for (const m of text.matchAll(IMPORT_META_ENV)) {
        // The files the pattern matches are rewritten in place (read, then written back): their folder (the
        // pattern's fixed part) must be writable, and so must the files themselves.
        const fixed = m[2]!.split('/').filter((seg, i, all) => !/[*?[{]/.test(seg) && all.slice(0, i).every((x) => !/[*?[{]/.test(x)));
        const dir = path.posix.resolve(wd, fixed.join('/') || '.');
        out.push({ path: `${dir}/*`, kind: 'dir-of', inPlace: true, how: `import-meta-env -p ${m[2]} rewrites those files in place (${name} line ${lineColumn(text, m.index!).line}, run by ${start.where})` });
      }
    }
  }
  return out;
}
