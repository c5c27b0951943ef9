// `docker-harden ci-guard`: a GitHub Actions workflow that runs the tool in
// --dry-run on every pull request touching Dockerfiles or compose files, so a
// change that undoes hardening fails the check (exit 1: changes pending). It
// keeps the diff in the log and the SARIF as an artifact; with read-only
// permissions it cannot upload to code scanning, which the comment explains.
//
// `ci-guard --bot`: the pull-request bot's workflow (the action in `pr` mode)
// on a schedule and on demand, for this repository, or with --org /
// --repos-file for many: one job per repository in a matrix, so GitHub Actions
// itself spreads the work, with one concurrency group per repository.
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

export const BOT_WORKFLOW_PATH = '.github/workflows/docker-harden-bot.yml';
/** Where the action is published: `uses:` in the bot workflow (override with --action). */
export const ACTION_REF = 'docker-harden/docker-harden@v0';
/** Mondays 05:23 UTC: weekly, and off the full hour most schedules crowd. */
export const BOT_SCHEDULE = '23 5 * * 1';
/** GitHub runs at most this many jobs from one matrix. */
export const MATRIX_MAX = 256;

export interface BotWorkflowOptions {
  /** Paths to harden inside each repository. */
  paths: string[];
  /** Organisation (or user) whose repositories `gh repo list` gives. */
  org?: string;
  /** A file in the repository that holds the workflow, one `owner/name` per line. */
  reposFile?: string;
  action: string;
  schedule: string;
  verify: boolean;
}

/** The bot workflow: one repository (the one it lives in), or a matrix over an organisation or a list. */
export function botWorkflowText(o: BotWorkflowOptions): string {
  return o.org || o.reposFile ? fleetWorkflow(o) : singleRepoWorkflow(o);
}

function prStep(o: BotWorkflowOptions, indent: string, extra: string[] = []): string {
  const paths = o.paths.length ? o.paths : ['.'];
  // The action splits a one-line value on spaces and a multi-line value on lines (for names with spaces).
  const pathsInput = paths.length === 1 && !/\s/.test(paths[0]) ? [`    paths: ${yamlString(paths[0])}`] : ['    paths: |', ...paths.map((p) => `      ${p}`)];
  const lines = [
    `- name: Open, update or close the hardening pull request`,
    `  uses: ${o.action}`,
    `  with:`,
    `    mode: pr`,
    ...pathsInput,
    `    verify: ${o.verify ? 'true' : 'false'}`,
    ...extra.map((l) => `    ${l}`),
  ];
  return lines.map((l) => indent + l).join('\n');
}

function singleRepoWorkflow(o: BotWorkflowOptions): string {
  return `# Written by \`docker-harden ci-guard --bot\`. Keeps one pull request open that
# hardens this repository's Dockerfiles and compose files: each run rebuilds the
# branch docker-harden/harden from the default branch and opens or updates the
# pull request; when nothing is left to change, it closes the pull request.
#
# Repository settings: Actions > General > Workflow permissions > "Allow GitHub
# Actions to create and approve pull requests" must be on for GITHUB_TOKEN to
# open pull requests. Pull requests opened with GITHUB_TOKEN do not start other
# workflows (your CI): to have CI run on them, check out and run the action
# with a GitHub App token (actions/create-github-app-token) instead.
name: docker-harden bot

on:
  schedule:
    - cron: ${yamlString(o.schedule)}
  workflow_dispatch:

permissions:
  contents: write # push the docker-harden/harden branch
  pull-requests: write # open, edit and close its pull request

concurrency:
  group: docker-harden-bot-\${{ github.repository }}
  cancel-in-progress: false

jobs:
  harden:
    runs-on: ubuntu-latest
    timeout-minutes: 30
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 20
${prStep(o, '      ')}
`;
}

/**
 * The list job's script: repositories from the dispatch input, the list file,
 * or the organisation, checked by name (so they can go into JSON without
 * escaping) and written as the matrix. No jq: the runner has it, a test shell
 * may not.
 */
export const LIST_SCRIPT = `set -euo pipefail
if [ -n "$DH_ONLY" ]; then
  read -r -a repos <<< "$DH_ONLY"
elif [ -n "$DH_REPOS_FILE" ]; then
  mapfile -t repos < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$DH_REPOS_FILE" | grep -v '^$' || true)
else
  mapfile -t repos < <(gh repo list "$DH_ORG" --no-archived --source --limit ${MATRIX_MAX + 1} --json nameWithOwner,isEmpty --jq '.[] | select(.isEmpty | not) | .nameWithOwner')
fi
if [ "\${#repos[@]}" -gt ${MATRIX_MAX} ]; then
  echo "::error::\${#repos[@]} repositories or more: a matrix runs at most ${MATRIX_MAX} jobs; split the list into several files and workflows"
  exit 1
fi
matrix=""
for repo in "\${repos[@]}"; do
  if ! [[ "$repo" =~ ^([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)$ ]]; then
    echo "::error::not a repository name (owner/name): $repo"
    exit 1
  fi
  matrix+="\${matrix:+,}{\\"repository\\":\\"$repo\\",\\"owner\\":\\"\${BASH_REMATCH[1]}\\",\\"name\\":\\"\${BASH_REMATCH[2]}\\"}"
done
echo "matrix=[$matrix]" >> "$GITHUB_OUTPUT"
echo "count=\${#repos[@]}" >> "$GITHUB_OUTPUT"
echo "\${#repos[@]} repositories: \${repos[*]}"
`;

/** Author of the bot's commits when it runs as a GitHub App: its bot user, as GitHub shows it. */
export const APP_AUTHOR_SCRIPT = `set -euo pipefail
id="$(gh api "/users/\${APP_SLUG}%5Bbot%5D" --jq .id)"
echo "author=\${APP_SLUG}[bot] <\${id}+\${APP_SLUG}[bot]@users.noreply.github.com>" >> "$GITHUB_OUTPUT"
`;

function fleetWorkflow(o: BotWorkflowOptions): string {
  const source = o.reposFile ? `each repository listed in ${o.reposFile}` : `each repository of ${o.org} (not archived, not forks, not empty)`;
  const owner = o.org ? yamlString(o.org) : '${{ github.repository_owner }}';
  const block = (script: string, indent: string) => script.trimEnd().split('\n').map((l) => (l ? indent + l : '')).join('\n');
  return `# Written by \`docker-harden ci-guard --bot\`. Keeps one hardening pull request
# open in ${source}.
# GitHub Actions runs one job per repository (a matrix); each job checks the
# repository out and runs the docker-harden action in pr mode, which opens,
# updates or closes that repository's pull request.
#
# Credentials: a GitHub App installed on those repositories, with repository
# permissions Contents: read and write, Pull requests: read and write (and
# Metadata: read). Store its ID as the variable DOCKER_HARDEN_APP_ID and its
# private key as the secret DOCKER_HARDEN_APP_PRIVATE_KEY. Each job gets a
# token for its one repository only. This workflow's own GITHUB_TOKEN only
# reads${o.reposFile ? ' the list' : ''}.
name: docker-harden bot

on:
  schedule:
    - cron: ${yamlString(o.schedule)}
  workflow_dispatch:
    inputs:
      repositories:
        description: "Only these repositories (owner/name, space-separated); empty: all of them"
        required: false
        default: ""

permissions:
  contents: read

jobs:
  repositories:
    runs-on: ubuntu-latest
    outputs:
      matrix: \${{ steps.list.outputs.matrix }}
      count: \${{ steps.list.outputs.count }}
    steps:
${
  o.reposFile
    ? `      - uses: actions/checkout@v4
        with:
          sparse-checkout: ${yamlString(o.reposFile)}
          sparse-checkout-cone-mode: false`
    : `      - id: token
        uses: actions/create-github-app-token@v1
        with:
          app-id: \${{ vars.DOCKER_HARDEN_APP_ID }}
          private-key: \${{ secrets.DOCKER_HARDEN_APP_PRIVATE_KEY }}
          owner: ${owner}`
}
      - id: list
        name: List the repositories
        env:
          GH_TOKEN: ${o.reposFile ? '${{ github.token }}' : '${{ steps.token.outputs.token }}'}
          DH_ORG: ${o.org ? yamlString(o.org) : '""'}
          DH_REPOS_FILE: ${o.reposFile ? yamlString(o.reposFile) : '""'}
          DH_ONLY: \${{ inputs.repositories }}
        run: |
${block(LIST_SCRIPT, '          ')}

  harden:
    needs: repositories
    if: needs.repositories.outputs.count != '0'
    runs-on: ubuntu-latest
    timeout-minutes: 30
    strategy:
      fail-fast: false
      max-parallel: 8
      matrix:
        include: \${{ fromJSON(needs.repositories.outputs.matrix) }}
    # One run at a time per repository: a manual run waits for the scheduled one.
    concurrency:
      group: docker-harden-bot-\${{ matrix.repository }}
      cancel-in-progress: false
    steps:
      - id: token
        uses: actions/create-github-app-token@v1
        with:
          app-id: \${{ vars.DOCKER_HARDEN_APP_ID }}
          private-key: \${{ secrets.DOCKER_HARDEN_APP_PRIVATE_KEY }}
          owner: \${{ matrix.owner }}
          repositories: \${{ matrix.name }}
      - id: author
        name: Commit as the app's bot user
        env:
          GH_TOKEN: \${{ steps.token.outputs.token }}
          APP_SLUG: \${{ steps.token.outputs.app-slug }}
        run: |
${block(APP_AUTHOR_SCRIPT, '          ')}
      - uses: actions/checkout@v4
        with:
          repository: \${{ matrix.repository }}
          token: \${{ steps.token.outputs.token }}
      - uses: actions/setup-node@v4
        with:
          node-version: 20
${prStep(o, '      ', ['token: ${{ steps.token.outputs.token }}', 'author: ${{ steps.author.outputs.author }}'])}
`;
}

/** A YAML double-quoted scalar (JSON strings are valid YAML). */
function yamlString(s: string): string {
  return JSON.stringify(s);
}

export interface GuardResult {
  file: string;
  written: boolean;
}

/** Write a workflow under `repoRoot` unless one is there already (never overwritten). */
export function writeWorkflow(repoRoot: string, paths: string[]): GuardResult {
  return writeIfAbsent(path.join(repoRoot, WORKFLOW_PATH), workflowText(paths));
}

export function writeBotWorkflow(repoRoot: string, o: BotWorkflowOptions): GuardResult {
  return writeIfAbsent(path.join(repoRoot, BOT_WORKFLOW_PATH), botWorkflowText(o));
}

function writeIfAbsent(file: string, text: string): GuardResult {
  if (existsSync(file)) return { file, written: false };
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text, { flag: 'wx' });
  return { file, written: true };
}
