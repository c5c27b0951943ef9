// src/root-steps.ts: which RUN of a stage fails because it runs as a non-root USER and does what only root may
// (dockerfile/non-root-user reports it for a USER the Dockerfile has, and checks it never adds a USER above one).
import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { parseDockerfile } from '../src/parse/dockerfile.js';
import { firstRootStep } from '../src/root-steps.js';
import { REPO } from './helpers.js';

/** The failing step of each stage, as `line: why`, for a Dockerfile text. */
function steps(text: string): string[] {
  const parsed = parseDockerfile(text);
  return parsed.stages.flatMap((s) => {
    const step = firstRootStep(parsed, s);
    return step ? [`${step.run.line + 1}: ${step.why} [USER ${step.userName} line ${step.user.line + 1}]`] : [];
  });
}

describe('root-only steps after a non-root USER: ownership (#188)', () => {
  it('chown of a folder WORKDIR made as root, under USER $USER from an ARG default (one-app 0d1de838)', () => {
    const text = ['FROM node:18-alpine', 'ARG USER=node', 'WORKDIR /opt/one-app', 'COPY --chown=node:node . .', 'USER $USER', 'RUN chown node:node /opt/one-app', 'CMD ["node", "index.js"]', ''].join('\n');
    expect(steps(text)).toEqual(['6: chown on /opt/one-app, which root owns (made as root by WORKDIR /opt/one-app, line 3) [USER node line 5]']);
    // Their fix (PR #305): the chown before the USER.
    expect(steps(text.replace('USER $USER\nRUN chown node:node /opt/one-app', 'RUN chown node:node /opt/one-app\nUSER $USER'))).toEqual([]);
  });

  it('chmod of a file a COPY without --chown brought in, relative to the WORKDIR; CRLF and a comment', () => {
    const text = ['FROM python:3.12-slim', 'RUN useradd --uid 1500 app', 'WORKDIR /srv/app', '# the start script', 'COPY start.sh ./start.sh', 'USER app', 'RUN chmod +x start.sh', ''].join('\r\n');
    expect(steps(text)).toEqual(['7: chmod on /srv/app/start.sh, which root owns (copied in as root by COPY, line 5) [USER app line 6]']);
    expect(steps(text.replace('COPY start.sh', 'COPY --chown=app:app start.sh'))).toEqual([]);
    expect(steps(text.replace('COPY start.sh', 'COPY --chmod=755 start.sh'))).toEqual(['7: chmod on /srv/app/start.sh, which root owns (copied in as root by COPY, line 5) [USER app line 6]']);
  });

  it('chmod -R over a folder of the user whose contents COPY . . made root\'s; a cd inside the RUN', () => {
    const text = ['FROM debian:bookworm-slim', 'RUN useradd --uid 1500 app', 'USER app', 'WORKDIR /home/app/site', 'COPY . .', 'RUN cd /home/app && chmod -R u+w site', ''].join('\n');
    expect(steps(text)).toEqual(['6: chmod -R on /home/app/site, whose contents root owns (copied in as root by COPY, line 5) [USER app line 3]']);
    expect(steps(text.replace('COPY . .', 'COPY --chown=app . .'))).toEqual([]);
  });

  it('writes under /etc and /usr (redirect, tee, sed -i, cp), and a new folder in /opt', () => {
    const base = ['FROM debian:bookworm-slim', 'RUN useradd --uid 1500 app', 'USER app'];
    expect(steps([...base, 'RUN echo "deb http://x y main" >> /etc/apt/sources.list', ''].join('\n'))).toEqual(['4: echo writing /etc/apt/sources.list, which root owns (under /etc) [USER app line 3]']);
    expect(steps([...base, 'RUN printf "x" | tee /etc/app.conf >/dev/null', ''].join('\n'))).toEqual(['4: tee writing /etc/app.conf, which root owns (under /etc) [USER app line 3]']);
    expect(steps([...base, "RUN sed -i 's/a/b/' /etc/nginx/nginx.conf", ''].join('\n'))).toEqual(['4: sed writing /etc/nginx/nginx.conf, which root owns (under /etc) [USER app line 3]']);
    expect(steps([...base, 'RUN cp tool /usr/bin/tool', ''].join('\n'))).toEqual(['4: cp writing /usr/bin/tool, which root owns (under /usr) [USER app line 3]']);
    expect(steps([...base, 'RUN mkdir /opt/app', ''].join('\n'))).toEqual(['4: mkdir making /opt/app in /opt, which root owns (a folder of the base system) [USER app line 3]']);
  });

  it('a new folder inside one a RUN made as root; heredoc RUN under # escape=`', () => {
    const text = ['# escape=`', 'FROM debian:bookworm-slim', 'RUN useradd --uid 1500 app && mkdir /data', 'USER app', 'RUN <<EOT', 'set -e', 'mkdir -p /data/cache', 'EOT', ''].join('\n');
    expect(steps(text)).toEqual(['5: mkdir writing /data/cache in /data, which root owns (made as root by the RUN at line 3) [USER app line 4]']);
  });

  it('a USER in an earlier stage the stage builds on (multi-stage, ARG in FROM)', () => {
    const text = ['ARG NODE=20', 'FROM node:${NODE}-bookworm-slim AS base', 'USER node', '', 'FROM base AS tools', 'RUN apt-get update && apt-get install -y curl', ''].join('\n');
    expect(steps(text)).toEqual(['6: apt-get update, which writes the package database and system folders [USER node line 3]']);
  });
});

describe('root-only steps after a non-root USER: what is allowed', () => {
  const ok = (lines: string[]) => expect(steps([...lines, ''].join('\n'))).toEqual([]);
  it('the user\'s own folders and files', () => {
    ok(['FROM debian:bookworm-slim', 'RUN useradd --uid 1500 app && mkdir /app && chown -R app:app /app', 'USER app', 'WORKDIR /app', 'RUN mkdir -p logs && chmod 750 logs && chown app /app && touch /app/x && echo hi > /app/y']);
    // A WORKDIR after the USER is the user's (BuildKit), and so is what it makes inside.
    ok(['FROM debian:bookworm-slim', 'RUN useradd --uid 1500 app', 'USER app', 'WORKDIR /srv/site', 'RUN mkdir cache && chmod 700 cache && sed -i s/a/b/ cache/x']);
    // Redirections to /dev/null, /tmp, /proc; writes in /usr/local (some bases give it to their user).
    ok(['FROM debian:bookworm-slim', 'RUN useradd --uid 1500 app', 'USER app', 'RUN ls > /dev/null 2>&1 && echo x > /tmp/x && cp x /usr/local/bin/x']);
  });
  it('root opened the folder (chmod 777, o+w): writes work', () => {
    ok(['FROM debian:bookworm-slim', 'RUN useradd --uid 1500 app && mkdir -p /data && chmod 777 /data', 'USER app', 'RUN mkdir /data/x && echo y > /data/z']);
    ok(['FROM debian:bookworm-slim', 'RUN useradd --uid 1500 app && chmod -R o+w /etc/app', 'USER app', 'RUN echo y > /etc/app/z']);
  });
  it('USER root around the step, sudo, a USER not known, an unknown base, a mkdir -p of what the build has', () => {
    ok(['FROM debian:bookworm-slim', 'RUN useradd --uid 1500 app', 'WORKDIR /app', 'USER app', 'USER root', 'RUN chown app /app', 'USER app']);
    ok(['FROM debian:bookworm-slim', 'RUN useradd --uid 1500 app', 'WORKDIR /app', 'USER app', 'RUN sudo chown app /app && sudo sh -c "echo x > /etc/x"']);
    ok(['FROM debian:bookworm-slim', 'WORKDIR /app', 'USER ${APP_USER}', 'RUN chown app /app']);
    // An unknown base may already hold /app, owned by its user: a WORKDIR there says nothing of the owner.
    ok(['FROM ghcr.io/example/app-base:1', 'WORKDIR /app', 'USER app', 'RUN chown app /app && mkdir -p /app/x']);
    ok(['FROM debian:bookworm-slim', 'RUN useradd --uid 1500 app && mkdir -p /data && chown app /data', 'USER app', 'RUN mkdir -p /data /var/lib']);
  });
});

/**
 * The tool's own USER: for every fixture whose expected output is a Dockerfile, no stage of that output has a step that
 * fails under a USER unless the input already had one there (the added USER goes after the stage's last RUN, and stages
 * built on it switch back to root: placeEdits, descendantEdits).
 */
describe('a USER the tool adds never lands above a root-only step', () => {
  const dir = path.join(REPO, 'test/fixtures/dockerfile');
  const outputs: { name: string; input: string; output: string }[] = [];
  for (const t of readdirSync(dir)) {
    for (const f of readdirSync(path.join(dir, t))) {
      const m = /^(.*)\.output\.Dockerfile$/.exec(f);
      const input = m ? path.join(dir, t, `${m[1]}.input.Dockerfile`) : undefined;
      if (m && input && existsSync(input)) outputs.push({ name: `${t}/${m[1]}`, input: readFileSync(input, 'utf8'), output: readFileSync(path.join(dir, t, f), 'utf8') });
    }
  }
  it(`holds for the ${outputs.length} expected outputs`, () => {
    expect(outputs.length).toBeGreaterThan(100);
    const broken = outputs.flatMap((o) => {
      const before = new Set(steps(o.input).map((s) => s.replace(/^\d+: /, '').replace(/ line \d+\]$/, ']')));
      return steps(o.output)
        .filter((s) => !before.has(s.replace(/^\d+: /, '').replace(/ line \d+\]$/, ']')))
        .map((s) => `${o.name}: ${s}`);
    });
    expect(broken).toEqual([]);
  });
});
