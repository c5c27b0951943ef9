// Every compose file the fixtures produce must also pass `docker-compose
// config -q` (the Debian package, 1.29), an implementation outside our own
// parser and schema. It predates a top-level `name:` (such documents are
// skipped) and reads one YAML document per file (each is checked alone). Without the binary the test
// is skipped locally and fails on CI (where .ci/run installs it).
import { describe, it, expect } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments, parseDocument } from 'yaml';
import { REPO, writeTree } from './helpers.js';

const ROOT = path.join(REPO, 'test/fixtures/compose');
const run = promisify(execFile);

function hasDockerCompose(): boolean {
  try {
    execFileSync('docker-compose', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

interface ComposeCase {
  name: string;
  input: string;
  output: string;
  files: Record<string, string>;
}

/** The output of each case (its input when nothing changes), with the files it needs beside it. */
function cases(): ComposeCase[] {
  const out: ComposeCase[] = [];
  for (const t of readdirSync(ROOT)) {
    const dir = path.join(ROOT, t);
    if (!statSync(dir).isDirectory()) continue;
    for (const f of readdirSync(dir)) {
      const m = /^(.*)\.input\.ya?ml$/.exec(f);
      if (!m) continue;
      const output = path.join(dir, f.replace('.input.', '.output.'));
      const expectFile = path.join(dir, `${m[1]}.expect.json`);
      const files = existsSync(expectFile) ? (JSON.parse(readFileSync(expectFile, 'utf8')).files ?? {}) : {};
      const input = readFileSync(path.join(dir, f), 'utf8');
      out.push({ name: `${t}/${m[1]}`, input, output: existsSync(output) ? readFileSync(output, 'utf8') : input, files });
    }
  }
  return out;
}

/** docker-compose 1.29 reads one document per file and knows no top-level `name:`: each document on its own. */
function documents(text: string): { text: string; skip?: string }[] {
  const docs = parseAllDocuments(text) as unknown as { range: [number, number, number]; toJS(): unknown }[];
  return docs.map((d) => {
    const data = d.toJS() as Record<string, unknown> | null;
    return { text: text.slice(d.range[0], d.range[2]), skip: data && 'name' in data ? 'a top-level name:' : undefined };
  });
}

/** Build contexts and env files a compose document names: `config` wants them to exist. */
function neededPaths(text: string): { dirs: string[]; files: string[] } {
  const data = parseDocument(text, { merge: true }).toJS() as { services?: Record<string, Record<string, unknown> | null> } | null;
  const dirs: string[] = [];
  const files: string[] = [];
  for (const s of Object.values(data?.services ?? {})) {
    const b = s?.build;
    if (typeof b === 'string') dirs.push(b);
    else if (b && typeof b === 'object') dirs.push(String((b as { context?: unknown }).context ?? '.'));
    const env = s?.env_file;
    for (const e of typeof env === 'string' ? [env] : Array.isArray(env) ? env : []) {
      if (typeof e === 'string') files.push(e);
      else if (e && typeof e === 'object' && typeof (e as { path?: unknown }).path === 'string') files.push((e as { path: string }).path);
    }
  }
  return { dirs, files };
}

/** `docker-compose config -q` on one document; stderr when it fails. */
async function composeConfig(text: string, extra: Record<string, string>): Promise<string | undefined> {
  const dir = writeTree({ ...extra, 'compose.yaml': text });
  try {
    const { dirs, files } = neededPaths(text);
    for (const d of dirs) mkdirSync(path.join(dir, d), { recursive: true });
    for (const f of files) if (!existsSync(path.join(dir, f))) writeTree({ [f]: '' }, dir);
    // Unset variables only warn; a bare environment keeps the run reproducible.
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir };
    await run('docker-compose', ['-f', path.join(dir, 'compose.yaml'), 'config', '-q'], { cwd: dir, env });
    return undefined;
  } catch (err) {
    return (err as { stderr?: string }).stderr || String(err);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const available = hasDockerCompose();
if (!available && process.env.CI) throw new Error('docker-compose is required on CI (apt-get install -y docker-compose)');
if (!available) console.warn('compose-config.test.ts: docker-compose not found; skipped (apt-get install -y docker-compose)');

// docker-compose takes about half a second to start: run the cases side by side.
describe.skipIf(!available).concurrent('docker-compose config accepts every compose file the fixtures change', () => {
  for (const c of cases()) {
    it(c.name, async (ctx) => {
      const inputs = documents(c.input);
      const outputs = documents(c.output);
      expect(outputs.length).toBe(inputs.length);
      let checked = 0;
      for (const [i, doc] of outputs.entries()) {
        // Documents we did not change say nothing about our edits (and docker-compose is slow to start).
        if (doc.skip || doc.text === inputs[i].text) continue;
        const problem = await composeConfig(doc.text, c.files);
        // A document docker-compose already rejects (a service with no image) says nothing about our edits.
        if (problem !== undefined && (await composeConfig(inputs[i].text, c.files)) !== undefined) continue;
        ctx.expect(problem, `document ${i + 1}`).toBeUndefined();
        checked++;
      }
      if (checked === 0) ctx.skip();
    });
  }
});
