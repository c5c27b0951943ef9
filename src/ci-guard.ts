// `docker-harden ci-guard`: a GitHub Actions workflow that runs the tool in
// --dry-run on every pull request touching Dockerfiles or compose files, so a
// change that undoes hardening fails the check (exit 1: changes pending). It
// keeps the diff in the log and the SARIF as an artifact; with read-only
// permissions it cannot upload to code scanning, which the comment explains.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { shellQuote } from './text.js';

export const WORKFLOW_PATH = '.github/workflows/docker-harden.yml';
export const SARIF_FILE = 'docker-harden.sarif';

/** Path filters: the names discovery treats as Dockerfiles and compose files, plus what changes the outcome. */
export const WORKFLOW_PATH_FILTERS = [
  '**/Dockerfile',
  '**/Dockerfile.*',
  '**/*.Dockerfile',
  '**/*.dockerfile',
  '**/Containerfile',
  '**/Containerfile.*',
  '**/compose.yml',
  '**/compose.yaml',
  '**/compose.*.yml',
  '**/compose.*.yaml',
  '**/docker-compose*.yml',
  '**/docker-compose*.yaml',
  '**/.env.example',
  '**/.env.sample',
  '**/.docker-harden.yml',
  '**/.docker-harden.yaml',
  '**/.docker-harden.json',
  WORKFLOW_PATH,
];


export function workflowText(paths: string[] = ['.']): string {
  const targets = (paths.length ? paths : ['.']).map(shellQuote).join(' ');
  const filters = WORKFLOW_PATH_FILTERS.map((p) => `      - "${p}"`).join('\n');
  return `# Written by \`docker-harden ci-guard\`. Fails a pull request when a Dockerfile or
# compose file loses hardening that docker-harden would put back: the check runs
# \`docker-harden --dry-run\`, which exits 1 when anything would change. The diff
# is in the step log; the SARIF report is kept as an artifact.
#
# To show findings in GitHub code scanning instead, grant \`security-events: write\`
# to the job and add a step after the check:
#   - uses: github/codeql-action/upload-sarif@v3
#     if: always()
#     with:
#       sarif_file: ${SARIF_FILE}
name: docker-harden

on:
  pull_request:
    paths:
${filters}

permissions:
  contents: read

jobs:
  docker-harden:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 20
      - name: Check that Dockerfiles and compose files stay hardened
        run: npx --yes docker-harden --dry-run --format sarif --output ${SARIF_FILE} ${targets}
      - name: Keep the SARIF report
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: docker-harden-sarif
          path: ${SARIF_FILE}
          if-no-files-found: ignore
`;
}

export interface GuardResult {
  file: string;
  written: boolean;
}

/** Write the workflow under `repoRoot` unless one is there already (never overwritten). */
export function writeWorkflow(repoRoot: string, paths: string[]): GuardResult {
  const file = path.join(repoRoot, WORKFLOW_PATH);
  if (existsSync(file)) return { file, written: false };
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, workflowText(paths), { flag: 'wx' });
  return { file, written: true };
}
