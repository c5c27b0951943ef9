#!/usr/bin/env node
// RECORDING STAND-IN FOR THE GITHUB CLI (`gh`). NOT GitHub, NOT the real gh.
// The bot tests put a `gh` that runs this script first on PATH, because GitHub
// is not reachable from the tests. It does two things:
//   1. records every call (arguments, working directory, and the text of the
//      --body-file it was given) as one JSON line in $GH_STANDIN_LOG;
//   2. keeps a small store of pull requests in $GH_STANDIN_STATE (JSON), so
//      `pr list` answers what earlier `pr create` / `pr edit` / `pr close`
//      calls did, as GitHub would, for the commands the bot uses and no others;
//   3. answers `repo list` (the bot workflow's repository query) with the
//      lines of $GH_STANDIN_REPOS, for the one --jq filter the workflow uses.
// $GH_STANDIN_FAIL=<subcommand> makes that subcommand fail like gh does (exit 1).
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';

const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const all = (name) => args.flatMap((a, i) => (a === name ? [args[i + 1]] : []));
const bodyFile = flag('--body-file');
const body = bodyFile ? readFileSync(bodyFile, 'utf8') : undefined;
appendFileSync(process.env.GH_STANDIN_LOG, JSON.stringify({ args, cwd: process.cwd(), body, token: process.env.GH_TOKEN ?? null }) + '\n');

const statePath = process.env.GH_STANDIN_STATE ?? '';
const state = statePath && existsSync(statePath) ? JSON.parse(readFileSync(statePath, 'utf8')) : { prs: [] };
const save = () => writeFileSync(statePath, JSON.stringify(state, null, 2));
const [group, command] = args;
if (process.env.GH_STANDIN_FAIL === command) {
  process.stderr.write(`stand-in: ${command} fails as asked (HTTP 422: Validation Failed)\n`);
  process.exit(1);
}
const byNumber = (n) => {
  const pr = state.prs.find((p) => p.number === Number(n));
  if (!pr) {
    process.stderr.write(`stand-in: no pull request #${n}\n`);
    process.exit(1);
  }
  return pr;
};

if (group === 'repo' && command === 'list') {
  const filter = '.[] | select(.isEmpty | not) | .nameWithOwner';
  if (flag('--jq') !== filter) {
    process.stderr.write(`stand-in: repo list answers only --jq '${filter}'\n`);
    process.exit(1);
  }
  const repos = (process.env.GH_STANDIN_REPOS ?? '').split('\n').filter(Boolean);
  process.stdout.write(repos.slice(0, Number(flag('--limit') ?? 30)).map((r) => r + '\n').join(''));
  process.exit(0);
}
if (group !== 'pr') {
  process.stderr.write(`stand-in: unsupported command: ${args.join(' ')}\n`);
  process.exit(1);
}
switch (command) {
  case 'list': {
    const head = flag('--head');
    const want = flag('--state') ?? 'open';
    const fields = (flag('--json') ?? 'number').split(',');
    const rows = state.prs
      .filter((p) => p.head === head && (want === 'all' || p.state === want.toUpperCase()))
      .map((p) => Object.fromEntries(fields.map((f) => [f, p[f]])));
    process.stdout.write(JSON.stringify(rows) + '\n');
    break;
  }
  case 'create': {
    const number = state.prs.reduce((n, p) => Math.max(n, p.number), 0) + 1;
    const url = `https://github.com/stand-in/repo/pull/${number}`;
    state.prs.push({ number, url, state: 'OPEN', head: flag('--head'), base: flag('--base'), title: flag('--title'), body, labels: all('--label'), comments: [] });
    save();
    process.stdout.write(url + '\n');
    break;
  }
  case 'edit': {
    const pr = byNumber(args[2]);
    if (flag('--title') !== undefined) pr.title = flag('--title');
    if (body !== undefined) pr.body = body;
    pr.labels.push(...all('--add-label'));
    save();
    process.stdout.write(pr.url + '\n');
    break;
  }
  case 'close': {
    const pr = byNumber(args[2]);
    pr.state = 'CLOSED';
    if (flag('--comment')) pr.comments.push(flag('--comment'));
    save();
    break;
  }
  default:
    process.stderr.write(`stand-in: unsupported command: ${args.join(' ')}\n`);
    process.exit(1);
}
