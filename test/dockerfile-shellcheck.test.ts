// Every RUN line the tool writes must pass shellcheck (Debian package
// `shellcheck`). The scripts come from the Dockerfile fixtures' expected
// outputs: a RUN there that is not in the input was written by a transform.
// Locally the test is skipped, with a message, when shellcheck is missing;
// on CI (CI=true) a missing shellcheck is a failure.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { REPO } from './helpers.js';
import { parseDockerfile } from '../src/parse/dockerfile.js';
import { runScript } from '../src/dockerfile-info.js';

function hasShellcheck(): boolean {
  return spawnSync('shellcheck', ['--version'], { stdio: 'ignore' }).status === 0;
}

interface WrittenRun {
  fixture: string;
  script: string;
}

/** RUN instructions of each expected output that its input does not have. */
function writtenRuns(): WrittenRun[] {
  const root = path.join(REPO, 'test/fixtures/dockerfile');
  const out: WrittenRun[] = [];
  for (const t of readdirSync(root)) {
    const dir = path.join(root, t);
    for (const f of readdirSync(dir)) {
      const m = /^(.*)\.output\.Dockerfile$/.exec(f);
      if (!m) continue;
      const input = path.join(dir, `${m[1]}.input.Dockerfile`);
      const before = new Set(parseDockerfile(existsSync(input) ? readFileSync(input, 'utf8') : '').instructions.map((i) => i.raw));
      const parsed = parseDockerfile(readFileSync(path.join(dir, f), 'utf8'));
      for (const ins of parsed.instructions) {
        if (ins.keyword !== 'RUN' || before.has(ins.raw)) continue;
        out.push({ fixture: `${t}/${m[1]}`, script: runScript(ins, parsed.escape).trim() });
      }
    }
  }
  return out;
}

/** The same for the project cases in test/stacks (their Dockerfiles and the start scripts the tool rewrites). */
function writtenInStacks(): WrittenRun[] {
  const root = path.join(REPO, 'test/stacks');
  const out: WrittenRun[] = [];
  if (!existsSync(root)) return out;
  for (const name of readdirSync(root)) {
    const output = path.join(root, name, 'output');
    if (!existsSync(output)) continue;
    const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
    for (const file of walk(output)) {
      const rel = path.relative(output, file);
      const input = path.join(root, name, 'input', rel);
      const before = existsSync(input) ? readFileSync(input, 'utf8') : '';
      const text = readFileSync(file, 'utf8');
      if (/\.sh$/.test(file)) {
        out.push({ fixture: `stacks/${name}/${rel}`, script: text });
      } else if (/Dockerfile$/.test(file)) {
        const had = new Set(parseDockerfile(before).instructions.map((i) => i.raw));
        const parsed = parseDockerfile(text);
        for (const ins of parsed.instructions) {
          if (ins.keyword === 'RUN' && !had.has(ins.raw)) out.push({ fixture: `stacks/${name}/${rel}`, script: runScript(ins, parsed.escape).trim() });
        }
      }
    }
  }
  return out;
}

const runs = [...writtenRuns(), ...writtenInStacks()];
const available = hasShellcheck();
if (!available && process.env.CI !== 'true') {
  console.warn('shellcheck is not installed: skipping the check of generated RUN lines (apt-get install shellcheck)');
}

describe('RUN lines the tool writes', () => {
  it('exist in the fixtures (the check below is not vacuous)', () => {
    expect(runs.length).toBeGreaterThan(30);
    expect(new Set(runs.map((r) => r.script.split(' ')[0])).size).toBeGreaterThan(3);
  });

  it.skipIf(!available && process.env.CI !== 'true').each(runs.map((r, i) => [`${r.fixture} #${i}`, r] as const))(
    'pass shellcheck: %s',
    (_name, run) => {
      expect(available, 'shellcheck must be installed on CI').toBe(true);
      // Docker runs RUN with /bin/sh -c: check as POSIX sh (dash, BusyBox ash); a script by its own #! line.
      const shell = /^#!.*\bbash\b/.test(run.script) ? 'bash' : 'sh';
      const result = spawnSync('shellcheck', [`--shell=${shell}`, '--severity=style', '-'], { input: `${run.script.replace(/\n?$/, '\n')}`, encoding: 'utf8' });
      expect(result.stdout + result.stderr, run.script).toBe('');
      expect(result.status).toBe(0);
    },
  );
});

