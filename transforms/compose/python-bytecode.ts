// compose/python-bytecode: a Python service that bind-mounts its source tree
// (a dev `--reload` setup) gets PYTHONDONTWRITEBYTECODE=1, so the container
// does not write __pycache__ into the host's checkout: files owned by the
// container's UID there, or failed writes where that UID does not own the
// tree. The variable goes into `environment` in the form the service already
// uses (list or map).
import path from 'node:path';
import type { Transform, TransformContext } from '../../src/transform.js';
import type { Finding } from '../../src/types.js';
import type { ServiceLink, VolumeMount } from '../../src/model.js';
import { effectiveInstructions } from '../../src/parse/dockerfile.js';
import { sortedDirEntries } from '../../src/read.js';
import {
  addEnvironment,
  isPartialOverride,
  isRecord,
  serviceFix,
  serviceImage,
  serviceNote,
  type ServiceChange,
  type ServiceImage,
  checkEachService,
} from '../../src/compose-service.js';

const ID = 'compose/python-bytecode';
const CIS = '4.1';
const VAR = 'PYTHONDONTWRITEBYTECODE';
/** Commands that run Python code (first word of command, entrypoint or the Dockerfile's CMD/ENTRYPOINT). */
const PYTHON_COMMANDS = /^(?:.*\/)?(?:python[\d.]*|uvicorn|gunicorn|hypercorn|daphne|flask|celery|rq|django-admin|fastapi|streamlit|pytest)$/;

export const pythonBytecode: Transform = {
  meta: {
    id: ID,
    description: 'Set PYTHONDONTWRITEBYTECODE=1 on Python services that bind-mount their source tree',
    appliesTo: ['compose'],
    fixable: true,
    cis: CIS,
    peers: [],
    help:
      'A dev setup that bind-mounts the source tree into a Python container (uvicorn --reload, flask run) makes Python write ' +
      '__pycache__ into the host checkout, as the container user. Under a non-root UID that does not own the tree the writes fail; ' +
      'under root they leave root-owned files behind. PYTHONDONTWRITEBYTECODE=1 stops both.',
  },
  // Whether it runs Python is a fact of its image (the knowledge table, or the Dockerfile's CMD): the finding names where it came from.
  run: (ctx) => checkEachService(ctx, check, { imageFacts: true }),
};

function check(ctx: TransformContext, s: ServiceLink): Finding | undefined {
  const img = serviceImage(s, ctx.project);
  if (!isPython(s, img) || !sourceMount(s, img, s.volumes) || isSet(s, img)) return undefined;
  // The base file already mounts the source: it gets the variable, and compose merges it into this one.
  if (isPartialOverride(s) && sourceMount(s.base!, img, s.base!.volumes)) return undefined;
  const change = addVariable(s);
  if (typeof change === 'string') return serviceNote(ID, CIS, s, `${change}; ${VAR} not added`, `Add ${VAR}=1 to its environment by hand.`, 'note');
  return serviceFix(ID, CIS, s, `bind-mounts its Python source: set ${VAR}=1 so no __pycache__ is written into the host tree`, change, { severity: 'note' });
}

function firstWord(v: unknown): string | undefined {
  if (Array.isArray(v)) return v.length ? String(v[0]) : undefined;
  if (typeof v === 'string') return v.trim().split(/\s+/)[0];
  return undefined;
}

function commandText(v: unknown): string {
  return Array.isArray(v) ? v.map(String).join(' ') : typeof v === 'string' ? v : '';
}

function isPython(s: ServiceLink, img: ServiceImage): boolean {
  if (img.facts?.family === 'python') return true;
  const words = [firstWord(s.effective.entrypoint), firstWord(s.effective.command)];
  for (const stage of img.base?.chain ?? []) {
    for (const ins of effectiveInstructions(stage)) {
      if (ins.keyword === 'CMD' || ins.keyword === 'ENTRYPOINT') words.push(ins.json ? ins.json[0] : ins.args[0]);
    }
  }
  return words.some((w) => w !== undefined && PYTHON_COMMANDS.test(w));
}

/** Where the image keeps its code: the final stage's WORKDIR, COPY destinations, compose working_dir. */
function codePaths(s: ServiceLink, img: ServiceImage): string[] {
  const out: string[] = [];
  if (typeof s.effective.working_dir === 'string') out.push(s.effective.working_dir);
  let workdir = '/';
  for (const stage of img.base?.chain ?? []) {
    for (const ins of effectiveInstructions(stage)) {
      if (ins.keyword === 'WORKDIR' && ins.args[0]) workdir = path.posix.resolve(workdir, ins.args[0]);
      if ((ins.keyword === 'COPY' || ins.keyword === 'ADD') && !ins.flags.some((f) => f.name === 'from')) {
        const args = ins.json ?? ins.args;
        if (args.length >= 2) out.push(path.posix.resolve(workdir, args[args.length - 1]));
      }
    }
  }
  if (workdir !== '/') out.push(workdir);
  return out.filter((p) => p !== '/' && !p.includes('$'));
}

function trimmed(p: string): string {
  return p.replace(/\/+$/, '');
}

/** The mount lays the host folder over the code path itself or over a folder holding it. */
function covers(target: string, code: string): boolean {
  const t = trimmed(target);
  const c = trimmed(code);
  return t === c || c.startsWith(t + '/');
}

function isStrictlyInside(target: string, code: string): boolean {
  return trimmed(target).startsWith(trimmed(code) + '/');
}

/** Folders a Python source search skips: none of them is the app's own code. */
const NOT_SOURCE_FOLDERS = new Set(['.git', 'node_modules', '.venv', 'venv', '__pycache__', 'site-packages']);

/**
 * Whether the host folder holds Python files, itself or two folders down (a
 * package's modules, or its sub-packages'). A folder mounted inside the app's
 * tree is its code only then: linkding mounts `./data` (its sqlite database, a
 * folder the repository does not even have) at /etc/linkding/data, under its
 * WORKDIR, and Python writes no bytecode there.
 */
function holdsPython(dir: string, depth = 2): boolean {
  for (const entry of sortedDirEntries(dir)) {
    if (entry.isFile() && entry.name.endsWith('.py')) return true;
  }
  if (depth === 0) return false;
  for (const entry of sortedDirEntries(dir)) {
    if (entry.isDirectory() && !NOT_SOURCE_FOLDERS.has(entry.name) && holdsPython(path.join(dir, entry.name), depth - 1)) return true;
  }
  return false;
}

/** A writable bind mount of a host folder over the service's code (or any host folder under `--reload`). */
function sourceMount(s: ServiceLink, img: ServiceImage, mounts: VolumeMount[]): boolean {
  const binds = mounts.filter((m) => m.type === 'bind' && !m.readOnly && m.source && !/\.(sock|conf|ya?ml|json|toml|ini|env)$/.test(m.target));
  if (binds.length === 0) return false;
  const code = codePaths(s, img);
  // Over the code (or a folder above it), or a folder inside it that holds Python
  // files: a data folder mounted inside the app's tree is not its source.
  const overCode = (m: VolumeMount): boolean =>
    code.some((c) => covers(m.target, c)) || (m.hostPath !== undefined && code.some((c) => isStrictlyInside(m.target, c)) && holdsPython(m.hostPath));
  if (binds.some(overCode)) return true;
  const reload = /(?:^|\s)--reload\b|(?:^|\s)--debug\b/.test(`${commandText(s.effective.command)} ${commandText(s.effective.entrypoint)}`);
  return reload && binds.some((m) => /^\.{1,2}(\/|$)/.test(m.source!));
}

function isSet(s: ServiceLink, img: ServiceImage): boolean {
  const env = s.effective.environment;
  if (isRecord(env) && VAR in env) return true;
  if (Array.isArray(env) && env.some((e) => typeof e === 'string' && (e === VAR || e.startsWith(`${VAR}=`)))) return true;
  for (const stage of img.base?.chain ?? []) {
    for (const ins of effectiveInstructions(stage)) {
      if (ins.keyword === 'ENV' && ins.properties.some((p) => p.name === VAR)) return true;
    }
  }
  return false;
}

function addVariable(s: ServiceLink): ServiceChange | string {
  return addEnvironment(s, [[VAR, '1']]);
}
