// Runtime tier: the guarded user creation of dockerfile/non-root-user (a base
// whose users the tool does not fully know) on a real engine, for every distro
// family's command, against every combination of accounts the base may already
// hold: the UID, the GID, the name (`app` at 999, as a user, a group or both),
// several of these, or none. One image build runs them all: each command comes
// from the tool's own output, and test/runtime/name-clash/clash.sh runs it once
// per combination on fresh copies of the account files. Skips with a visible
// message without an engine.
import { describe, it, expect } from 'vitest';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findEngine, type Runtime } from './helpers.js';
import { hardenTree } from '../helpers.js';
import { buildImage } from '../../bench/standins.js';

const HERE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'name-clash');
const engine = await findEngine();
const rt = engine.runtime as Runtime;
const LONG = 30 * 60_000;
const TAG = 'dh-test/name-clash:1';

/** A base per distro family whose users the knowledge table does not fully list (so the creation is guarded). */
const BASES: [variant: string, from: string][] = [
  ['debian', 'debian:bookworm-slim'],
  ['rhel', 'registry.access.redhat.com/ubi9/ubi:9.4'],
  ['rhel-minimal', 'registry.access.redhat.com/ubi9/ubi-minimal:9.4'],
  ['alpine', 'alpine:3.20'],
];

/**
 * The shell script of the setup RUN the tool writes for `FROM <base>` (continuations joined).
 * The rhel bases' shadow-utils install is left out: the combinations run on Debian, whose
 * groupadd/useradd are the same shadow tools (the install itself is not what is tested).
 */
async function creationScript(from: string): Promise<string> {
  const { changed } = await hardenTree({ Dockerfile: `FROM ${from}\nCMD ["sleep", "1"]\n` }, ['dockerfile/non-root-user']);
  const out = changed['Dockerfile'];
  if (!out) throw new Error(`no change for FROM ${from}`);
  const head = out.slice(0, out.indexOf('\nENV HOME='));
  if (!head.includes('\nRUN ')) throw new Error(`no setup RUN for FROM ${from}:\n${out}`);
  const script = head.slice(head.lastIndexOf('\nRUN ') + '\nRUN '.length).replace(/ \\\n\s*/g, ' ');
  return script.replace(/^(microdnf|yum) install -y shadow-utils && \1 clean all && /, '');
}

/**
 * Expected per combination (the same for every family): who is at UID 1000 and with which
 * primary GID, the group at GID 1000, the base's own `app` user and group (still at 999
 * where it had them: never reused, never changed), and the owner of HOME /home/app.
 * `app-1000` is the new account's name where the base already uses `app` at another ID.
 */
const EXPECTED: Record<string, string> = {
  none: 'app|1000|app|1000|1000|1000:1000',
  gid: 'app|1000|staff1000|1000||1000:1000',
  uid: 'dev|100|app||1000|1000:1000',
  'uid-gid': 'dev|1000|dev|||1000:1000',
  'uid-other-gid': 'dev|100|other|||1000:1000',
  'name-group': 'app|1000|app-1000|1000|999|1000:1000',
  'name-user': 'app-1000|1000|app|999|1000|1000:1000',
  'name-both': 'app-1000|1000|app-1000|999|999|1000:1000',
  'name-both-gid': 'app-1000|1000|staff1000|999|999|1000:1000',
  'name-both-uid': 'dev|100|app-1000|999|999|1000:1000',
  'name-both-uid-gid': 'dev|1000|dev|999|999|1000:1000',
  'name-group-uid': 'dev|100|app-1000||999|1000:1000',
  'name-user-gid': 'app-1000|1000|staff1000|999||1000:1000',
  'ours-group': 'app|1000|app|1000|1000|1000:1000',
  'ours-user': 'app|100|app|1000|1000|1000:1000',
  'ours-both': 'app|1000|app|1000|1000|1000:1000',
};

/**
 * One build: BusyBox (with the adduser/addgroup Alpine uses; Debian's busybox is built
 * without them, so it is built from Debian's source) runs the alpine command with BusyBox's
 * sh, grep, awk; Debian runs the shadow commands of debian, rhel and rhel-minimal.
 */
const DOCKERFILE = `FROM debian:bookworm-slim AS busybox
RUN sed -n 's/^deb /deb-src /p' /etc/apt/sources.list > /etc/apt/sources.list.d/dh-src.list \\
    && apt-get update -qq && apt-get install -y -qq --no-install-recommends gcc make libc6-dev dpkg-dev bzip2 xz-utils >/dev/null \\
    && cd /usr/src && apt-get source -qq busybox >/dev/null && rm -rf /var/lib/apt/lists/*
RUN cd /usr/src/busybox-1*/ && make allnoconfig >/dev/null \\
    && for s in ASH SH_IS_ASH ASH_ECHO ASH_PRINTF ASH_TEST ADDUSER ADDGROUP FEATURE_ADDUSER_TO_GROUP FEATURE_SHADOWPASSWDS USE_BB_PWD_GRP USE_BB_SHADOW \\
         GREP AWK SED CUT HEAD CP MKDIR RM STAT FEATURE_STAT_FORMAT CHOWN TOUCH CAT READLINK TEST ECHO PRINTF ID BUSYBOX FEATURE_INSTALLER; do \\
         sed -i "s/^# CONFIG_\$s is not set\\$/CONFIG_\$s=y/" .config; done \\
    && sed -i -e 's/^CONFIG_LAST_ID=0$/CONFIG_LAST_ID=60000/' -e 's/^CONFIG_FIRST_SYSTEM_ID=0$/CONFIG_FIRST_SYSTEM_ID=100/' \\
         -e 's/^CONFIG_LAST_SYSTEM_ID=0$/CONFIG_LAST_SYSTEM_ID=999/' .config \\
    && yes '' | make oldconfig >/dev/null && make -j2 busybox >/dev/null \\
    && mkdir /bb && cp busybox /bb/ && /bb/busybox --install -s /bb && /bb/busybox --list | tr '\\n' ' '
ENV PATH=/bb:/usr/sbin:/usr/bin:/sbin:/bin
COPY clash.sh create-alpine.sh /t/
RUN test "$(command -v adduser):$(command -v sh)" = /bb/adduser:/bb/sh && sh /t/clash.sh /t/create-alpine.sh | sed 's/^/alpine|/' > /t/results.alpine

FROM debian:bookworm-slim
COPY clash.sh create-debian.sh create-rhel.sh create-rhel-minimal.sh /t/
RUN for v in debian rhel rhel-minimal; do sh /t/clash.sh /t/create-$v.sh | sed "s/^/$v|/" > /t/results.$v; done
COPY --from=busybox /t/results.alpine /t/
`;

describe.skipIf(!rt)('runtime: guarded user creation whatever accounts the base already holds', () => {
  it(
    'every family: the build succeeds for every clash of UID, GID and name; UID 1000 and GID 1000 exist; the base’s `app` at 999 is left alone',
    async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'dh-rt-name-clash-'));
      try {
        copyFileSync(path.join(HERE, 'clash.sh'), path.join(dir, 'clash.sh'));
        for (const [variant, from] of BASES) {
          const script = await creationScript(from);
          // Guarded, and the name is chosen in the shell: else this test would prove nothing.
          expect(script, variant).toMatch(/\|\| echo app\)"/);
          writeFileSync(path.join(dir, `create-${variant}.sh`), `${script}\n`);
        }
        writeFileSync(path.join(dir, 'Dockerfile'), DOCKERFILE);
        const build = await buildImage(rt.docker, ['-q', '-t', TAG, dir], { timeoutMs: 25 * 60_000 }, (m) => process.stderr.write(`runtime tier: ${m}\n`));
        expect(build.code, build.stderr).toBe(0);
        const out = await rt.docker.must(['run', '--rm', '--network', 'none', TAG, 'sh', '-c', 'cat /t/results.*']);
        const rows = out.trim().split('\n').map((l) => l.split('|'));
        for (const [variant] of BASES) {
          const got = Object.fromEntries(rows.filter((r) => r[0] === variant).map((r) => [r[1]!, `${r[2]}|${r.slice(3).join('|')}`]));
          const want = Object.fromEntries(Object.entries(EXPECTED).map(([combo, e]) => [combo, `0|${e}`]));
          expect(got, `${variant}: combo -> exit|name at 1000|its GID|group at 1000|base app user|base app group|/home/app owner`).toEqual(want);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    LONG,
  );
});

if (!rt) {
  describe('runtime tier (skipped)', () => {
    it.skip(`${engine.reason} (see DEVELOPERS.md)`, () => {});
  });
}
