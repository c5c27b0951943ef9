// Property test for the Dockerfile transforms on generated Dockerfiles:
// they never crash, the output re-parses, a second run changes nothing,
// lines outside the edits stay as they were, and the final stage's effective
// user is never root after a fix unless a finding says why.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { hardenTree } from './helpers.js';
import { parseDockerfile } from '../src/parse/dockerfile.js';
import { finalStage, resolveStageBase, effectiveUser } from '../src/dockerfile-info.js';
import { CACHE_VARIABLES } from '../src/write-paths.js';

const TRANSFORMS = ['dockerfile/non-root-user', 'dockerfile/home-cache-env'];

const IMAGES = [
  'python:3.12-slim',
  'node:22-alpine',
  'node:22',
  'ubuntu:24.04',
  'ubuntu:22.04',
  'alpine:3.20',
  'debian:bookworm-slim',
  'eclipse-temurin:21-jre',
  'amazonlinux:2023',
  'registry.access.redhat.com/ubi9/ubi-minimal',
  'scratch',
  'gcr.io/distroless/static-debian12',
  'gcr.io/distroless/static-debian12:nonroot',
  'postgres:16',
  'nginx:1.27',
  'nginxinc/nginx-unprivileged:1.27',
  'cgr.dev/chainguard/node',
  'bitnami/redis:7.2',
  'mcr.microsoft.com/windows/servercore:ltsc2022',
  'registry.example.com/team/base:1',
  'registry.local:5000/library/python:3.12@sha256:' + 'a'.repeat(64),
  '${BASE}',
  '${UNSET}',
];

/** One instruction (or comment/blank line) as text; `c` is the continuation escape. */
const instruction = (c: string) =>
  fc.constantFrom(
    'RUN apt-get update && apt-get install -y curl',
    `RUN apk add --no-cache curl ${c}\n    && rm -rf /var/cache/apk/*`,
    `RUN pip install flask ${c}\n    # a comment inside ${c}\n    && echo done`,
    'RUN microdnf install -y tar',
    'RUN <<EOF\nset -e\necho "USER root"\nmkdir -p /inside\nEOF',
    'RUN mkdir -p /data /app/logs',
    'RUN useradd --create-home --uid 1500 svc',
    'RUN groupadd -g 1600 grp && useradd -u 1600 -g grp -d /home/grp grp',
    'USER root',
    'USER 0',
    'USER app',
    'USER 1001:1001',
    'USER ${RUNTIME_USER}',
    'VOLUME /data',
    'VOLUME ["/var/lib/app", "/cache"]',
    'WORKDIR /app',
    'WORKDIR sub',
    'COPY . .',
    'COPY --from=0 /out /usr/local/bin/',
    'COPY seed/ /data/',
    'ADD https://example.com/x.tgz /opt/',
    'ENV HOME=/root',
    'ENV PIP_CACHE_DIR=/root/.cache/pip XDG_CACHE_HOME=/root/.cache',
    'ENV HF_HOME /root/.cache/hf',
    'EXPOSE 8080',
    'LABEL org.opencontainers.image.title="x"',
    'CMD ["app"]',
    'CMD app --serve',
    'ENTRYPOINT ["/entrypoint.sh"]',
    'HEALTHCHECK CMD curl -f http://localhost/ || exit 1',
    'ONBUILD RUN echo later',
    'ONBUILD USER root',
    '# a comment',
    '',
  );

const stage = (c: string, index: number) =>
  fc.record({
    image: fc.constantFrom(...IMAGES, ...(index > 0 ? ['s0', '0'] : [])),
    named: fc.boolean(),
    platform: fc.boolean(),
    body: fc.array(instruction(c), { maxLength: 9 }),
  }).map(({ image, named, platform, body }) =>
    [`FROM ${platform ? '--platform=$BUILDPLATFORM ' : ''}${image}${named ? ` AS s${index}` : ''}`, ...body].join('\n'),
  );

const dockerfile = fc
  .record({
    escape: fc.constantFrom('\\', '\\', '\\', '`'),
    syntax: fc.boolean(),
    globalArg: fc.constantFrom('', 'ARG BASE=python:3.12-slim', 'ARG BASE'),
    stageCount: fc.integer({ min: 1, max: 3 }),
    lower: fc.boolean(),
    crlf: fc.boolean(),
    finalNewline: fc.boolean(),
    seed: fc.integer(),
  })
  .chain((o) =>
    fc.tuple(...Array.from({ length: o.stageCount }, (_, i) => stage(o.escape, i))).map((stages) => {
      const head = [o.escape === '`' ? '# escape=`' : '', o.syntax ? '# syntax=docker/dockerfile:1' : '', o.globalArg].filter(Boolean);
      let text = [...head, ...stages].join('\n\n');
      if (o.lower) text = text.replace(/^(RUN|USER|COPY|CMD|ENV|WORKDIR) /gm, (k) => k.toLowerCase());
      if (o.finalNewline) text += '\n';
      return o.crlf ? text.replace(/\n/g, '\r\n') : text;
    }),
  );

/** `HOME=/root` and `HF_HOME "/x"`: values home-cache-env may edit where they are set. */
const MOVABLE_ENV = new RegExp(`\\b(${['HOME', ...CACHE_VARIABLES].join('|')})([= ])(["']?)[^\\s"']*\\3`, 'g');

/**
 * Input lines must survive in order; the only in-line edits allowed are a `--chown=` flag after
 * COPY/ADD and the value of HOME or a cache variable where an ENV sets it.
 */
function keepsLines(input: string, output: string): boolean {
  const movable = (l: string) => l.replace(MOVABLE_ENV, '$1$2$3<value>$3');
  // A file without a final newline gets one before appended lines: compare lines without their CR.
  const out = output.split(/\r?\n/).map((l) => movable(l.replace(/^((?:copy|add)) --chown=[\w.:-]+/i, '$1')));
  let j = 0;
  for (const raw of input.split(/\r?\n/)) {
    const line = movable(raw);
    while (j < out.length && out[j] !== line) j++;
    if (j === out.length) return false;
    j++;
  }
  return true;
}

describe('Dockerfile transforms on generated Dockerfiles', () => {
  it('never crash, re-parse, reach a fixpoint, keep other lines, and leave no silent root', async () => {
    await fc.assert(
      fc.asyncProperty(dockerfile, async (input) => {
        const first = await hardenTree({ Dockerfile: input }, TRANSFORMS);
        expect(first.result.errors).toEqual([]);
        const out = first.changed['Dockerfile'] ?? input;

        const parsed = parseDockerfile(out);
        const before = parseDockerfile(input);
        expect(parsed.instructions.length).toBeGreaterThanOrEqual(before.instructions.length);
        expect(parsed.stages.length).toBe(before.stages.length);
        expect(keepsLines(input, out)).toBe(true);
        // Heredoc bodies are never edited.
        for (const ins of before.instructions) for (const [s, e] of ins.heredocs) expect(out).toContain(input.slice(s, e));

        const second = await hardenTree({ Dockerfile: out }, TRANSFORMS);
        expect(second.result.errors).toEqual([]);
        expect(second.changed['Dockerfile'] ?? out).toBe(out);

        const stage = finalStage(parsed);
        if (stage) {
          const user = effectiveUser(resolveStageBase(parsed, stage));
          const explained = second.result.engine.findings.some((f) => f.transform === 'dockerfile/non-root-user' && !f.fix && !!f.manual);
          expect(!user.root || explained, `final stage runs as ${user.user}:\n${out}`).toBe(true);
        }
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 200) },
    );
  });
});
