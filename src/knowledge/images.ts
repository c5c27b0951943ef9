// What we know about base images: one row per image family, each with the
// upstream file its facts come from. A new image is a new row, not new logic.
// Facts that depend on the tag (node:22-alpine vs node:22) live in the row's
// `tags` rules; `lookupImage` never guesses beyond the table.
import type { ImageRef } from '../parse/image-ref.js';
import { PassMemo } from '../pass-memo.js';

export type Distro =
  | 'debian'
  | 'ubuntu'
  | 'alpine'
  | 'rhel'
  | 'rhel-minimal'
  | 'distroless'
  | 'scratch'
  | 'windows'
  | 'unknown';

export interface ImageUser {
  name: string;
  uid: number;
  gid: number;
  /** Its home in the image's /etc/passwd, where known (distroless's and Chainguard's nonroot: /home/nonroot). */
  home?: string;
}

/**
 * A folder inside the image's own install tree (tomcat's /usr/local/tomcat) that
 * its server writes at run time, as upstream ships it. The user the image runs
 * as must be able to write it, and on a read-only root it needs a mount.
 */
export interface InstallWrite {
  /** Absolute path of the folder. */
  path: string;
  /**
   * scratch: what is written may be lost on restart (logs, temporary files, compiled JSPs): a tmpfs;
   *   when the build puts files there the tmpfs would hide them, so it stays as it is.
   * deploy: the server deploys what is there and writes next to it (unpacks a WAR, writes
   *   marker files): with files there (shipped, or put there by the build), neither a tmpfs
   *   (it would hide them) nor a read-only root (the write fails) works; with none, a tmpfs.
   * data: the server keeps state there across restarts: a named volume.
   */
  use: 'scratch' | 'deploy' | 'data';
  /** What the server writes there, for findings: `unpacks each WAR into a folder next to it`. */
  what: string;
  /** The image itself has files there (tomee's webapps/ holds the distribution's apps, wildfly's configuration/ its standalone.xml): a tmpfs would hide them. */
  shipped?: boolean;
  /** Upstream makes it writable for any user (tomcat's `chmod 1777 logs temp work`): nothing to chown; a read-only root still needs a tmpfs there. */
  anyUser?: boolean;
  /** Upstream chowns it to this UID (elasticsearch's 1000): a user at that UID needs no chown; a read-only root still needs a mount there. */
  ownerUid?: number;
  /** What to do by hand when it cannot stay writable (deploy folders with files built in). */
  manual?: string;
  /**
   * A setting that turns the write off, in a configuration file the build may copy
   * in (`unpackWARs="false"` in conf/server.xml): when the file copied to `file`
   * matches `pattern`, the server does not write there.
   */
  offWhen?: { file: string; pattern: RegExp; setting: string };
  /** An environment variable of the container that moves the folder (grafana's GF_PATHS_DATA): set to an absolute path, that is where the server writes. */
  pathVariable?: string;
  /** The server writes there only when this environment variable matches `pattern` (grafana's log files, with `file` in GF_LOG_MODE); unset, it does not. */
  onlyWhen?: { variable: string; pattern: RegExp };
}

export interface ImageFacts {
  /** Row id: 'node', 'ubuntu', 'postgres', 'nginx', 'nginx-unprivileged', 'distroless', 'scratch', 'windows', ... */
  family: string;
  /** For this tag; 'unknown' when the tag does not say (unresolved ARG, digest only). */
  distro: Distro;
  /** A non-root user the image ships that we should REUSE rather than create. */
  existingUser?: ImageUser;
  /**
   * The image's whole /etc/passwd, when something read it (image inspection; no
   * table row sets it). With it a free UID needs no guard in the create command.
   */
  passwd?: ImageUser[];
  /**
   * Its accounts are its distro's base accounts plus existingUser, no others: the upstream Dockerfile creates none
   * besides that user and installs no package that makes one. Set where the whole /etc/passwd is known: read on an
   * engine (python:3.12-slim and debian:bookworm-slim: base-passwd's only; node:20-bookworm-slim: those and node 1000),
   * or from upstream files (the alpine tags of alpine, python, node and golang: alpine-baselayout's passwd; ubuntu 22.04+
   * and eclipse-temurin on it: base-passwd's, with ubuntu 1000 from 23.04). With it, a name the build chowns to that
   * neither the base nor the Dockerfile has is missing, and the build fails there.
   */
  accountsKnown?: boolean;
  /** The image's own USER: 'root', '101', '65532', '1001'. */
  defaultUser: string;
  nonRootByDefault: boolean;
  /** The image starts as root and drops privileges itself (gosu, su-exec, or a root master process): never add USER. */
  dropsPrivileges: boolean;
  /** Capabilities to give back after `cap_drop: [ALL]`. */
  capsNeeded: string[];
  /**
   * For an image that starts as root and steps down (dropsPrivileges) but whose root start has not been checked: why
   * its capabilities are not known (gitea's s6 supervision with sshd as root). compose/cap-drop reports instead of
   * dropping; the image still never gets a USER.
   */
  capsUnknown?: string;
  /**
   * Its own start runs as root and stays root, and capsNeeded is all that root process needs, checked on an engine
   * (LinuxServer's socket-proxy: haproxy's `chroot /` needs SYS_CHROOT): compose/cap-drop gives exactly those back
   * where the image's own entrypoint and command run, instead of reporting a root service it knows nothing about.
   */
  staysRoot?: boolean;
  /**
   * For a staysRoot image: the compose `command:` values its own server still runs for. 'any' where the entrypoint is
   * the server (mailpit's ENTRYPOINT ["/mailpit"]: a command is its arguments) or puts it in front of every argument
   * (minio's `set -- minio "$@"`); a DropCondition where the command replaces the server's (meilisearch's CMD under
   * `tini --`). Unset: only with no compose command.
   */
  servesFor?: 'any' | DropCondition;
  /**
   * For a staysRoot image: environment variables that make its own start do something else as root (minio's
   * MINIO_USERNAME and MINIO_GROUPNAME: `chroot --userspec` to another user), whose needs were not checked: a service
   * that sets all of `variables` is reported instead. `why` says what the start then does.
   */
  staysRootUnless?: { variables: string[]; why: string };
  /**
   * The DAC_OVERRIDE in capsNeeded is there only for root to read and descend into folders the server's user keeps
   * private (the entrypoint's `find <data> \! -user X -exec chown X`); it writes only in folders root owns or that
   * are mode 1777. CAP_DAC_READ_SEARCH bypasses the same read and search checks (capabilities(7)), so a service whose
   * authors gave that back instead (ghostfolio's postgres: CHOWN, DAC_READ_SEARCH, FOWNER, SETGID, SETUID) lacks
   * nothing its start needs. Not a reason to give DAC_READ_SEARCH: it also allows open_by_handle_at.
   */
  readSearchForDacOverride?: boolean;
  /** Paths it writes that need a tmpfs under `read_only: true`. */
  tmpfsPaths: string[];
  /**
   * Where it keeps data. Every row's data paths are declared as VOLUME in the
   * upstream Dockerfile, so they stay writable under `read_only: true`.
   */
  dataPaths: string[];
  /**
   * Folders of the image's own install tree its server writes (see InstallWrite):
   * root's upstream unless marked anyUser, so a user the tool adds must own them.
   */
  installWrites: InstallWrite[];
  /**
   * tmpfsPaths and dataPaths are every path the image's own server process writes
   * (run with its default command). False for base images (python, node, alpine...)
   * that run whatever command they are given: their write paths are not known.
   */
  writePathsKnown: boolean;
  /**
   * Why the write paths of an image that runs its own server are not known, and what a read-only root would need
   * (LinuxServer.io's s6-overlay init, weblate before 5.0): said in place of "runs whatever command it is given".
   */
  writesUnknown?: string;
  /** Canonical name of a drop-in non-root replacement; the tag carries over. */
  swapTo?: string;
  hasShell: boolean;
  /**
   * What the image's own start does that only root may do, for an image that must start as root (said after "its own
   * start"): a Dockerfile that keeps that start under a non-root USER fails there (dockerfile/non-root-user).
   */
  startNeedsRoot?: string;
  /**
   * For an image whose own start must run as root and stays root (docker:dind's dockerd): what that start does, what
   * to do instead, and the program an entrypoint of the repository that still runs it names (dockerfile/non-root-user
   * adds no USER on such a base while that start runs).
   */
  rootStart?: { what: string; fix: string; program: RegExp };
  /** Why we leave the image alone (Windows). */
  outOfScope?: string;
  /** `useradd` may be missing: install shadow-utils with the image's package manager first (a no-op where present). */
  needsShadowUtils?: boolean;
  /** Container ports its own server listens on by default (the upstream EXPOSE); [] for base images. */
  ports: number[];
  /**
   * Capabilities its binaries carry as file capabilities (`setcap ...=+ep`):
   * exec fails with "operation not permitted" for any user unless they stay in
   * the bounding set, so `cap_drop: [ALL]` must give them back.
   */
  fileCapabilities: string[];
  /**
   * Capabilities a helper program the image's server runs carries as file capabilities (Debian's iputils-ping:
   * cap_net_raw=ep on /usr/bin/ping, which telegraf's ping input runs): exec of it fails "operation not permitted"
   * under cap_drop ALL whoever runs it (a compose `user:` that skips the entrypoint's step down included), so cap_drop
   * gives them back. Unlike fileCapabilities the program does without the capability being granted (ping falls back to
   * the unprivileged ICMP socket Docker's ping_group_range allows), so no-new-privileges is not held back for them.
   * `why` says which program and what of the server runs it, for findings.
   */
  helperFileCapabilities?: { caps: string[]; why: string };
  /**
   * Capabilities the image's root start needs only where its configuration turns a feature on: a `[[section]]` of its
   * TOML configuration (the files at `files`, or any `*.conf` in `dirs`) whose body sets `setting`. Read from the
   * configuration files the service mounts from the repository; where none is there, nothing is added. For telegraf's
   * ping input with `method = "native"`: the entrypoint's setcap (SETFCAP) gives telegraf cap_net_raw and
   * cap_net_bind_service, and exec of it then needs both in the bounding set.
   */
  configuredCaps?: { files: string[]; dirs: string[]; section: string; setting: RegExp; caps: string[]; why: string };
  /**
   * Capabilities a non-root image's own entrypoint needs in the bounding set because it runs a setuid-root helper
   * (pgadmin's `sudo /usr/sbin/postfix start` as user pgadmin): root reached that way holds only the bounding set, so
   * under `cap_drop: [ALL]` sudo cannot switch its IDs. Given back only where the image's entrypoint runs.
   */
  setuidHelperCaps?: string[];
  /**
   * What the image's own start does that no-new-privileges stops or changes (a setuid
   * step up, a fallback it takes when it sees the flag): compose/no-new-privileges
   * reports instead of adding the flag.
   */
  newPrivileges?: string;
  /**
   * newPrivileges happens only when the image's entrypoint starts as root (telegraf's Alpine tags until 1.35: `if [ "$(id -u)"
   * -ne 0 ]; then exec "$@"`, else setcap and su-exec): a service that runs as a known non-root user never reaches it, and
   * compose/no-new-privileges adds the flag there.
   */
  newPrivilegesOnlyAsRoot?: boolean;
  /** Set when tag-dependent facts could not be decided; those facts are left at their defaults. */
  uncertain?: string;
  /** ENV the image sets that Dockerfiles built on it name (`USER $APP_UID` on .NET 8+). */
  env?: Record<string, string>;
  /**
   * Folders the image makes mode 1777 so that any user may install into them (the official ruby image's GEM_HOME
   * /usr/local/bundle, golang's GOPATH /go), with the programs that fill them: a build that runs one of those leaves
   * subfolders in it (gems/, pkg/mod/) owned by whoever ran it, which another user may not write, so the folder then
   * counts as open to any user no more.
   */
  anyoneWrites?: { path: string; filledBy: string[] }[];
  /** Upstream URL of the facts. */
  source: string;
  /** Upstream file capsNeeded was read from: the entrypoint that steps down, or the server's own source. */
  capsSource?: string;
  /** The row's entrypoint or server file (its capsSource) whatever capsNeeded holds: names the program a compose wrapper may run again (pgadmin's entrypoint.sh). */
  entrypointSource?: string;
  /**
   * For an image whose entrypoint script steps down (dropsPrivileges): the first arguments it does that for.
   * The docker-library entrypoints test `$1` (`[ "$1" = 'redis-server' ]`) and run anything else with
   * `exec "$@"` as root, so a compose `command: sh -c ...` runs as root with no step down. Unset: the
   * step down does not depend on the command (a root master process such as nginx's or Apache's).
   */
  dropsFor?: DropCondition;
}

/** When an entrypoint steps down: the first argument is one of `words`, or starts with one of `prefixes`, or is an option (`-x`, `--x`) it puts the server in front of (`optionFirst`), or names a `.conf` file (`confFirst`, redis and valkey). */
export interface DropCondition {
  words: string[];
  prefixes?: string[];
  optionFirst: boolean;
  confFirst?: boolean;
}

/**
 * Whether an entrypoint with this condition steps down for a command whose first word is `first`
 * (as written: the scripts compare strings, so `/usr/local/bin/redis-server` is not `redis-server`);
 * undefined when the word is not known (a variable).
 */
export function entrypointDropsFor(cond: DropCondition, first: string): boolean | undefined {
  if (first.includes('$')) return undefined;
  if (cond.words.includes(first)) return true;
  if (cond.prefixes?.some((p) => first.startsWith(p))) return true;
  if (cond.optionFirst && first.startsWith('-')) return true;
  return !!cond.confFirst && first.endsWith('.conf');
}

type FactFields = Omit<ImageFacts, 'family' | 'source' | 'capsSource' | 'entrypointSource'>;
type PartialFacts = Partial<FactFields>;

export interface TagRule {
  /** Tested against the lower-cased tag (and the canonical name, for rows that span several repositories). */
  when: RegExp | ((tag: string, name: string) => boolean);
  set: PartialFacts | ((tag: string, name: string) => PartialFacts);
}

export interface ImageRow {
  family: string;
  /** Canonical names (see ImageRef.name): exact strings or patterns. */
  names: (string | RegExp)[];
  source: string;
  capsSource?: string;
  /** True for every tag. */
  facts: PartialFacts;
  /** First matching rule wins. */
  tags?: TagRule[];
  /** A literal tag no rule matched (e.g. 'latest', '22'). Not used for unresolved tags. */
  otherTags?: PartialFacts;
}

const DEFAULTS: FactFields = {
  distro: 'unknown',
  defaultUser: 'root',
  nonRootByDefault: false,
  dropsPrivileges: false,
  capsNeeded: [],
  tmpfsPaths: [],
  dataPaths: [],
  installWrites: [],
  writePathsKnown: false,
  hasShell: true,
  ports: [],
  fileCapabilities: [],
};

const user = (name: string, uid: number, gid = uid): ImageUser => ({ name, uid, gid });
/**
 * distroless's and Chainguard's nonroot (65532): its home is /home/nonroot, made and owned by it (distroless base/base.bzl's
 * passwd entries and its fileExistenceTests "nonroot home directory"; tailscale/golink PR #12 moved its database there on
 * cgr.dev/chainguard/static). Not said of wolfi-base, which runs as root: whether its build makes that folder is not checked.
 */
const NONROOT: ImageUser = { ...user('nonroot', 65532), home: '/home/nonroot' };

// Tag vocabulary shared by the docker-library images.
const ALPINE = /(^|-)alpine/;
const DEBIAN = /(^|-)(slim|forky|trixie|bookworm|bullseye|buster|stretch|jessie)(-|$)/;
const UBUNTU_WITH_USER = ['lunar', 'mantic', 'noble', 'oracular', 'plucky', 'questing', 'resolute'];
const UBUNTU_WITHOUT_USER = ['trusty', 'xenial', 'bionic', 'cosmic', 'disco', 'eoan', 'focal', 'groovy', 'hirsute', 'impish', 'jammy', 'kinetic'];
const UBUNTU_USER = user('ubuntu', 1000);

/** The Ubuntu codename a tag names as one of its `-` parts (`21-jdk-noble` -> 'noble'). */
function ubuntuCodename(tag: string): string | undefined {
  return tag.split('-').find((p) => UBUNTU_WITH_USER.includes(p) || UBUNTU_WITHOUT_USER.includes(p));
}

/**
 * A tomcat tag naming a release older than the first built on noble (9.0.91, 10.1.26, 11.0.0-M22; every 8.x and older, and
 * the 10.0 line), with the default temurin variant (`8.5.98-jdk11-temurin`, `9.0.85`, `10.1.20-jre17`, and the moving
 * tags of retired lines, `8`, `8.5-jdk11`, `10.0`): its base was jammy or focal, or an openjdk Debian image before that.
 * The moving tags of the current lines (`9.0`, `10.1`, `11`) are built on noble today.
 */
function tomcatBeforeNoble(tag: string): boolean {
  const m = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-[Mm](\d+))?(-(jdk|jre)\d+)?(-temurin)?$/.exec(tag);
  if (!m) return false;
  const num = (x: string | undefined) => (x === undefined ? undefined : Number(x));
  const [major, minor, patch, milestone] = [Number(m[1]), num(m[2]), num(m[3]), num(m[4])];
  // 8.5 left the library on 2024-04-01 (docker-library/tomcat 9cc80d78), 10.0 in 2022: neither was ever built on noble.
  if (major <= 8) return true;
  if (major === 10 && minor === 0) return true;
  if (patch === undefined) return false;
  if (major === 9 && minor === 0) return patch < 91;
  if (major === 10 && minor === 1) return patch < 26;
  if (major === 11 && minor === 0 && patch === 0) return milestone !== undefined && milestone < 22;
  return false;
}

/** Ubuntu 23.04 and later ship user `ubuntu` 1000:1000 (launchpad bug 2005129); undefined = cannot tell. */
/**
 * Whether a node tag names a version whose last image was built before docker-node gave every image the user node at
 * 1000:1000 (nodejs/docker-node 4a722c29, 2016-11-23, PR #274 for v7.2.0 after #263: `groupadd --gid 1000 node && useradd
 * --uid 1000 --gid node`). The versions current then (0.12.17, 4.6.2, 6.9.1, 7.1.0; read from that commit's Dockerfiles)
 * and every later one were built from it; an older version's tag was never rebuilt: there is no node at 1000, only the
 * system user `useradd -r node` of b18c441d (2016-11-03) on 0.10.48, 4.6.1 and 7.0.0, and no node user at all before.
 * Node 5 and 0.10 reached their end of life before the change. A tag naming a whole line (`4`, `6.9`, `0.12`) is its
 * latest version, which has the user; codenames (`argon`, `boron`) likewise.
 */
export function nodeTagPredatesUser(tag: string): boolean {
  const m = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?(?=$|-)/.exec(tag);
  if (!m) return false;
  const [major, minor, patch] = [Number(m[1]), m[2] === undefined ? undefined : Number(m[2]), m[3] === undefined ? undefined : Number(m[3])];
  const before = (firstMinor: number, firstPatch: number) => minor !== undefined && (minor < firstMinor || (minor === firstMinor && patch !== undefined && patch < firstPatch));
  if (major === 0) return minor !== undefined && (minor < 12 || (minor === 12 && patch !== undefined && patch < 17));
  if (major === 4) return before(6, 2);
  if (major === 5) return true;
  if (major === 6) return before(9, 1);
  if (major === 7) return before(1, 0);
  return false;
}

function ubuntuShipsUser(tag: string): boolean | undefined {
  const v = /^(\d{2})\.(\d{2})/.exec(tag);
  if (v) return Number(v[1]) * 100 + Number(v[2]) >= 2304;
  const head = tag.split('-')[0]!;
  if (['latest', 'rolling', 'devel', ...UBUNTU_WITH_USER].includes(head)) return true;
  if (UBUNTU_WITHOUT_USER.includes(head)) return false;
  return undefined;
}

/**
 * Ubuntu 22.04 (jammy) and later hold base-passwd's accounts only (plus gnats before 23.04, and user ubuntu from
 * 23.04 on): the Ubuntu image adds no package that makes an account. Older releases are not claimed (14.04's had
 * libuuid and syslog as well).
 */
function ubuntuAccountsKnown(tag: string): boolean {
  const v = /^(\d{2})\.(\d{2})/.exec(tag);
  if (v) return Number(v[1]) * 100 + Number(v[2]) >= 2204;
  const parts = tag.split('-');
  return parts.some((p) => ['jammy', 'kinetic', ...UBUNTU_WITH_USER].includes(p)) || ['latest', 'rolling', 'devel'].includes(parts[0]!);
}

const ubuntuCodenameFacts = (tag: string): PartialFacts =>
  UBUNTU_WITH_USER.includes(ubuntuCodename(tag)!) ? { distro: 'ubuntu', existingUser: UBUNTU_USER } : { distro: 'ubuntu' };

/** The same, for an image whose Dockerfile adds no account to its Ubuntu base (eclipse-temurin): whole for 22.04+. */
const ubuntuCodenameAccounts = (tag: string): PartialFacts => ({
  ...ubuntuCodenameFacts(tag),
  ...(ubuntuAccountsKnown(ubuntuCodename(tag)!) ? { accountsKnown: true } : {}),
});

/** Major and minor version a tag starts with ('1.35.2-alpine' -> [1, 35], '2' -> [2, undefined]); undefined for 'latest', codenames. */
function majorMinor(tag: string): [number, number | undefined] | undefined {
  const m = /^(\d+)(?:\.(\d+))?(?:[.\-_]|$)/.exec(tag);
  return m ? [Number(m[1]), m[2] === undefined ? undefined : Number(m[2])] : undefined;
}

/** Leading major version of a tag ('17-jdk' -> 17, '8.0-alpine' -> 8); undefined for 'latest', '${V}', codenames. */
function major(tag: string): number | undefined {
  const m = /^(\d+)(?:[.\-_]|$)/.exec(tag);
  return m ? Number(m[1]) : undefined;
}

// --- rows whose facts need a little computation ------------------------------------------

const PG_DEBIAN = user('postgres', 999);
const PG_ALPINE = user('postgres', 70);

/** 18+ moved PGDATA to /var/lib/postgresql/18/docker and the VOLUME to /var/lib/postgresql. */
function postgresData(tag: string): PartialFacts {
  const m = major(tag);
  if (m === undefined && tag.includes('$')) {
    return { uncertain: 'postgres major version unresolved: data path is /var/lib/postgresql (18+) or /var/lib/postgresql/data (<=17)' };
  }
  // No version in the tag ('latest', 'alpine', 'bookworm') means the newest major: 18+.
  return { dataPaths: m !== undefined && m <= 17 ? ['/var/lib/postgresql/data'] : ['/var/lib/postgresql'] };
}

/**
 * Images built FROM the official postgres image whose tags name the server's major version as `pgNN`
 * (`pg17`, `0.8.0-pg17-bookworm`, `2.17.2-pg16`): the data path by that version. A tag that names none
 * (`latest`) is not guessed: postgres 18 moved it.
 */
function pgMajorData(tag: string): PartialFacts {
  const m = /(?:^|-)pg(\d+)(?:[.-]|$)/.exec(tag);
  if (!m) return { uncertain: 'postgres major version not in the tag: data path is /var/lib/postgresql (18+) or /var/lib/postgresql/data (<=17)' };
  return { dataPaths: Number(m[1]) <= 17 ? ['/var/lib/postgresql/data'] : ['/var/lib/postgresql'] };
}

const DOTNET_APP = user('app', 1654);

/** .NET 8+ images ship user `app` 1654 (APP_UID); 6.0/7.0 do not. */
function dotnetApp(tag: string): PartialFacts {
  const m = tag.startsWith('latest') ? 99 : major(tag);
  if (m === undefined) return { uncertain: '.NET version unresolved: user app (1654) exists only from 8.0 on' };
  // `ENV APP_UID=1654` (runtime-deps Dockerfile), which the .NET 8+ templates use as `USER $APP_UID`.
  return m >= 8 ? { existingUser: DOTNET_APP, env: { APP_UID: String(DOTNET_APP.uid) } } : {};
}

const dotnet = (distro: Distro, extra: PartialFacts = {}) => (tag: string): PartialFacts => ({
  distro,
  ...dotnetApp(tag),
  ...extra,
});

const MYSQL_USER = user('mysql', 999);
/** postgres: chown of PGDATA and the socket folder, chmod 700 of PGDATA (owned by postgres by then: FOWNER), gosu. */
const POSTGRES_CAPS = ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'SETGID', 'SETUID'];
/**
 * The official postgres image's entrypoint, and of the images built FROM it that keep it (pgvector, PostGIS,
 * TimescaleDB): as root it chowns PGDATA and the socket folder, then gosu/su-exec to postgres. It puts `postgres`
 * in front of an option (`if [ "${1:0:1}" = '-' ]; then set -- postgres "$@"`) and steps down only
 * `if [ "$1" = 'postgres' ]`. The server writes its socket and lock in /var/run/postgresql and temporary files in /tmp.
 */
const POSTGRES_ENTRYPOINT: PartialFacts = {
  dropsPrivileges: true,
  capsNeeded: POSTGRES_CAPS,
  readSearchForDacOverride: true,
  dropsFor: { words: ['postgres'], optionFirst: true },
  tmpfsPaths: ['/var/run/postgresql', '/tmp'],
  writePathsKnown: true,
};
/**
 * `find <data> \! -user X -exec chown X` as root, then gosu/su-exec to X.
 * CHOWN for the chown, SETGID and SETUID for the step down. Where the server
 * keeps folders only its user may open (mode 700/750), root's find cannot
 * descend into them without DAC_OVERRIDE and the `set -e` entrypoint exits:
 * seen on the team daemon with a stand-in (debian:bookworm-slim, gosu, a
 * 0700 folder owned by UID 999 in the volume): "find: '/var/lib/db/sub':
 * Permission denied" under CHOWN, SETGID, SETUID; the same run passes with
 * DAC_OVERRIDE added. DAC_READ_SEARCH would also pass, but it is not in
 * Docker's default set and allows open_by_handle_at, so it is not given.
 */
const FIND_CHOWN_PRIVATE_CAPS = ['CHOWN', 'DAC_OVERRIDE', 'SETGID', 'SETUID'];
/** The same step down over data folders the server creates 0755 (root's find can descend): no DAC_OVERRIDE. */
const FIND_CHOWN_CAPS = ['CHOWN', 'SETGID', 'SETUID'];
/**
 * A root master process (Apache httpd, php-fpm) that switches its children to
 * www-data needs only SETGID and SETUID: Debian's apache2 2.4 (the one
 * php:apache installs; httpd builds the same source) served 200 with its
 * children as www-data under cap_drop ALL + SETGID, SETUID on the team daemon.
 */
const MASTER_SWITCH_CAPS = ['SETGID', 'SETUID'];
/**
 * Debian's apache2 as php:*-apache sets it up (APACHE_RUN_DIR, APACHE_LOCK_DIR,
 * made 1777 in the image): the master writes its pid file there at start. On the
 * team daemon, a read-only root with a tmpfs for /tmp only stopped it with
 * "AH00099: could not create /var/run/apache2/apache2.pid" (30, Read-only file
 * system); tmpfs on these two served 200. Its logs are links to stdout/stderr.
 */
const APACHE_RUN_PATHS = ['/var/run/apache2', '/var/lock/apache2'];

/** The management variants also serve the UI and its TLS port. */
const rabbitmqPorts = (tag: string): PartialFacts =>
  /management/.test(tag) ? { ports: [4369, 5671, 5672, 15671, 15672, 15691, 15692, 25672] } : {};

const WINDOWS_OUT_OF_SCOPE =
  'Windows container: USER, capabilities and read-only roots work differently there; docker-harden leaves it unchanged.';

/**
 * What Tomcat writes in its install tree (CATALINA_HOME = CATALINA_BASE), with the default
 * conf/server.xml: `<Host name="localhost" appBase="webapps" unpackWARs="true" autoDeploy="true">`.
 * Host docs (https://tomcat.apache.org/tomcat-10.1-doc/config/host.html): unpackWARs (default
 * true) expands each WAR in the appBase into a folder next to it and serves from there (an
 * unwritable appBase fails that deployment); createDirs (default true) makes appBase and xmlBase
 * (conf/Catalina/localhost) at start, logging an error when it cannot; work/ holds compiled JSPs
 * and session files; temp/ is java.io.tmpdir (catalina.sh); logs/ the file logs (logging.properties).
 * `anyUser`: the tomcat image's `chmod 1777 logs temp work` (tomee has none); the tomcat image
 * moves the stock apps out of webapps/ (`mv webapps webapps.dist`), tomee leaves them there.
 */
function tomcatWrites(home: string, tomcatImage: boolean): InstallWrite[] {
  const anyUser = tomcatImage ? { anyUser: true } : {};
  return [
    {
      path: `${home}/webapps`,
      use: 'deploy',
      what: 'unpacks each WAR into a folder next to it (unpackWARs) and deploys from there',
      // The tomcat image empties it (webapps.dist); tomee keeps the distribution's apps there.
      ...(tomcatImage ? {} : { shipped: true }),
      manual:
        `Set unpackWARs="false" on the <Host> in conf/server.xml and COPY that file to ${home}/conf/server.xml ` +
        `(Tomcat then runs each WAR in place and writes nothing in webapps), or mount a named volume at ${home}/webapps ` +
        '(it keeps the WARs it was first filled with: remove it to deploy a new build); then run docker-harden again. ' +
        'docker-harden --verify on an engine shows what it writes.',
      offWhen: { file: `${home}/conf/server.xml`, pattern: /\bunpackWARs\s*=\s*["']false["']/, setting: 'unpackWARs="false"' },
    },
    { path: `${home}/conf/Catalina`, use: 'scratch', what: 'makes conf/Catalina/localhost at start (createDirs) for context XMLs' },
    { path: `${home}/logs`, use: 'scratch', what: 'writes its log files', ...anyUser },
    { path: `${home}/temp`, use: 'scratch', what: 'keeps temporary files (java.io.tmpdir)', ...anyUser },
    { path: `${home}/work`, use: 'scratch', what: 'compiles JSPs and keeps session files', ...anyUser },
  ];
}

/**
 * WildFly standalone (its standalone/ folder, "Installation Structure and Details":
 * https://access.redhat.com/documentation/en-us/jboss_enterprise_application_platform/6/html/installation_guide/installation_structure_and_details2): deployments/ is scanned and gets marker files next to each deployment
 * (`app.war.deployed`, `.isdeploying`, `.failed`: JBoss EAP "Deployment Scanner Marker Files",
 * https://access.redhat.com/documentation/en-us/jboss_enterprise_application_platform/6.1/html/administration_and_configuration_guide/reference_for_deployment_scanner_marker_files1);
 * configuration/ gets standalone_xml_history/ at every boot next to the shipped standalone.xml;
 * data/ is its persistent store (transaction log, timers, managed content); log/ and tmp/ are scratch.
 */
const WILDFLY_HOME = '/opt/jboss/wildfly/standalone';
const WILDFLY_WRITES: InstallWrite[] = [
  {
    path: `${WILDFLY_HOME}/deployments`,
    use: 'deploy',
    what: 'writes marker files (app.war.deployed, .isdeploying, .failed) next to each deployment',
    manual:
      `Deploy through the management CLI at start instead of the scanner, or mount a named volume at ${WILDFLY_HOME}/deployments ` +
      '(it keeps what it was first filled with: remove it to deploy a new build); then run docker-harden again.',
  },
  {
    path: `${WILDFLY_HOME}/configuration`,
    use: 'deploy',
    what: 'writes standalone_xml_history/ next to standalone.xml at every boot',
    shipped: true,
    manual: `Mount a named volume at ${WILDFLY_HOME}/configuration (it keeps the configuration it was first filled with); then run docker-harden again.`,
  },
  { path: `${WILDFLY_HOME}/data`, use: 'data', what: 'keeps its transaction log, timers and deployed content' },
  { path: `${WILDFLY_HOME}/log`, use: 'scratch', what: 'writes server.log' },
  { path: `${WILDFLY_HOME}/tmp`, use: 'scratch', what: 'keeps temporary files and exploded deployments (vfs)' },
];

/**
 * What Elasticsearch writes in its install tree, ES_HOME=/usr/share/elasticsearch, which upstream
 * declares no VOLUME for (elastic/dockerfiles elasticsearch/Dockerfile: `mkdir data`, then `chmod 0775
 * bin config config/jvm.options.d data logs plugins` and `chown elasticsearch` of the same). data/ is
 * path.data; logs/ gets the GC log and JVM error files (jvm.options: -Xlog:gc*:file=logs/gc.log,
 * -XX:ErrorFile=logs/hs_err_pid%p.log; the Docker log4j2 config logs to the console); config/ holds the
 * shipped elasticsearch.yml and jvm.options, and the entrypoint creates config/elasticsearch.keystore
 * when ELASTIC_PASSWORD is set (docker-entrypoint.sh, v7.17.9), as the 8.x security auto-configuration
 * writes config/certs/ and its settings into elasticsearch.yml on a first start
 * (https://www.elastic.co/guide/en/elasticsearch/reference/8.15/configuring-stack-security.html).
 */
const ES_HOME = '/usr/share/elasticsearch';
/**
 * What `caddy run` writes under the XDG folders the image sets (XDG_DATA_HOME=/data, XDG_CONFIG_HOME=/config;
 * https://caddyserver.com/docs/conventions#data-directory): the certificates and keys it obtains, OCSP staples and
 * its instance id in /data/caddy ("should not be treated as a cache"), the last config it loaded (autosave.json) in
 * /config/caddy. Both made mode 1777 in the image (`chmod 1777 /config/caddy /data/caddy`, caddy-docker
 * 2.11/alpine/Dockerfile; in the 2.10 images too), so any user writes them; a read-only root does not: a Dockerfile
 * FROM caddy that keeps its CMD (makeplane/plane's proxy, rw-review5) was given read_only with only /tmp.
 */
const CADDY_WRITES: InstallWrite[] = [
  { path: '/data/caddy', use: 'data', what: 'keeps the TLS certificates and keys it obtains (XDG_DATA_HOME=/data)', anyUser: true },
  { path: '/config/caddy', use: 'scratch', what: 'autosaves the config it runs (XDG_CONFIG_HOME=/config)', anyUser: true },
];

/**
 * What Uptime Kuma 2.x writes: its data folder, DATA_DIR or ./data, /app/data in the image (server/database.js), with the
 * SQLite database, uploads and screenshots, or the embedded MariaDB's files in /app/data/mariadb and its socket and pid in
 * /app/data/run (server/embedded-mariadb.js, which runs mariadbd --user=node); the 2.x Dockerfile declares no VOLUME.
 * Chromium, for real-browser monitors, writes its profile elsewhere.
 */
const UPTIME_KUMA_WRITES =
  'keeps its database (SQLite, or the embedded MariaDB under /app/data/mariadb), uploads and screenshots in /app/data, which the 2.x image declares no VOLUME for, and what Chromium (real-browser monitors) writes is not known: a read-only root needs a volume there';

const ELASTICSEARCH_WRITES: InstallWrite[] = [
  { path: `${ES_HOME}/data`, use: 'data', what: 'keeps its indices and cluster state (path.data)', ownerUid: 1000 },
  { path: `${ES_HOME}/logs`, use: 'scratch', what: 'writes its GC log and JVM error files', ownerUid: 1000 },
  {
    path: `${ES_HOME}/config`,
    use: 'deploy',
    what: 'creates elasticsearch.keystore (with ELASTIC_PASSWORD) and, on a first start with security on, config/certs and settings in elasticsearch.yml',
    shipped: true,
    ownerUid: 1000,
    manual:
      `Mount a named volume at ${ES_HOME}/config (it keeps the configuration it was first filled with: remove it to ship a new one), ` +
      'or create the keystore and certificates in the build; then run docker-harden again.',
  },
];

/**
 * Where n8n (1.x and later, as node) writes under its home, both from InstanceSettings
 * (https://github.com/n8n-io/n8n/blob/master/packages/core/src/instance-settings/instance-settings.ts):
 * `n8nFolder` (~/.n8n: the SQLite database, the config file with the encryption key, binary data,
 * community nodes) and `staticCacheDir` (~/.cache/n8n/public, where `n8n start` writes the editor's
 * files it serves). Upstream makes /home/node owned by node (`chown -R node:node /home/node`) and
 * declares no VOLUME.
 */
const N8N_WRITES: InstallWrite[] = [
  { path: '/home/node/.n8n', use: 'data', what: 'keeps its database, settings (with the encryption key) and community nodes in ~/.n8n', ownerUid: 1000 },
  { path: '/home/node/.cache', use: 'scratch', what: "writes the editor's files it serves to ~/.cache/n8n/public at start", ownerUid: 1000 },
];

/**
 * Where Grafana writes with the image's own start (packaging/docker/run.sh, which execs grafana-server
 * with `cfg:default.log.mode="console"`, so nothing goes to GF_PATHS_LOGS, and with the data and plugin
 * paths below: https://github.com/grafana/grafana/blob/main/packaging/docker/run.sh). GF_PATHS_DATA,
 * /var/lib/grafana, holds its SQLite database (grafana.db) and the plugins it installs (GF_PATHS_PLUGINS,
 * /var/lib/grafana/plugins, which run.sh makes when missing and GF_INSTALL_PLUGINS fills). Upstream
 * makes it, chowns it to grafana (472) and `chmod -R 777`s it, and declares no VOLUME
 * (https://github.com/grafana/grafana/blob/main/Dockerfile), so a read-only root needs a volume there.
 */
const GRAFANA_WRITES: InstallWrite[] = [
  { path: '/var/lib/grafana', use: 'data', what: 'keeps its database (grafana.db) and installed plugins in GF_PATHS_DATA', ownerUid: 472, anyUser: true, pathVariable: 'GF_PATHS_DATA' },
  // run.sh passes the paths as `cfg:default.paths.data="$GF_PATHS_DATA"` and the log mode as `cfg:default.log.mode="console"`,
  // a default that GF_LOG_MODE overrides (GF_<SECTION>_<KEY> variables win over the config files and the defaults:
  // https://grafana.com/docs/grafana/latest/setup-grafana/configure-grafana/#override-configuration-with-environment-variables);
  // with `file` in it grafana writes grafana.log into GF_PATHS_LOGS (/var/log/grafana, made and chowned to 472 by the Dockerfile).
  {
    path: '/var/log/grafana',
    use: 'scratch',
    what: 'writes grafana.log into GF_PATHS_LOGS (GF_LOG_MODE has file)',
    ownerUid: 472,
    anyUser: true,
    pathVariable: 'GF_PATHS_LOGS',
    onlyWhen: { variable: 'GF_LOG_MODE', pattern: /(^|[\s,])file($|[\s,])/ },
  },
];

/**
 * Kong's prefix: `kong prepare` writes nginx.conf, .kong_env, logs/, pids/ and sockets/ into
 * KONG_PREFIX (/usr/local/kong) at every start (docker-entrypoint.sh,
 * https://github.com/Kong/docker-kong/blob/master/docker-entrypoint.sh), and the package ships
 * files there too (include/ with the protobuf definitions its gRPC plugins load; 3.x also lib/
 * with the OpenSSL its nginx links against): a tmpfs would hide them. Kong's own compose moves the
 * prefix instead (KONG_PREFIX=/var/run/kong on a tmpfs volume, beside /tmp:
 * https://github.com/Kong/docker-kong/blob/master/compose/docker-compose.yml).
 */
const KONG_WRITES: InstallWrite[] = [
  {
    path: '/usr/local/kong',
    use: 'deploy',
    what: 'writes nginx.conf, logs/, pids/ and sockets/ into its prefix (KONG_PREFIX) with `kong prepare` at every start',
    shipped: true,
    manual: 'Set KONG_PREFIX to an empty folder on a tmpfs (Kong\'s compose: KONG_PREFIX=/var/run/kong with a tmpfs there and on /tmp), then add read_only: true.',
  },
];

// --- the table -----------------------------------------------------------------------------

/** The date a MinIO tag names (`RELEASE.2023-10-25T06-33-25Z` -> 20231025); undefined for `latest`, `edge` and the like. */
function minioReleaseDate(tag: string): number | undefined {
  const m = /^release\.(\d{4})-(\d{2})-(\d{2})/.exec(tag);
  return m ? Number(m[1] + m[2] + m[3]) : undefined;
}

/** nextcloud's first start, checked on the team engine with a stand-in (see the nextcloud row). */
const NEXTCLOUD_CAPS = ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'SETGID', 'SETUID'];
/** What nextcloud's start writes outside its /var/www/html volume, by variant (`apache`: Apache's run folders too). */
const nextcloudWrites = (apache: boolean): string =>
  `writes outside its /var/www/html volume what its environment turns on: as root its entrypoint writes /usr/local/etc/php/conf.d/redis-session.ini when REDIS_HOST is set${apache ? ' and runs `a2disconf remoteip` (/etc/apache2) when APACHE_DISABLE_REWRITE_IP is set' : ''}, and runs the hook scripts mounted in /docker-entrypoint-hooks.d; PHP keeps sessions and uploads in /tmp: without those a read-only root needs tmpfs on ${apache ? '/tmp, /var/run/apache2 and /var/lock/apache2' : '/tmp'}`;

/** Selenium Grid images (docker-selenium): `USER 1200:1201` (seluser), supervisord started by /opt/bin/entry_point.sh. */
const SELENIUM_USER = user('seluser', 1200, 1201);
const SELENIUM_WRITES =
  'writes /opt/selenium/config.toml at every start, next to the files the image ships in /opt/selenium (a tmpfs there would hide them), supervisord its log and pid under /var/log/supervisor and /var/run/supervisor and its socket in /tmp, and the browser nodes Xvfb\'s sockets in /tmp/.X11-unix, their profiles in /tmp and downloads in /home/seluser/Downloads: a read-only root needs a volume or a copy of /opt/selenium besides tmpfs on the others';

/** What no-new-privileges changes in telegraf's Alpine start while it used su-exec (see the telegraf row). */
const TELEGRAF_SU_EXEC_SETCAP =
  'its entrypoint, started as root, gives /usr/bin/telegraf cap_net_raw and cap_net_bind_service with setcap and runs it as user telegraf through su-exec (Alpine tags until 1.35), so that the ping input can open raw ICMP sockets and listeners can bind ports below 1024; no-new-privileges keeps those file capabilities from being granted';

export const IMAGE_ROWS: readonly ImageRow[] = [
  // Windows first: its row also serves as the overlay for Windows tags of any image (see lookupImage).
  {
    family: 'windows',
    names: [/^mcr\.microsoft\.com\/windows(\/|$)/, 'microsoft/nanoserver', 'microsoft/windowsservercore'],
    source: 'https://learn.microsoft.com/en-us/virtualization/windowscontainers/manage-containers/container-base-images',
    facts: { distro: 'windows', defaultUser: 'ContainerAdministrator', outOfScope: WINDOWS_OUT_OF_SCOPE, hasShell: true },
    tags: [
      // Nano Server runs as the unprivileged ContainerUser; Server Core as ContainerAdministrator.
      { when: (t, n) => t.includes('nanoserver') || n.includes('nanoserver'), set: { defaultUser: 'ContainerUser' } },
    ],
  },
  {
    family: 'node',
    names: ['node'],
    source: 'https://github.com/nodejs/docker-node/blob/main/22/bookworm/Dockerfile',
    // Debian and Alpine variants both create node 1000:1000, so `useradd -u 1000` fails there.
    // Alpine tags (https://github.com/nodejs/docker-node/blob/main/22/alpine3.22/Dockerfile): `addgroup -g 1000 node && adduser
    // -u 1000 -G node`, then only libstdc++ and build tools removed again, none of which makes an account: alpine-baselayout's
    // accounts and node.
    facts: { existingUser: user('node', 1000) },
    tags: [
      // Tags made before node 1000:1000 existed: create a user there (see nodeTagPredatesUser).
      { when: (t) => nodeTagPredatesUser(t), set: (t) => ({ existingUser: undefined, distro: ALPINE.test(t) ? 'alpine' : 'debian' }) },
      { when: ALPINE, set: { distro: 'alpine', accountsKnown: true } },
      { when: DEBIAN, set: { distro: 'debian', accountsKnown: true } },
    ],
    otherTags: { distro: 'debian', accountsKnown: true },
  },
  {
    family: 'ubuntu',
    names: ['ubuntu'],
    source: 'https://bugs.launchpad.net/cloud-images/+bug/2005129',
    facts: { distro: 'ubuntu' },
    tags: [
      { when: (t) => ubuntuShipsUser(t) === true, set: (t) => ({ existingUser: UBUNTU_USER, ...(ubuntuAccountsKnown(t) ? { accountsKnown: true } : {}) }) },
      { when: (t) => ubuntuShipsUser(t) === false, set: (t) => (ubuntuAccountsKnown(t) ? { accountsKnown: true } : {}) },
    ],
    otherTags: { uncertain: 'unrecognised ubuntu tag: cannot tell whether user ubuntu (1000) exists (23.04+ ship it)' },
  },
  {
    family: 'debian',
    // bitnami/minideb is a plain Debian base that runs as root, unlike the bitnami/* apps.
    names: ['debian', 'bitnami/minideb'],
    source: 'https://github.com/debuerreotype/docker-debian-artifacts',
    facts: { distro: 'debian' },
    // debian's own images hold base-passwd's accounts only (debian:bookworm-slim read on the engine); minideb was not read.
    tags: [{ when: (_tag, name) => name === 'debian', set: { accountsKnown: true } }],
  },
  {
    family: 'python',
    names: ['python'],
    source: 'https://github.com/docker-library/python/blob/master/3.13/slim-bookworm/Dockerfile',
    // Alpine tags (https://github.com/docker-library/python/blob/master/3.13/alpine3.22/Dockerfile) make no account and add
    // only ca-certificates and tzdata besides build tools removed again: alpine-baselayout's accounts only.
    facts: {},
    tags: [
      { when: ALPINE, set: { distro: 'alpine', accountsKnown: true } },
      { when: DEBIAN, set: { distro: 'debian', accountsKnown: true } },
    ],
    otherTags: { distro: 'debian', accountsKnown: true },
  },
  {
    family: 'golang',
    names: ['golang'],
    source: 'https://github.com/docker-library/golang/blob/master/1.24/bookworm/Dockerfile',
    // Alpine tags (https://github.com/docker-library/golang/blob/master/1.24/alpine3.22/Dockerfile) make no account and keep
    // only ca-certificates: alpine-baselayout's accounts only. The Debian tags are FROM buildpack-deps (git, subversion,
    // openssh-client ...), whose /etc/passwd was not read: not claimed.
    // Both: `ENV GOPATH /go` and `mkdir -p "$GOPATH/src" "$GOPATH/bin" && chmod -R 1777 "$GOPATH"`, so any user's
    // `go mod download` fills the module cache /go/pkg/mod (`go help gopath`) until a build's go run made pkg/ its own.
    facts: { env: { GOPATH: '/go' }, anyoneWrites: [{ path: '/go', filledBy: ['go'] }] },
    tags: [
      { when: ALPINE, set: { distro: 'alpine', accountsKnown: true } },
      { when: DEBIAN, set: { distro: 'debian' } },
    ],
    otherTags: { distro: 'debian' },
  },
  {
    family: 'rust',
    names: ['rust'],
    source: 'https://github.com/rust-lang/docker-rust/blob/master/stable/bookworm/Dockerfile',
    facts: {},
    tags: [
      { when: ALPINE, set: { distro: 'alpine' } },
      { when: DEBIAN, set: { distro: 'debian' } },
    ],
    otherTags: { distro: 'debian' },
  },
  {
    family: 'ruby',
    names: ['ruby'],
    source: 'https://github.com/docker-library/ruby/blob/master/3.4/bookworm/Dockerfile',
    // Every variant (Dockerfile.template): `ENV GEM_HOME /usr/local/bundle`, BUNDLE_APP_CONFIG="$GEM_HOME", and
    // `mkdir "$GEM_HOME"; chmod 1777 "$GEM_HOME"` "for running gem install as an arbitrary user": bundle install
    // writes the gems there (https://bundler.io/v2.5/man/bundle-config.1.html) until a build's bundle/gem run made its
    // subfolders root's.
    facts: { env: { GEM_HOME: '/usr/local/bundle', BUNDLE_APP_CONFIG: '/usr/local/bundle' }, anyoneWrites: [{ path: '/usr/local/bundle', filledBy: ['bundle', 'bundler', 'gem'] }] },
    tags: [
      { when: ALPINE, set: { distro: 'alpine' } },
      { when: DEBIAN, set: { distro: 'debian' } },
    ],
    otherTags: { distro: 'debian' },
  },
  {
    family: 'php',
    names: ['php'],
    source: 'https://github.com/docker-library/php/blob/master/8.4/trixie/apache/Dockerfile',
    capsSource: 'https://github.com/docker-library/php/blob/master/apache2-foreground',
    // www-data (33 Debian, 82 Alpine) exists but is not a reuse target: it is the web
    // server's worker account (apache/fpm pools switch to it), its home /var/www is
    // root-owned, and the app should get its own user. The fpm master also switches
    // its workers to www-data when root, but runs as any user (the pool's `user` is
    // then ignored) on port 9000, so USER is the better fix there: not marked as dropping.
    facts: {},
    tags: [
      // Apache's master starts as root and switches its children to www-data (MASTER_SWITCH_CAPS).
      { when: /(^|-)apache(-|$)/, set: { distro: 'debian', dropsPrivileges: true, capsNeeded: MASTER_SWITCH_CAPS, ports: [80], tmpfsPaths: APACHE_RUN_PATHS } },
      { when: (t) => ALPINE.test(t) && /(^|-)fpm(-|$)/.test(t), set: { distro: 'alpine', ports: [9000] } },
      { when: ALPINE, set: { distro: 'alpine' } },
      { when: /(^|-)fpm(-|$)/, set: { distro: 'debian', ports: [9000] } },
      { when: DEBIAN, set: { distro: 'debian' } },
    ],
    otherTags: { distro: 'debian' },
  },
  {
    family: 'openjdk',
    names: ['openjdk'],
    source: 'https://github.com/docker-library/openjdk/blob/master/17/jdk/oraclelinux8/Dockerfile',
    facts: {},
    tags: [
      { when: ALPINE, set: { distro: 'alpine' } },
      { when: DEBIAN, set: { distro: 'debian' } },
      { when: /oracle/, set: { distro: 'rhel-minimal' } },
      // Untagged variants: <=11 were Debian, 12+ Oracle Linux slim (microdnf).
      {
        when: (t) => /^\d+(u\d+)?[\d.]*(-ea(\+\d+)?)?(-(jdk|jre))?$/.test(t),
        set: (t) => ({ distro: (major(t) ?? 0) >= 12 ? 'rhel-minimal' : 'debian' }),
      },
    ],
    otherTags: { uncertain: 'unrecognised openjdk tag: distro unknown' },
  },
  {
    family: 'eclipse-temurin',
    names: ['eclipse-temurin'],
    source: 'https://github.com/adoptium/containers/blob/main/21/jre/ubuntu/noble/Dockerfile',
    facts: {},
    tags: [
      { when: ALPINE, set: { distro: 'alpine' } },
      { when: /ubi\d*-minimal/, set: { distro: 'rhel-minimal', needsShadowUtils: true } },
      { when: /(^|-)centos(-|$)/, set: { distro: 'rhel' } },
      { when: (t) => ubuntuCodename(t) !== undefined, set: ubuntuCodenameAccounts },
      // No distro suffix (`21`, `21-jre`, `${V}-jdk`) is Ubuntu noble, which ships user ubuntu. The Ubuntu tags add curl,
      // wget, fontconfig, ca-certificates, p11-kit, tzdata and locales, none of which makes an account: Ubuntu's own
      // accounts (ubuntuCodenameAccounts).
      { when: /(^|-)(jdk|jre)$/, set: { distro: 'ubuntu', existingUser: UBUNTU_USER, accountsKnown: true } },
    ],
    otherTags: { distro: 'ubuntu', existingUser: UBUNTU_USER, accountsKnown: true },
  },
  {
    family: 'amazoncorretto',
    names: ['amazoncorretto', 'public.ecr.aws/amazoncorretto/amazoncorretto'],
    source: 'https://github.com/corretto/corretto-docker/blob/main/21/jdk/al2023/Dockerfile',
    facts: {},
    tags: [
      { when: ALPINE, set: { distro: 'alpine' } },
      { when: /(^|-)(debian|slim)/, set: { distro: 'debian' } },
      // Amazon Linux: dnf/yum; its container image is minimal and may lack shadow-utils.
      { when: /(^|-)al2/, set: { distro: 'rhel', needsShadowUtils: true } },
    ],
    otherTags: { distro: 'rhel', needsShadowUtils: true },
  },
  {
    family: 'amazonlinux',
    names: ['amazonlinux', 'public.ecr.aws/amazonlinux/amazonlinux'],
    // The image is "just enough to install more packages": useradd needs shadow-utils (issue #83).
    source: 'https://github.com/amazonlinux/container-images/issues/83',
    facts: { distro: 'rhel', needsShadowUtils: true },
  },
  {
    family: 'alpine',
    names: ['alpine'],
    // nobody 65534 and guest 405 exist but are shared system accounts, not reuse targets.
    source: 'https://gitlab.alpinelinux.org/alpine/aports/-/blob/master/main/alpine-baselayout/APKBUILD',
    // Its /etc/passwd is alpine-baselayout's whole (the image is alpine-baselayout, busybox, apk and musl).
    facts: { distro: 'alpine', accountsKnown: true },
  },
  {
    family: 'busybox',
    names: ['busybox'],
    // Not Alpine, but the same BusyBox adduser/addgroup applets: the Alpine user commands apply. No apk.
    source: 'https://github.com/docker-library/busybox/blob/master/latest/glibc/Dockerfile',
    facts: { distro: 'alpine' },
  },
  {
    family: 'prometheus-busybox',
    // The base of every Prometheus exporter (`FROM quay.io/prometheus/busybox-${OS}-${ARCH}:latest` + `USER nobody`):
    // the official busybox:uclibc or busybox:glibc with CA certificates, zoneinfo and /etc/services added from Debian
    // (glibc/Dockerfile: `FROM busybox:glibc`, `COPY --from=0 /rootfs /`), or for the `alpine` tag Alpine with a static
    // BusyBox. BusyBox's adduser/addgroup applets either way; it runs as root, with nobody (65534) in its /etc/passwd.
    names: ['prom/busybox', 'quay.io/prometheus/busybox', /^quay\.io\/prometheus\/busybox-linux-[a-z0-9]+$/],
    source: 'https://github.com/prometheus/busybox/blob/master/glibc/Dockerfile',
    facts: { distro: 'alpine' },
  },
  {
    family: 'dotnet',
    names: [/^mcr\.microsoft\.com\/dotnet\/(runtime|aspnet|sdk|runtime-deps)$/],
    source: 'https://github.com/dotnet/dotnet-docker/blob/main/src/runtime-deps/8.0/bookworm-slim/amd64/Dockerfile',
    facts: {},
    tags: [
      // Chiseled/distroless: no shell, and they already run as app (USER $APP_UID).
      {
        when: /chiseled|distroless/,
        set: (t) => {
          const app = dotnetApp(t);
          if (app.existingUser) return { distro: 'distroless', hasShell: false, ...app, defaultUser: '1654', nonRootByDefault: true };
          return { distro: 'distroless', hasShell: false, uncertain: app.uncertain ?? '.NET <8 chiseled image: its user is not in the table' };
        },
      },
      { when: ALPINE, set: dotnet('alpine') },
      { when: (t) => ubuntuCodename(t) !== undefined, set: dotnet('ubuntu') },
      { when: DEBIAN, set: dotnet('debian') },
      // Azure Linux / CBL-Mariner use tdnf and ship without shadow-utils.
      { when: /azurelinux|cbl-mariner/, set: dotnet('unknown', { needsShadowUtils: true }) },
      // Bare versions: .NET 10+ default to Ubuntu noble, earlier ones to Debian.
      {
        when: (t) => /^(\d+\.\d+(\.\d+)?(-(preview|rc)[\w.]*)?|latest)$/.test(t),
        set: (t) => dotnet(t === 'latest' || (major(t) ?? 0) >= 10 ? 'ubuntu' : 'debian')(t),
      },
    ],
    otherTags: { uncertain: 'unrecognised .NET tag: distro unknown' },
  },
  {
    family: 'ubi',
    names: [
      /^(registry\.access\.redhat\.com|registry\.redhat\.io)\/ubi\d+(\/ubi|\/ubi-init)?$/,
      /^redhat\/ubi\d+(-init)?$/,
    ],
    source: 'https://catalog.redhat.com/software/base-images',
    facts: { distro: 'rhel' },
  },
  {
    family: 'ubi-minimal',
    names: [
      /^(registry\.access\.redhat\.com|registry\.redhat\.io)\/ubi\d+(\/ubi-minimal|-minimal)$/,
      /^redhat\/ubi\d+-minimal$/,
    ],
    source: 'https://catalog.redhat.com/software/base-images',
    // microdnf only; KNOWLEDGE.md: install shadow-utils before useradd.
    facts: { distro: 'rhel-minimal', needsShadowUtils: true },
  },
  {
    family: 'fedora',
    names: ['fedora', 'registry.fedoraproject.org/fedora', 'quay.io/fedora/fedora'],
    source: 'https://github.com/fedora-cloud/docker-brew-fedora',
    facts: { distro: 'rhel' },
  },
  {
    family: 'rockylinux',
    names: ['rockylinux', 'rockylinux/rockylinux', 'quay.io/rockylinux/rockylinux'],
    source: 'https://github.com/rocky-linux/sig-cloud-instance-images',
    facts: {},
    tags: [{ when: /minimal/, set: { distro: 'rhel-minimal', needsShadowUtils: true } }],
    otherTags: { distro: 'rhel' },
  },
  {
    family: 'almalinux',
    names: ['almalinux', /^almalinux\/\d+-(minimal|base|init)$/, /^quay\.io\/almalinuxorg\/(almalinux|\d+-(minimal|base|init))$/],
    source: 'https://github.com/AlmaLinux/docker-images',
    facts: {},
    tags: [{ when: (t, n) => t.includes('minimal') || n.endsWith('-minimal'), set: { distro: 'rhel-minimal', needsShadowUtils: true } }],
    otherTags: { distro: 'rhel' },
  },
  {
    family: 'centos',
    names: ['centos', 'quay.io/centos/centos'],
    source: 'https://github.com/CentOS/sig-cloud-instance-images',
    facts: { distro: 'rhel' },
  },
  {
    family: 'nginx',
    names: ['nginx', 'public.ecr.aws/nginx/nginx'],
    source: 'https://github.com/nginx/docker-nginx/blob/master/mainline/debian/Dockerfile',
    // The root master chowns its temp folders to the worker user (ngx_create_paths), then setgid/setuid.
    capsSource: 'https://github.com/nginx/nginx/blob/master/src/core/ngx_file.c',
    // nginx 101 exists, but the master process runs as root and switches its workers
    // to nginx: adding USER breaks it (pid file, cache dirs). Swap the image instead.
    facts: {
      swapTo: 'nginxinc/nginx-unprivileged',
      dropsPrivileges: true,
      capsNeeded: ['CHOWN', 'SETGID', 'SETUID'],
      tmpfsPaths: ['/var/cache/nginx', '/var/run'],
      writePathsKnown: true,
    },
    tags: [
      { when: ALPINE, set: { distro: 'alpine' } },
      { when: DEBIAN, set: { distro: 'debian' } },
    ],
    otherTags: { distro: 'debian' },
  },
  {
    family: 'nginx-unprivileged',
    names: ['nginxinc/nginx-unprivileged', 'ghcr.io/nginxinc/nginx-unprivileged', 'public.ecr.aws/nginx/nginx-unprivileged'],
    source: 'https://github.com/nginx/docker-nginx-unprivileged/blob/main/mainline/debian/Dockerfile',
    // Listens on 8080; /etc/nginx and /var/cache/nginx are 101:0 and group-writable; pid in /tmp.
    facts: {
      existingUser: user('nginx', 101),
      defaultUser: '101',
      nonRootByDefault: true,
      tmpfsPaths: ['/tmp'],
      writePathsKnown: true,
    },
    tags: [
      { when: ALPINE, set: { distro: 'alpine' } },
      { when: DEBIAN, set: { distro: 'debian' } },
    ],
    otherTags: { distro: 'debian' },
  },
  {
    family: 'postgres',
    names: ['postgres'],
    source: 'https://github.com/docker-library/postgres/blob/master/18/trixie/Dockerfile',
    capsSource: 'https://github.com/docker-library/postgres/blob/master/18/trixie/docker-entrypoint.sh',
    // The entrypoint chowns PGDATA and the socket dir as root, then gosu/su-exec to postgres.
    facts: POSTGRES_ENTRYPOINT,
    tags: [
      { when: ALPINE, set: (t) => ({ distro: 'alpine', existingUser: PG_ALPINE, ...postgresData(t) }) },
      { when: DEBIAN, set: (t) => ({ distro: 'debian', existingUser: PG_DEBIAN, ...postgresData(t) }) },
      // Any other literal tag ('17', 'latest') is the Debian variant; data path by version.
      { when: (t) => !t.includes('$'), set: (t) => ({ distro: 'debian', existingUser: PG_DEBIAN, ...postgresData(t) }) },
    ],
  },
  // Extensions built FROM the official postgres image, which keep its user, VOLUME and entrypoint (the chown of PGDATA
  // and the socket folder as root, then gosu/su-exec): the postgres row's facts, with their own tags.
  {
    family: 'pgvector',
    names: ['pgvector/pgvector'],
    // `ARG PG_MAJOR=17`, `FROM postgres:$PG_MAJOR-$DEBIAN_CODENAME`: Debian only; tags `pg17`, `0.8.1-pg18-trixie`.
    source: 'https://github.com/pgvector/pgvector/blob/master/Dockerfile',
    capsSource: 'https://github.com/docker-library/postgres/blob/master/18/trixie/docker-entrypoint.sh',
    facts: POSTGRES_ENTRYPOINT,
    tags: [{ when: (t) => !t.includes('$'), set: (t) => ({ distro: 'debian', existingUser: PG_DEBIAN, ...pgMajorData(t) }) }],
  },
  {
    family: 'postgis',
    names: ['postgis/postgis'],
    // `FROM postgres:17-bookworm` (or `-alpine3.22`), then the PostGIS packages and an initdb script; tags `17-3.5`, `17-3.5-alpine`.
    source: 'https://github.com/postgis/docker-postgis/blob/master/17-3.5/bookworm/Dockerfile',
    capsSource: 'https://github.com/docker-library/postgres/blob/master/18/trixie/docker-entrypoint.sh',
    facts: POSTGRES_ENTRYPOINT,
    tags: [
      // The tag's first number is the postgres major (postgresData); `latest` is not guessed.
      { when: (t) => t.includes('$') || major(t) === undefined, set: { uncertain: 'postgres major version not in the tag: data path is /var/lib/postgresql (18+) or /var/lib/postgresql/data (<=17)' } },
      { when: ALPINE, set: (t) => ({ distro: 'alpine', existingUser: PG_ALPINE, ...postgresData(t) }) },
      { when: () => true, set: (t) => ({ distro: 'debian', existingUser: PG_DEBIAN, ...postgresData(t) }) },
    ],
  },
  {
    family: 'timescaledb',
    names: ['timescale/timescaledb'],
    // `FROM postgres:${PG_VERSION}-alpine`: Alpine only (timescaledb-ha is another image); tags `latest-pg17`, `2.17.2-pg16`.
    source: 'https://github.com/timescale/timescaledb-docker/blob/main/Dockerfile',
    capsSource: 'https://github.com/docker-library/postgres/blob/master/18/alpine3.22/docker-entrypoint.sh',
    facts: POSTGRES_ENTRYPOINT,
    tags: [{ when: (t) => !t.includes('$'), set: (t) => ({ distro: 'alpine', existingUser: PG_ALPINE, ...pgMajorData(t) }) }],
  },
  {
    family: 'redis',
    names: ['redis'],
    source: 'https://github.com/redis/docker-library-redis/blob/master/alpine/Dockerfile',
    capsSource: 'https://github.com/redis/docker-library-redis/blob/master/alpine/docker-entrypoint.sh',
    // gosu/su-exec after chowning /data. Alpine: uid 999 but gid 1000 (Alpine already has a gid 999).
    // redis-server writes only its working directory /data (VOLUME /data).
    // `-x` or `x.conf` first gets redis-server put in front; the step down only `if [ "$1" = 'redis-server' ]`.
    facts: {
      dropsPrivileges: true,
      capsNeeded: ['CHOWN', 'SETGID', 'SETUID'],
      dropsFor: { words: ['redis-server'], optionFirst: true, confFirst: true },
      dataPaths: ['/data'],
      writePathsKnown: true,
    },
    tags: [
      { when: ALPINE, set: { distro: 'alpine', existingUser: user('redis', 999, 1000) } },
      { when: DEBIAN, set: { distro: 'debian', existingUser: user('redis', 999) } },
    ],
    otherTags: { distro: 'debian', existingUser: user('redis', 999) },
  },
  {
    family: 'valkey',
    names: ['valkey/valkey', 'ghcr.io/valkey-io/valkey'],
    source: 'https://github.com/valkey-io/valkey-container/blob/mainline/8.0/debian/Dockerfile',
    capsSource: 'https://github.com/valkey-io/valkey-container/blob/mainline/docker-entrypoint.sh',
    // The redis image's pattern: as root, `find . \! -user valkey -exec chown valkey` in /data, then
    // `setpriv --reuid=valkey --regid=valkey --clear-groups`. Writes only /data (VOLUME /data, its WORKDIR).
    // Alpine: addgroup -g 1000 valkey, adduser -u 999 (8.0/alpine/Dockerfile).
    // Same test as redis': only `valkey-server` (or `-x`, `x.conf`, which get it put in front) steps down.
    facts: {
      dropsPrivileges: true,
      capsNeeded: ['CHOWN', 'SETGID', 'SETUID'],
      dropsFor: { words: ['valkey-server'], optionFirst: true, confFirst: true },
      dataPaths: ['/data'],
      writePathsKnown: true,
    },
    tags: [
      { when: ALPINE, set: { distro: 'alpine', existingUser: user('valkey', 999, 1000) } },
      { when: DEBIAN, set: { distro: 'debian', existingUser: user('valkey', 999) } },
    ],
    otherTags: { distro: 'debian', existingUser: user('valkey', 999) },
  },
  {
    family: 'mysql',
    names: ['mysql'],
    source: 'https://github.com/docker-library/mysql/blob/master/8.4/Dockerfile.oracle',
    // docker_create_db_directories: `find <datadir> <socket dir> <secure-file-priv> ... \! -user mysql
    // -exec chown --no-dereference mysql` as root (secure-file-priv /var/lib/mysql-files is 750
    // mysql, and mysqld makes 0750 schema folders), then `exec gosu mysql`. No chmod: no FOWNER.
    capsSource: 'https://github.com/docker-library/mysql/blob/master/8.4/docker-entrypoint.sh',
    facts: {
      existingUser: MYSQL_USER,
      dropsPrivileges: true,
      capsNeeded: FIND_CHOWN_PRIVATE_CAPS,
      readSearchForDacOverride: true,
      // `-x` first gets mysqld put in front; the step down only `if [ "$1" = 'mysqld' ]`.
      dropsFor: { words: ['mysqld'], optionFirst: true },
      tmpfsPaths: ['/var/run/mysqld', '/tmp'],
      dataPaths: ['/var/lib/mysql'],
      ports: [3306, 33060],
    },
    tags: [
      // The Debian variant (8.0 and before) left the repository with 8.0; its tags still pull.
      { when: /(^|-)(debian|bookworm|bullseye|buster)(-|$)/, set: { distro: 'debian' } },
      { when: /oracle/, set: { distro: 'rhel-minimal' } },
      { when: /^5\.[0-6]([.-]|$)/, set: { distro: 'debian' } },
    ],
    // Default variant is Oracle Linux 9 slim (microdnf): 8.4, 9.x, innovation, latest.
    otherTags: { distro: 'rhel-minimal' },
  },
  {
    family: 'mariadb',
    names: ['mariadb'],
    source: 'https://github.com/MariaDB/mariadb-docker/blob/master/11.8/Dockerfile',
    // docker_create_db_directories: `find "$DATADIR" \! -user mysql -exec chown mysql:` (mariadbd
    // makes 0700 schema folders), the socket folder and memory.pressure chowned, then
    // `exec gosu mysql`. No chmod: no FOWNER.
    capsSource: 'https://github.com/MariaDB/mariadb-docker/blob/master/docker-entrypoint.sh',
    // On ubuntu:noble the image deletes user ubuntu and runs `useradd -r` without a UID: mysql is
    // the first system user, 999 (not pinned upstream; the -ubi variants pin 999).
    facts: {
      existingUser: MYSQL_USER,
      dropsPrivileges: true,
      capsNeeded: FIND_CHOWN_PRIVATE_CAPS,
      readSearchForDacOverride: true,
      // `-x` first gets mariadbd put in front; the step down only for `mariadbd` or `mysqld`.
      dropsFor: { words: ['mariadbd', 'mysqld'], optionFirst: true },
      tmpfsPaths: ['/run/mysqld', '/tmp'],
      dataPaths: ['/var/lib/mysql'],
      ports: [3306],
    },
    tags: [
      { when: /(^|-)ubi/, set: { distro: 'rhel-minimal' } },
      { when: (t) => ubuntuCodename(t) !== undefined, set: { distro: 'ubuntu' } },
    ],
    otherTags: { distro: 'ubuntu' },
  },
  {
    family: 'mongo',
    names: ['mongo'],
    source: 'https://github.com/docker-library/mongo/blob/master/8.0/Dockerfile',
    // As root for mongod: `find -L /data/configdb /data/db \! -user mongodb -exec chown mongodb`,
    // chown of its own stdout/stderr, then `exec gosu mongodb`. DAC_OVERRIDE is kept because the
    // modes of the folders mongod and mongosh (HOME=/data/db) create are not pinned upstream; a
    // 0700 one would stop the `set -e` entrypoint (see FIND_CHOWN_PRIVATE_CAPS). No chmod: no FOWNER.
    capsSource: 'https://github.com/docker-library/mongo/blob/master/docker-entrypoint.sh',
    facts: {
      distro: 'ubuntu',
      existingUser: user('mongodb', 999),
      dropsPrivileges: true,
      capsNeeded: FIND_CHOWN_PRIVATE_CAPS,
      readSearchForDacOverride: true,
      // `-x` first gets mongod put in front; the step down only `if [[ "$originalArgOne" == mongo* ]]`.
      dropsFor: { words: [], prefixes: ['mongo'], optionFirst: true },
      // mongod's unix socket is /tmp/mongodb-27017.sock.
      tmpfsPaths: ['/tmp'],
      dataPaths: ['/data/db', '/data/configdb'],
      ports: [27017],
    },
    // 7.0 is on jammy, 8.x on noble: Ubuntu either way, mongodb pinned to 999:999. Windows tags take the Windows row.
  },
  {
    family: 'rabbitmq',
    names: ['rabbitmq'],
    source: 'https://github.com/docker-library/rabbitmq/blob/master/4.1/ubuntu/Dockerfile',
    // `find /var/lib/rabbitmq \! -user rabbitmq -exec chown rabbitmq` then `exec gosu rabbitmq`
    // (su-exec on Alpine). Erlang creates the data folders 0755, so root's find descends without
    // DAC_OVERRIDE: the upstream entrypoint itself, run on the team daemon over a volume holding
    // mnesia/ (0755) and a 0400 .erlang.cookie owned by rabbitmq, started the server as rabbitmq
    // under cap_drop ALL + CHOWN, SETGID, SETUID. Logs go to the console (10-defaults.conf).
    capsSource: 'https://github.com/docker-library/rabbitmq/blob/master/docker-entrypoint.sh',
    facts: {
      dropsPrivileges: true,
      capsNeeded: FIND_CHOWN_CAPS,
      // The step down only `if [[ "$1" == rabbitmq* ]]`; no option handling.
      dropsFor: { words: [], prefixes: ['rabbitmq'], optionFirst: false },
      tmpfsPaths: ['/tmp'],
      dataPaths: ['/var/lib/rabbitmq'],
      ports: [4369, 5671, 5672, 15691, 15692, 25672],
    },
    tags: [
      // Alpine variant: addgroup -g 101 / adduser -u 100.
      { when: ALPINE, set: (t) => ({ distro: 'alpine', existingUser: user('rabbitmq', 100, 101), ...rabbitmqPorts(t) }) },
      { when: (t) => ubuntuCodename(t) !== undefined, set: (t) => ({ distro: 'ubuntu', existingUser: user('rabbitmq', 999), ...rabbitmqPorts(t) }) },
      { when: /management/, set: (t) => ({ distro: 'ubuntu', existingUser: user('rabbitmq', 999), ...rabbitmqPorts(t) }) },
    ],
    otherTags: { distro: 'ubuntu', existingUser: user('rabbitmq', 999) },
  },
  {
    family: 'memcached',
    names: ['memcached'],
    source: 'https://github.com/docker-library/memcached/blob/master/1/debian/Dockerfile',
    // USER memcache (11211:11211) in the image itself. It keeps everything in memory: no write paths.
    facts: { existingUser: user('memcache', 11211), defaultUser: 'memcache', nonRootByDefault: true, writePathsKnown: true, ports: [11211] },
    tags: [
      { when: ALPINE, set: { distro: 'alpine' } },
      { when: DEBIAN, set: { distro: 'debian' } },
    ],
    otherTags: { distro: 'debian' },
  },
  {
    family: 'httpd',
    names: ['httpd'],
    source: 'https://github.com/docker-library/httpd/blob/master/2.4/Dockerfile',
    // No unprivileged variant upstream, so no swap. httpd-foreground removes logs/httpd.pid and
    // execs httpd, whose root master binds 80, writes logs/httpd.pid (logs/ is root's) and
    // switches its children to www-data (33 Debian, 82 Alpine): MASTER_SWITCH_CAPS. Treated like
    // the gosu images: never add USER (running it non-root needs config changes).
    capsSource: 'https://github.com/docker-library/httpd/blob/master/2.4/httpd-foreground',
    facts: {
      dropsPrivileges: true,
      capsNeeded: MASTER_SWITCH_CAPS,
      tmpfsPaths: ['/usr/local/apache2/logs'],
      ports: [80],
    },
    tags: [
      { when: ALPINE, set: { distro: 'alpine' } },
      { when: DEBIAN, set: { distro: 'debian' } },
    ],
    // Debian trixie-slim.
    otherTags: { distro: 'debian' },
  },
  {
    family: 'tomcat',
    names: ['tomcat'],
    source: 'https://github.com/docker-library/tomcat/blob/master/11.0/jre21/temurin-noble/Dockerfile',
    // FROM eclipse-temurin (Ubuntu noble by default, jammy variants), runs catalina.sh as root and
    // never steps down. Its install tree is CATALINA_HOME=/usr/local/tomcat, root's: the Dockerfile
    // makes only logs/, temp/ and work/ writable for any user (`chmod 1777 logs temp work`), and
    // moves the stock apps to webapps.dist, leaving webapps/ empty (`mkdir webapps`, 755 root).
    // What Tomcat writes there is in tomcatWrites; what the app writes is its own, so write paths stay unknown.
    facts: {
      ports: [8080],
      tmpfsPaths: ['/usr/local/tomcat/logs', '/usr/local/tomcat/temp', '/usr/local/tomcat/work'],
      installWrites: tomcatWrites('/usr/local/tomcat', true),
    },
    tags: [
      { when: (t) => ubuntuCodename(t) !== undefined, set: ubuntuCodenameFacts },
      // Retired variants whose tags still pull: openjdk (Debian), corretto (Amazon Linux 2).
      { when: /(^|-)openjdk(-|$)/, set: { distro: 'debian' } },
      { when: /(^|-)corretto(-|$)/, set: { distro: 'rhel', needsShadowUtils: true } },
      // A release published before the noble variants (docker-library/tomcat 11b7d077, 2024-07-25, with 9.0.91, 10.1.26,
      // 11.0.0-M22) was only ever built on temurin jammy or focal, which have no user ubuntu: every 8.x tag (8.5 left the
      // library on 2024-04-01, 9cc80d78), and 9.0.N, 10.1.N, 11.0.0-MN below those. OneBusAway's `tomcat:8.5.98-jdk11-temurin`.
      { when: (t) => tomcatBeforeNoble(t), set: { distro: 'ubuntu' } },
      // `11.0`, `10.1-jdk21`, `jre25-temurin`, `latest`: the default temurin variant is noble.
      { when: /^(latest|\d+(\.\d+)*)(-(jdk|jre)\d+)?(-temurin)?$/, set: { distro: 'ubuntu', existingUser: UBUNTU_USER } },
    ],
    otherTags: { uncertain: 'unrecognised tomcat tag: its base (temurin noble or jammy, openjdk, corretto) is unknown' },
  },
  {
    family: 'tomee',
    names: ['tomee', 'apache/tomee'],
    source: 'https://github.com/tomitribe/docker-tomee/blob/master/TomEE-10.1/jre17/Temurin/ubuntu/plus/Dockerfile',
    // Tomcat with Jakarta EE on top, in /usr/local/tomee, run as root (catalina.sh run). Unlike the
    // tomcat image it chmods nothing: logs/, temp/ and work/ are root's 755 like the rest, and
    // webapps/ keeps the distribution's own apps. Temurin variants are FROM eclipse-temurin:N-jre-noble
    // (user ubuntu) or -alpine; Semeru ones FROM ibm-semeru-runtimes:open-N-jre-jammy (no user).
    facts: { ports: [8080], installWrites: tomcatWrites('/usr/local/tomee', false) },
    tags: [
      { when: ALPINE, set: { distro: 'alpine' } },
      { when: /(^|-)semeru(-|$)/, set: { distro: 'ubuntu' } },
      { when: /(^|-)temurin-ubuntu(-|$)/, set: { distro: 'ubuntu', existingUser: UBUNTU_USER } },
    ],
    otherTags: { uncertain: 'unrecognised tomee tag: its base (temurin noble or alpine, semeru jammy) is unknown' },
  },
  {
    family: 'wildfly',
    names: ['quay.io/wildfly/wildfly', 'jboss/wildfly'],
    source: 'https://github.com/jboss-dockerfiles/wildfly/blob/main/Dockerfile',
    // FROM eclipse-temurin:21-ubi9-minimal; `useradd -u 1000 -g jboss(1000)`, the distribution in
    // JBOSS_HOME=/opt/jboss/wildfly chowned to jboss:0 and made group-writable, USER jboss, no VOLUME.
    // The standalone server writes its whole standalone/ folder (WILDFLY_WRITES). The retired
    // jboss/wildfly images on Docker Hub had the same layout on CentOS 7.
    facts: {
      existingUser: user('jboss', 1000),
      defaultUser: 'jboss',
      nonRootByDefault: true,
      ports: [8080],
      installWrites: WILDFLY_WRITES,
    },
    tags: [{ when: (_t, n) => n === 'jboss/wildfly', set: { distro: 'rhel' } }],
    otherTags: { distro: 'rhel-minimal' },
  },
  {
    family: 'jenkins',
    names: ['jenkins/jenkins'],
    source: 'https://github.com/jenkinsci/docker/blob/master/debian/trixie/hotspot/Dockerfile',
    // Every variant (debian, alpine/hotspot, rhel/ubi9/hotspot) makes jenkins at `ARG uid=1000`/`gid=1000`,
    // chowns JENKINS_HOME=/var/jenkins_home (VOLUME) and REF=/usr/share/jenkins/ref to it, and ends on
    // `USER ${user}` (jenkins) with EXPOSE 8080 50000. jenkins.sh runs as that user and never steps
    // down: it copies REF into JENKINS_HOME and starts java with -Duser.home=$JENKINS_HOME. A child that
    // switches to USER root for apt-get must switch back to jenkins, not to a user of its own.
    facts: { existingUser: user('jenkins', 1000), defaultUser: 'jenkins', nonRootByDefault: true, dataPaths: ['/var/jenkins_home'], ports: [8080, 50000] },
    tags: [
      { when: ALPINE, set: { distro: 'alpine' } },
      // rhel-ubi9 tags: FROM registry.access.redhat.com/ubi9/ubi (dnf, useradd).
      { when: /(^|-)rhel(-|$)/, set: { distro: 'rhel' } },
    ],
    // lts, latest, jdk21, lts-slim, 2.504-jdk17: debian (bookworm or trixie, slim or not).
    otherTags: { distro: 'debian' },
  },
  {
    family: 'solr',
    names: ['solr'],
    source: 'https://github.com/apache/solr-docker/blob/main/9.10/Dockerfile',
    // SOLR_UID=8983 (`useradd -r --uid 8983 --gid 8983 solr`), /var/solr (SOLR_HOME data/, logs/, the pid
    // file: SOLR_PID_DIR) made 0770 and chowned solr:0, VOLUME /var/solr, EXPOSE 8983, `USER $SOLR_UID`
    // (numeric). FROM eclipse-temurin:*-jre on Ubuntu: focal (8.11), jammy (9.x), noble (10.0).
    facts: {
      distro: 'ubuntu',
      existingUser: user('solr', 8983),
      defaultUser: '8983',
      nonRootByDefault: true,
      dataPaths: ['/var/solr'],
      ports: [8983],
    },
  },
  {
    family: 'jetty',
    names: ['jetty'],
    source: 'https://github.com/eclipse/jetty.docker/blob/master/11.0-jre11/Dockerfile',
    // JETTY_HOME=/usr/local/jetty, JETTY_BASE=/var/lib/jetty (its WORKDIR, where webapps/ is), TMPDIR=/tmp/jetty,
    // all three chowned to jetty, then `USER jetty` (by name), EXPOSE 8080. The user is made with `useradd -r`
    // (Debian/Ubuntu JDK bases) or `adduser -S` (alpine tags, baseDockerfile-alpine) without a UID, so its
    // number is not pinned upstream: only the name is known (no existingUser, which needs a UID).
    facts: { defaultUser: 'jetty', nonRootByDefault: true, ports: [8080] },
    // Its alpine tags are FROM amazoncorretto:*-alpine (12.0 baseDockerfile-alpine); the others' JDK base
    // (eclipse-temurin on Ubuntu, the retired openjdk on Debian) is not told apart here.
    tags: [{ when: ALPINE, set: { distro: 'alpine' } }],
    otherTags: { uncertain: 'jetty tag without alpine: its JDK base (eclipse-temurin on Ubuntu, openjdk on Debian) is unknown' },
  },
  {
    family: 'keycloak',
    names: ['quay.io/keycloak/keycloak', 'keycloak/keycloak'],
    source: 'https://github.com/keycloak/keycloak/blob/main/quarkus/container/Dockerfile',
    // FROM ubi9-micro (no package manager, no useradd) with the distribution in /opt/keycloak copied
    // `--chown=1000:0`; user keycloak is appended to /etc/passwd as 1000:0 (home /opt/keycloak), `USER 1000`,
    // EXPOSE 8080 8443; kc.sh runs as that user. The usual child is a second keycloak stage that runs
    // `kc.sh build` and is copied over: it already runs as 1000.
    facts: {
      distro: 'rhel-minimal',
      existingUser: user('keycloak', 1000, 0),
      defaultUser: '1000',
      nonRootByDefault: true,
      ports: [8080, 8443],
    },
  },
  {
    family: 'sonarqube',
    names: ['sonarqube', 'sonarsource/sonarqube'],
    source: 'https://github.com/SonarSource/docker-sonarqube/blob/master/10/community/Dockerfile',
    // `useradd --system --uid 1000 --gid 0 sonarqube`, SONARQUBE_HOME=/opt/sonarqube chmod 550 with data/,
    // extensions/, logs/ and temp/ 770 (group 0) and declared VOLUMEs, EXPOSE 9000, `USER sonarqube`.
    // FROM eclipse-temurin:17-jre-jammy: Ubuntu without user ubuntu.
    facts: {
      distro: 'ubuntu',
      existingUser: user('sonarqube', 1000, 0),
      defaultUser: 'sonarqube',
      nonRootByDefault: true,
      dataPaths: ['/opt/sonarqube/data', '/opt/sonarqube/extensions', '/opt/sonarqube/logs', '/opt/sonarqube/temp'],
      ports: [9000],
    },
  },
  {
    family: 'elasticsearch',
    names: ['elasticsearch', 'docker.elastic.co/elasticsearch/elasticsearch'],
    source: 'https://github.com/elastic/dockerfiles/blob/v9.2.4/elasticsearch/Dockerfile',
    // 8.x and 9.x: USER 1000:0 (elasticsearch, in group 0), no step down. 9.x is on
    // ubi9-minimal, 8.19 on ubuntu 24.04, 8.0-8.18 and 7.x on ubuntu 20.04. 7.x has no USER: its
    // entrypoint runs `chroot --userspec=1000:0 /` as root, which needs SYS_CHROOT, SETGID and SETUID
    // (on the team daemon `chroot --userspec=1000:0 / id` under cap_drop ALL failed with "cannot
    // change root directory" until SYS_CHROOT was given back); TAKE_FILE_OWNERSHIP=1 also needs
    // CHOWN. Upstream declares no VOLUME and the entrypoint creates config/elasticsearch.keystore
    // at start, so read-only needs the user's own volumes: write paths not known.
    capsSource: 'https://github.com/elastic/dockerfiles/blob/v7.17.9/elasticsearch/bin/docker-entrypoint.sh',
    facts: { existingUser: user('elasticsearch', 1000), ports: [9200, 9300], tmpfsPaths: ['/tmp'], installWrites: ELASTICSEARCH_WRITES },
    tags: [
      { when: (t) => (major(t) ?? 0) >= 9, set: { distro: 'rhel-minimal', defaultUser: '1000:0', nonRootByDefault: true } },
      { when: /^8\.19([.-]|$)/, set: { distro: 'ubuntu', defaultUser: '1000:0', nonRootByDefault: true } },
      { when: (t) => major(t) === 8, set: { distro: 'ubuntu', defaultUser: '1000:0', nonRootByDefault: true } },
      { when: (t) => major(t) === 7, set: { distro: 'ubuntu', dropsPrivileges: true, capsNeeded: ['SETGID', 'SETUID', 'SYS_CHROOT'] } },
    ],
    // Elasticsearch publishes no `latest` tag; anything else is a version this row does not know.
    otherTags: { uncertain: 'unrecognised elasticsearch tag: its version (7.x steps down as root; 8.x and 9.x run as 1000) is unknown' },
  },
  {
    family: 'traefik',
    names: ['traefik'],
    source: 'https://github.com/traefik/traefik-library-image/blob/master/tmpl/alpine/tmplv3.Dockerfile',
    // Alpine with the traefik binary; runs as root, never steps down, no file capabilities.
    // It writes only what its configuration names (ACME storage, access logs): not known here.
    facts: { distro: 'alpine', ports: [80] },
  },
  {
    family: 'docker',
    // Docker's official image (docker-library/docker). The plain version tags, `latest` and `dind` are the dind variant:
    // FROM docker:<v>-cli (Alpine), dockerd, containerd and runc in /usr/local/bin, VOLUME /var/lib/docker, EXPOSE 2375
    // 2376, ENTRYPOINT ["dockerd-entrypoint.sh"], no USER. That script runs dockerd as root (it needs --privileged); run
    // as any other UID it takes the start for a rootless one and stops with "attempting to run rootless dockerd but
    // missing 'rootlesskit' (perhaps the 'docker:dind-rootless' image variant is intended?)". `-dind-rootless` tags add
    // rootlesskit and `USER rootless` (1000); `-cli` tags are the client alone (ENTRYPOINT docker-entrypoint.sh, CMD sh),
    // which runs whatever it is given; `-windowsservercore` tags are Windows. Only the Dockerfile side is recorded: a
    // compose service of this image may run the client (`command: docker system prune`) as well as the daemon, so its
    // capabilities and writes are left unknown.
    names: ['docker'],
    source: 'https://github.com/docker-library/docker/blob/master/27/dind/Dockerfile',
    capsSource: 'https://github.com/docker-library/docker/blob/master/dockerd-entrypoint.sh',
    facts: {
      distro: 'alpine',
      rootStart: {
        what: 'runs dockerd as root (dockerd-entrypoint.sh); under any other user that script stops ("attempting to run rootless dockerd but missing \'rootlesskit\'")',
        fix: 'Keep it on root (a Docker daemon in a container runs --privileged anyway), or build FROM the -dind-rootless tag of the same version, which runs dockerd as its user rootless (1000) through rootlesskit.',
        program: /\bdockerd(-entrypoint\.sh)?\b/,
      },
    },
    tags: [
      { when: /(^|-)dind-rootless$/, set: { existingUser: user('rootless', 1000), defaultUser: 'rootless', nonRootByDefault: true, rootStart: undefined } },
      { when: /(^|-)cli$/, set: { rootStart: undefined } },
      { when: /windowsservercore|nanoserver/, set: { distro: 'windows', rootStart: undefined, outOfScope: WINDOWS_OUT_OF_SCOPE } },
    ],
    otherTags: {},
  },
  {
    family: 'caddy',
    names: ['caddy'],
    source: 'https://github.com/caddyserver/caddy-docker/blob/master/2.11/alpine/Dockerfile',
    // Alpine, runs as root, never steps down. /usr/bin/caddy carries `setcap
    // cap_net_bind_service=+ep`: on the team daemon a binary with that file capability failed
    // with "exec ...: operation not permitted" under cap_drop ALL, as root and as UID 1000
    // alike, and ran once NET_BIND_SERVICE was given back. It writes /data/caddy and
    // /config/caddy (XDG_DATA_HOME, XDG_CONFIG_HOME), which upstream does not declare as VOLUMEs.
    facts: { distro: 'alpine', ports: [80, 443, 2019], fileCapabilities: ['NET_BIND_SERVICE'], installWrites: CADDY_WRITES },
    tags: [
      // builder tags are golang:alpine with xcaddy, for build stages.
      { when: /(^|-)builder(-|$)/, set: { distro: 'alpine', ports: [], fileCapabilities: [], installWrites: [] } },
      { when: ALPINE, set: { distro: 'alpine' } },
    ],
    otherTags: { distro: 'alpine' },
  },
  {
    family: 'haproxy',
    names: ['haproxy'],
    source: 'https://github.com/docker-library/haproxy/blob/master/3.2/Dockerfile',
    // USER haproxy (99:99) in the image; the entrypoint only adds -W -db. What it writes
    // (a stats socket in /var/lib/haproxy, say) is up to its configuration: not known.
    facts: { existingUser: user('haproxy', 99), defaultUser: 'haproxy', nonRootByDefault: true },
    tags: [
      { when: ALPINE, set: { distro: 'alpine' } },
      { when: DEBIAN, set: { distro: 'debian' } },
    ],
    // Debian trixie-slim.
    otherTags: { distro: 'debian' },
  },
  {
    family: 'n8n',
    names: ['n8nio/n8n', 'docker.n8n.io/n8nio/n8n'],
    source: 'https://github.com/n8n-io/n8n/blob/master/docker/images/n8n/Dockerfile',
    // 1.x and later: FROM n8nio/base (node on Alpine), `USER node` (1000:1000, the node image's user),
    // ENTRYPOINT tini + docker-entrypoint.sh, which only trusts /opt/custom-certificates (c_rehash
    // there) and execs n8n with the arguments (`worker`, `webhook`): no step down, no setcap, EXPOSE
    // 5678 (https://github.com/n8n-io/n8n/blob/master/docker/images/n8n/docker-entrypoint.sh). No
    // VOLUME: it keeps its data in /home/node/.n8n and renders the editor's files under
    // /home/node/.cache/n8n at start, so a read-only root needs the user's own mounts: write paths
    // not known. 0.x tags started as root and chowned /home/node before `su-exec node`
    // (docker-entrypoint.sh before 1.0): left at the defaults, a human decides.
    facts: { distro: 'alpine', existingUser: user('node', 1000), ports: [5678], tmpfsPaths: ['/tmp'], installWrites: N8N_WRITES },
    tags: [{ when: (t) => major(t) === 0, set: { uncertain: 'n8n 0.x started as root and stepped down with su-exec: its start is not in the table' } }],
    otherTags: { defaultUser: 'node', nonRootByDefault: true },
  },
  {
    family: 'kong',
    names: ['kong', 'kong/kong-gateway', 'kong/kong'],
    source: 'https://github.com/Kong/docker-kong/blob/master/ubuntu/Dockerfile',
    // The kong package makes user kong (its UID is not pinned); every Dockerfile (ubuntu/, .deb,
    // .rpm) chowns KONG_PREFIX (/usr/local/kong) to kong:0 and ends `USER kong`. docker-entrypoint.sh
    // runs `kong prepare -p $KONG_PREFIX` for `kong docker-start` and execs nginx as that user: no step
    // down, no setcap. Proxy 8000/8443, admin 8001/8444. `kong prepare` rewrites the prefix (nginx.conf,
    // logs/, pids/, sockets/) at every start, next to what the package ships there (see KONG_WRITES):
    // write paths not known. 0.x and 1.x ran as root.
    facts: { defaultUser: 'kong', nonRootByDefault: true, ports: [8000, 8443, 8001, 8444], tmpfsPaths: ['/tmp'], installWrites: KONG_WRITES },
    tags: [
      { when: (t) => (major(t) ?? 2) < 2, set: { defaultUser: 'root', nonRootByDefault: false, uncertain: 'kong before 2.0 ran as root: its start is not in the table' } },
      { when: ALPINE, set: { distro: 'alpine' } },
      { when: /(^|-)(rhel|ubi\d*)(-|$)/, set: { distro: 'rhel-minimal' } },
      { when: /(^|-)centos(-|$)/, set: { distro: 'rhel' } },
      { when: /(^|-)debian(-|$)/, set: { distro: 'debian' } },
      // 2.x published Alpine as the default variant; 3.x Ubuntu.
      { when: (t) => major(t) === 2 && !/ubuntu/.test(t), set: { distro: 'alpine' } },
    ],
    otherTags: { distro: 'ubuntu' },
  },
  {
    family: 'linuxserver-socket-proxy',
    // LinuxServer.io's Docker socket proxy is not built on their s6-overlay base: FROM alpine, no abc, no step down.
    names: ['lscr.io/linuxserver/socket-proxy', 'ghcr.io/linuxserver/socket-proxy', 'linuxserver/socket-proxy'],
    source: 'https://github.com/linuxserver/docker-socket-proxy/blob/main/Dockerfile',
    // ENTRYPOINT /docker-entrypoint.sh as root: `mkdir -p /run/haproxy`, renders /run/haproxy/haproxy.cfg with sed,
    // `exec haproxy -W -db`; the config says `user root`, `chroot /`, `pidfile /run/haproxy.pid`; EXPOSE 2375. It writes
    // /run only; its readme runs it `read_only: true` with `tmpfs: /run`. Checked on the team engine (2026-12-03) with
    // Debian's haproxy 2.6 and that entrypoint and config, --read-only --tmpfs /run --cap-drop ALL: "Cannot chroot(/)",
    // and with SYS_CHROOT back "Loading success." and a listener on 2375. Tags 1.x (April 2024 to April 2025, nginx
    // releases) ran nginx with `user root;` and its temp and pid files in /run (mkdir /run/nginx-tmp): under
    // cap_drop ALL Debian's nginx 1.22 with that config stopped at "initgroups(root, 0) failed (1: Operation not
    // permitted)" and ran with SETGID back.
    capsSource: 'https://github.com/linuxserver/docker-socket-proxy/blob/main/root/templates/haproxy.cfg',
    facts: { distro: 'alpine', ports: [2375], capsNeeded: ['SYS_CHROOT'], staysRoot: true, tmpfsPaths: ['/run'], writePathsKnown: true },
    tags: [{ when: (t) => major(t) === 1, set: { capsNeeded: ['SETGID'] } }],
    otherTags: {},
  },
  {
    family: 'linuxserver',
    // LinuxServer.io's base images and every app image built on them (lscr.io/linuxserver/sonarr, ...).
    names: [/^(lscr\.io\/|ghcr\.io\/)?linuxserver\//],
    source: 'https://github.com/linuxserver/docker-baseimage-alpine/blob/master/Dockerfile',
    // ENTRYPOINT ["/init"] (s6-overlay v3) as root; the image makes user abc (`useradd -u 911 -U -d /config
    // abc`). At start init-adduser renumbers abc to PUID/PGID (`groupmod -o -g`, `usermod -o -u`: it rewrites
    // /etc/passwd and /etc/group, so a read-only root stops it) and `lsiown abc:abc /app /config /defaults`
    // (chown and chmod over trees abc may own); the services then run as abc through s6-setuidgid, supervised
    // by s6 as root (stopping them signals another UID: KILL). A USER stops all of that: never add one.
    // Its read-only and non-root modes (LSIO_READ_ONLY_FS, LSIO_NON_ROOT_USER) exist only for images that
    // say they support them; write paths are per app: not known. s6-overlay v3's preinit needs /run
    // writable and executable: with S6_READ_ONLY_ROOT it only remounts an existing /run exec (failing
    // that, it warns "expect /init to crash soon" when /run is noexec, Docker's tmpfs default), else it
    // `s6-mkdir -p /run` and makes /run/s6 and /run/service there (on the team engine `docker run --tmpfs /run`
    // mounted it `rw,nosuid,nodev,noexec`, `--tmpfs /run:exec` without noexec)
    // (https://github.com/just-containers/s6-overlay/blob/master/layout/rootfs-overlay/package/admin/s6-overlay-@VERSION@/libexec/preinit).
    // Capabilities, checked on the team engine (2026-12-03) with a stand-in of this start
    // (debian:bookworm-slim, Debian's s6 2.11.3.2, useradd -u 911 -U abc, lsiown.v1 from linuxserver/docker-mods
    // mod-scripts; init: init-adduser's usermod/groupmod to PUID=PGID=1000, `lsiown abc:abc /app /config
    // /defaults`, docker-swag's init-permissions-config `find /config/log -exec chmod +r` and `lsiown -R abc:abc
    // /config` over a volume left by UID 911 with 0700 folders and 0600 files, then s6-svscan with a service
    // `exec s6-setuidgid abc ...` that traps TERM), `docker run --cap-drop ALL --security-opt no-new-privileges
    // --cap-add ...`: with all six every step passed and `docker stop` ended the service by TERM at once.
    // Without CHOWN: lsiown "changing ownership ... Operation not permitted" and abc cannot write /config;
    // without DAC_OVERRIDE: lsiown -R "find: '/config/db': Permission denied"; without FOWNER: chmod
    // "Operation not permitted" on abc's logs; without SETGID: s6-applyuidgid "unable to set supplementary
    // group list"; without SETUID: "unable to setuid"; without KILL: the service never got TERM and stop
    // waited out its timeout for SIGKILL. usermod/groupmod needed none (root owns /etc/passwd).
    capsSource: 'https://github.com/linuxserver/docker-baseimage-alpine/blob/master/root/etc/s6-overlay/s6-rc.d/init-adduser/run',
    facts: {
      existingUser: user('abc', 911),
      dropsPrivileges: true,
      capsNeeded: ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'KILL', 'SETGID', 'SETUID'],
      startNeedsRoot:
        "(s6-overlay's /init) renumbers abc to PUID/PGID with groupmod and usermod, chowns /app, /config and /defaults to abc (lsiown) and runs each service as abc with s6-setuidgid, all as root",
      writesUnknown:
        "runs s6-overlay's /init as root, which needs /run writable and executable at start (a tmpfs /run:exec: Docker mounts a tmpfs noexec unless told), and LinuxServer's init renumbers abc in /etc/passwd and /etc/group for PUID/PGID unless LSIO_READ_ONLY_FS is set, which only images whose readme lists read-only support honour (https://docs.linuxserver.io/misc/read-only): the app's own writes are not known",
    },
    // The base images name their distro (baseimage-alpine, -ubuntu, -debian, -fedora, -arch); an app image's
    // tag may (`-alpine`, `-ubuntu`, `-debian`), else its distro is not known here.
    tags: [
      { when: (t, n) => /baseimage-alpine/.test(n) || ALPINE.test(t), set: { distro: 'alpine' } },
      { when: (t, n) => /baseimage-ubuntu/.test(n) || /(^|-)(ubuntu|jammy|noble|focal)(-|$)/.test(t), set: { distro: 'ubuntu' } },
      { when: (t, n) => /baseimage-debian/.test(n) || /(^|-)(debian|bookworm|trixie)(-|$)/.test(t), set: { distro: 'debian' } },
    ],
    otherTags: {},
  },
  {
    family: 'grafana',
    names: ['grafana/grafana', 'grafana/grafana-oss', 'grafana/grafana-enterprise'],
    source: 'https://github.com/grafana/grafana/blob/main/Dockerfile',
    // USER 472 (grafana, group 0); Alpine by default, Ubuntu for -ubuntu tags. It writes
    // /var/lib/grafana, which upstream does not declare as a VOLUME (GRAFANA_WRITES), and /tmp; the
    // start writes $GF_PATHS_HOME/.aws/credentials only when GF_AWS_PROFILES is set.
    facts: { existingUser: user('grafana', 472, 0), defaultUser: '472', nonRootByDefault: true, ports: [3000], tmpfsPaths: ['/tmp'], installWrites: GRAFANA_WRITES, writePathsKnown: true },
    tags: [{ when: /(^|-)ubuntu(-|$)/, set: { distro: 'ubuntu' } }],
    otherTags: { distro: 'alpine' },
  },
  {
    family: 'weblate',
    names: ['weblate/weblate'],
    source: 'https://github.com/WeblateOrg/docker/blob/main/Dockerfile',
    // FROM weblate/base (Debian), whose `useradd --shell /bin/sh --user-group weblate --groups root,tty`
    // is the first user (1000:1000); the image ends `USER 1000` (numeric, for OpenShift), EXPOSE 8080,
    // VOLUME /app/data and /app/cache, ENTRYPOINT /app/bin/start: no step down, no setcap. Its start
    // writes only /tmp (the nginx site in /tmp/nginx, /tmp/localtime, the nss_wrapper passwd) and /run
    // (/run/supervisor.conf.d, /run/granian, /run/celery, nginx's pid), both chgrp 0 and 770 in the image:
    // read-only runs with tmpfs on /run and /tmp, what the maintainers did (WeblateOrg/docker#1831 and
    // #1857; WeblateOrg/docker-compose#198, `read_only: true`, `tmpfs: [/run, /tmp]`), and what broke
    // 5.8.4 on a read-only root without a /run mount (WeblateOrg/docker#2923: "mkdir: cannot create
    // directory '/run/supervisor.conf.d/': Read-only file system"). 4.x images before that work wrote
    // /etc/nginx: left at the defaults, a human decides.
    facts: {
      distro: 'debian',
      existingUser: user('weblate', 1000),
      defaultUser: '1000',
      nonRootByDefault: true,
      ports: [8080],
      tmpfsPaths: ['/tmp', '/run'],
      dataPaths: ['/app/data', '/app/cache'],
      writePathsKnown: true,
    },
    tags: [{ when: (t) => (major(t) ?? 5) < 5, set: { tmpfsPaths: [], dataPaths: [], writePathsKnown: false, writesUnknown: 'is older than 5.0, whose start wrote its nginx configuration under /etc/nginx (its read-only layout, tmpfs on /run and /tmp, came with WeblateOrg/docker#1857): the paths it writes are not known' } }],
    otherTags: {},
  },
  {
    family: 'prometheus',
    names: ['prom/prometheus', 'quay.io/prometheus/prometheus'],
    source: 'https://github.com/prometheus/prometheus/blob/main/Dockerfile',
    // quay.io/prometheus/busybox base, USER nobody (65534), VOLUME /prometheus; it writes nothing
    // else. `-distroless` tags: distroless static nonroot (65532), no shell, no VOLUME.
    facts: { distro: 'alpine', defaultUser: 'nobody', nonRootByDefault: true, existingUser: user('nobody', 65534), dataPaths: ['/prometheus'], ports: [9090], writePathsKnown: true },
    tags: [
      {
        when: /(^|-)distroless$/,
        set: { distro: 'distroless', hasShell: false, defaultUser: '65532', existingUser: user('nonroot', 65532), dataPaths: [], writePathsKnown: false },
      },
    ],
    otherTags: {},
  },
  {
    family: 'node-exporter',
    names: ['prom/node-exporter', 'quay.io/prometheus/node-exporter'],
    source: 'https://github.com/prometheus/node_exporter/blob/master/Dockerfile',
    // FROM quay.io/prometheus/busybox-${OS}-${ARCH}:glibc, the binary in /bin, EXPOSE 9100, `USER nobody`, ENTRYPOINT
    // node_exporter: no step down, no setcap, no VOLUME. It only reads (/proc, /sys, the host root a compose mounts at
    // /host, the textfile collector's folder): it writes nothing.
    facts: { distro: 'alpine', existingUser: user('nobody', 65534), defaultUser: 'nobody', nonRootByDefault: true, ports: [9100], writePathsKnown: true },
  },
  {
    family: 'alertmanager',
    names: ['prom/alertmanager', 'quay.io/prometheus/alertmanager'],
    source: 'https://github.com/prometheus/alertmanager/blob/main/Dockerfile',
    // /etc/alertmanager and /alertmanager copied --chown=nobody:nobody, `USER nobody`, EXPOSE 9093, VOLUME /alertmanager,
    // WORKDIR /alertmanager, ENTRYPOINT /bin/alertmanager with `--storage.path=/alertmanager`: no step down, no setcap; it
    // writes its silences and notification log there. The base was quay.io/prometheus/busybox and is Google's distroless
    // libc in 2026 (no shell): the distro is not told apart here.
    facts: { existingUser: user('nobody', 65534), defaultUser: 'nobody', nonRootByDefault: true, dataPaths: ['/alertmanager'], ports: [9093], writePathsKnown: true },
  },
  {
    family: 'authelia',
    names: ['authelia/authelia', 'ghcr.io/authelia/authelia'],
    source: 'https://github.com/authelia/authelia/blob/master/Dockerfile',
    // FROM authelia/base (Alpine), ENV PUID=0 PGID=0, EXPOSE 9091, ENTRYPOINT /app/entrypoint.sh, no USER, no VOLUME. The
    // entrypoint, for no arguments or `--config ...` and as root: `chown -R ${PUID}:${PGID} /config`, then `exec su-exec
    // ${PUID}:${PGID} authelia`; any other first argument is exec'd as root. By default PUID=0: it stays root, but chown
    // and su-exec still run. Checked on the team engine (2026-12-03) with a stand-in (debian:bookworm-slim, that chown,
    // setpriv --reuid/--regid/--groups for su-exec, writes of db.sqlite3 and notification.txt in /config) over a host folder
    // owned by UID 1000, PUID=0 and PUID=1000, under cap_drop ALL, no-new-privileges and a read-only root: without CHOWN
    // "chown: changing ownership of '/config/configuration.yml': Operation not permitted"; without SETGID setgroups fails
    // (both PUIDs); without SETUID setresuid fails for PUID=1000. With CHOWN, SETGID, SETUID all passed.
    capsSource: 'https://github.com/authelia/authelia/blob/master/entrypoint.sh',
    facts: {
      distro: 'alpine',
      dropsPrivileges: true,
      capsNeeded: ['CHOWN', 'SETGID', 'SETUID'],
      dropsFor: { words: ['--config'], optionFirst: false },
      ports: [9091],
      writesUnknown:
        'writes where its configuration points (the SQLite database, the notification file; usually under /config, which upstream declares no VOLUME for): a read-only root needs a volume there',
    },
  },
  {
    family: 'mailhog',
    names: ['mailhog/mailhog'],
    source: 'https://github.com/mailhog/MailHog/blob/master/Dockerfile',
    // Alpine with `adduser -D -u 1000 mailhog` and USER mailhog; SMTP on 1025, web on 8025.
    // It keeps mail in memory unless MH_STORAGE / -storage names maildir or mongodb, which
    // this row cannot see: its write paths are left unknown.
    facts: { distro: 'alpine', existingUser: user('mailhog', 1000), defaultUser: 'mailhog', nonRootByDefault: true, ports: [1025, 8025] },
  },
  {
    family: 'adminer',
    names: ['adminer'],
    source: 'https://github.com/TimWolla/docker-adminer/blob/master/5/Dockerfile',
    // php:alpine with a system user `adminer` (`adduser -S`: its UID is whatever Alpine picks) and
    // USER adminer; `php -S [::]:8080`, or php-fpm on 9000 for fastcgi tags. Its entrypoint writes
    // into /var/www/html (plugins-enabled, the design link, .adminer-init), where the app's own
    // files are: a tmpfs would hide them, so its write paths are left unknown.
    facts: { distro: 'alpine', defaultUser: 'adminer', nonRootByDefault: true, ports: [8080] },
    tags: [{ when: /(^|-)fastcgi(-|$)/, set: { ports: [9000] } }],
  },
  {
    family: 'pgadmin',
    names: ['dpage/pgadmin4'],
    source: 'https://github.com/pgadmin-org/pgadmin4/blob/master/Dockerfile',
    capsSource: 'https://github.com/pgadmin-org/pgadmin4/blob/master/pkg/docker/entrypoint.sh',
    // python:alpine, `useradd -r -u 5050 -g root pgadmin`, USER 5050, VOLUME /var/lib/pgadmin,
    // gunicorn on 80 (443 with PGADMIN_ENABLE_TLS). Its python carries `setcap
    // CAP_NET_BIND_SERVICE=+eip` (python3-cap from 9.16 on): before 9.16 exec fails without that
    // capability in the bounding set; from 9.16 the entrypoint falls back to plain python and
    // moves gunicorn to 8080/8443 when NET_BIND_SERVICE is missing or no-new-privileges is set
    // (PGADMIN_LISTEN_PORT unset), and it runs `sudo /usr/sbin/postfix start` as the pgadmin user.
    facts: {
      distro: 'alpine',
      existingUser: user('pgadmin', 5050, 0),
      defaultUser: '5050',
      nonRootByDefault: true,
      dataPaths: ['/var/lib/pgadmin'],
      ports: [80, 443],
      fileCapabilities: ['NET_BIND_SERVICE'],
      // sudo needs SETUID and SETGID to switch to root and back (xencon/aixcl 5e86e16, #1921: checked on a harness with
      // the pinned image; without them the entrypoint's postfix start fails and no password-reset mail goes out).
      setuidHelperCaps: ['SETGID', 'SETUID'],
      newPrivileges:
        'its entrypoint runs `sudo /usr/sbin/postfix start` as user pgadmin (mail for password resets), and from 9.16 on it moves gunicorn from port 80 to 8080 when it sees no-new-privileges, unless PGADMIN_LISTEN_PORT is set',
    },
  },
  {
    family: 'docker-mailserver',
    names: ['mailserver/docker-mailserver', 'ghcr.io/docker-mailserver/docker-mailserver'],
    source: 'https://github.com/docker-mailserver/docker-mailserver/blob/master/Dockerfile',
    // debian:13-slim, no USER: supervisord runs postfix, dovecot, rsyslog, cron, amavis, … as root (target/supervisor/conf.d).
    // Its spool "permissions rely on the `postdrop` binary having the SGID bit set" (target/scripts/startup/setup.d/
    // mail_state.sh; docker-mailserver#3625), and Dovecot's Sieve redirects and vacation replies submit mail as the mailbox
    // user through it. On the team engine (debian:bookworm-slim + postfix, `su nobody -c sendmail`) the message queued
    // without no-new-privileges and postdrop looped on "mail_queue_enter: create file maildrop/…: Permission denied" with it.
    facts: {
      distro: 'debian',
      ports: [25, 143, 465, 587, 993],
      newPrivileges:
        "postfix's postdrop is setgid postdrop, and mail a non-root process submits (Dovecot Sieve redirects and vacation replies, cron mail) is queued through it: under no-new-privileges the kernel ignores the bit and postdrop cannot write the maildrop queue",
      // target/scripts/startup/setup.d/mail_state.sh: at every start, with /var/mail-state present, each of /var/lib/postfix,
      // /var/spool/postfix, /var/lib/logrotate and every enabled service's /var/lib folder is moved there (`mv`), or
      // removed (`rm -rf`) where the state folder already has it, and replaced by a symlink (`ln -s`).
      writesUnknown:
        "moves postfix's queue (/var/spool/postfix), /var/lib/postfix and each enabled service's state folder under /var/lib into /var/mail-state at every start and links them back (target/scripts/startup/setup.d/mail_state.sh: mv, rm -rf, ln -s under /var), and its supervisord runs postfix, dovecot, rsyslog and cron as root, writing under /run and /var/log: a read-only root stops that start. Queued mail lives in /var/mail-state: a volume there, never a tmpfs",
    },
  },
  {
    family: 'wordpress',
    names: ['wordpress'],
    source: 'https://github.com/docker-library/wordpress/blob/master/latest/php8.3/apache/Dockerfile',
    // As root, the entrypoint chowns /var/www/html to www-data when it is root's and untars
    // WordPress into it with --owner www-data, then Apache's master (or php-fpm) switches its
    // children to www-data. On the team daemon those first-start steps failed ("Cannot mkdir",
    // "Cannot change mode", "Cannot utime") under cap_drop ALL until CHOWN, DAC_OVERRIDE and FOWNER
    // were all given back; SETGID and SETUID are the master's (MASTER_SWITCH_CAPS).
    capsSource: 'https://github.com/docker-library/wordpress/blob/master/docker-entrypoint.sh',
    facts: { dataPaths: ['/var/www/html'] },
    tags: [
      // cli tags: php-cli on Alpine with USER www-data (82).
      { when: /(^|-)cli(-|$)/, set: { distro: 'alpine', defaultUser: 'www-data', nonRootByDefault: true, existingUser: user('www-data', 82) } },
      { when: /(^|-)fpm-alpine(-|$)/, set: { distro: 'alpine', dropsPrivileges: true, capsNeeded: ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'SETGID', 'SETUID'], ports: [9000] } },
      { when: /(^|-)fpm(-|$)/, set: { distro: 'debian', dropsPrivileges: true, capsNeeded: ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'SETGID', 'SETUID'], ports: [9000] } },
    ],
    otherTags: { distro: 'debian', dropsPrivileges: true, capsNeeded: ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'SETGID', 'SETUID'], ports: [80], tmpfsPaths: APACHE_RUN_PATHS },
  },
  {
    family: 'ghost',
    names: ['ghost'],
    source: 'https://github.com/docker-library/ghost/blob/master/6/bookworm/Dockerfile',
    // FROM node (user node 1000). As root for `node current/index.js`: `find "$GHOST_CONTENT" \! -user
    // node -exec chown node` then `exec gosu node`; Ghost creates its content folders 0755, so
    // FIND_CHOWN_CAPS. VOLUME /var/lib/ghost/content.
    capsSource: 'https://github.com/docker-library/ghost/blob/master/docker-entrypoint.sh',
    facts: { existingUser: user('node', 1000), dropsPrivileges: true, capsNeeded: FIND_CHOWN_CAPS, dataPaths: ['/var/lib/ghost/content'], ports: [2368] },
    tags: [
      { when: ALPINE, set: { distro: 'alpine' } },
      { when: DEBIAN, set: { distro: 'debian' } },
    ],
    otherTags: { distro: 'debian' },
  },
  {
    family: 'minio',
    names: ['minio/minio', 'quay.io/minio/minio'],
    source: 'https://github.com/minio/minio/blob/master/Dockerfile.release',
    // No USER: root. ENTRYPOINT docker-entrypoint.sh puts `minio` in front of other arguments and execs it; only with
    // MINIO_USERNAME and MINIO_GROUPNAME set (marked deprecated and unsupported) does it `chroot --userspec` to them
    // (https://github.com/minio/minio/blob/master/dockerscripts/docker-entrypoint.sh): by default it stays root, with no
    // setcap. VOLUME /data, EXPOSE 9000 (the console listens on a random port unless --console-address). The server writes
    // the folders its `server` arguments name, and makes ~/.minio/certs/CAs at start but ignores a permission or read-only
    // error there (mkdirAllIgnorePerm: https://github.com/minio/minio/blob/master/cmd/config-dir.go). Base by release
    // (Dockerfile.release history): alpine until 2021-06-03, ubi8/ubi9-minimal (microdnf) until 2023-10-28, then ubi9-micro,
    // which has no package manager: no tool there can install shadow-utils for useradd, so the distro of those tags (and
    // of latest, edge) is left unknown and a Dockerfile built FROM them gets no user made by a guess.
    // cap_drop ALL: the entrypoint only rewrites its arguments and execs minio, which as root makes its folders, writes,
    // chmods files it made and sets the soft NOFILE limit to the hard one (setMaxResources, cmd/server-rlimit.go): none of
    // that needs a capability where root owns the folders (a named volume: the image's /data is root's; a host folder
    // Docker makes). Checked on the team engine (2026-12-03) with a stand-in (debian:bookworm-slim, tini, a root script
    // doing those steps in /data, /tmp and its WORKDIR) under cap_drop ALL, no-new-privileges, read_only with tmpfs /tmp:
    // it started, and stopped on TERM, with CapEff 0; over a host folder owned by UID 1000 it stopped at "Permission
    // denied" until DAC_OVERRIDE was given back, which compose/cap-drop adds for read-write bind mounts (rootBindWrites).
    // With MINIO_USERNAME and MINIO_GROUPNAME set the entrypoint appends to /etc/passwd and runs `chroot --userspec`
    // instead: SYS_CHROOT, SETGID, SETUID at least (elasticsearch 7's chroot, below), not checked: reported.
    facts: {
      distro: 'unknown',
      staysRoot: true,
      servesFor: 'any',
      staysRootUnless: { variables: ['MINIO_USERNAME', 'MINIO_GROUPNAME'], why: 'switches to that user with `chroot --userspec` (dockerscripts/docker-entrypoint.sh, "DEPRECATED and unsupported")' },
      ports: [9000],
      dataPaths: ['/data'],
      writesUnknown:
        'writes the folders its `server` command names (upstream declares VOLUME /data, for the usual `server /data`), which this row cannot see from the tag; its certs folder ~/.minio/certs is made at start only where it can be (a read-only error is ignored)',
    },
    tags: [
      { when: (t) => (minioReleaseDate(t) ?? 99999999) < 20210603, set: { distro: 'alpine' } },
      { when: (t) => (minioReleaseDate(t) ?? 99999999) < 20231028, set: { distro: 'rhel-minimal' } },
    ],
    otherTags: {},
  },
  {
    family: 'nextcloud',
    names: ['nextcloud'],
    source: 'https://github.com/nextcloud/docker/blob/master/33/apache/Dockerfile',
    // FROM php:*-apache (Debian), php:*-fpm or php:*-fpm-alpine; `chown -R www-data:root /var/www`, VOLUME /var/www/html, no
    // USER. Its entrypoint runs for `apache*` and `php-fpm` (`expr "$1" : "apache" || [ "$1" = "php-fpm" ]`): as root it
    // rsyncs /usr/src/nextcloud into /var/www/html with `-rlDog --chown www-data:www-data`, runs occ through `su -p www-data`,
    // then execs Apache's master or php-fpm's, which switch their workers to www-data. Anything else (the /cron.sh of the
    // cron container: busybox crond) runs as root. Capabilities checked on the team engine (2026-12-03) with a stand-in of
    // that start (debian:bookworm-slim, Debian's rsync and su, /var/www chowned www-data:root and chmod g=u, VOLUME
    // /var/www/html, the entrypoint's flock, three rsync calls and su -p, then setpriv to www-data for the master's switch),
    // first start and a second start over the same volume, under cap_drop ALL with each capability left out in turn:
    // without CHOWN rsync "chown ... Operation not permitted"; without DAC_OVERRIDE rsync "mkdir \"/var/www/html/apps\"
    // failed: Permission denied"; without FOWNER rsync "failed to set permissions on ... Operation not permitted"; without
    // SETGID su "cannot set groups"; without SETUID su "cannot set user id". With all five both starts passed.
    capsSource: 'https://github.com/nextcloud/docker/blob/master/docker-entrypoint.sh',
    // www-data (33 Debian, 82 Alpine) is the web server's worker account, not a reuse target (see php).
    facts: {
      dropsPrivileges: true,
      capsNeeded: NEXTCLOUD_CAPS,
      dropsFor: { words: ['php-fpm'], prefixes: ['apache'], optionFirst: false },
      dataPaths: ['/var/www/html'],
    },
    tags: [
      { when: /(^|-)fpm-alpine(-|$)/, set: { distro: 'alpine', ports: [9000], writesUnknown: nextcloudWrites(false) } },
      { when: /(^|-)fpm(-|$)/, set: { distro: 'debian', ports: [9000], writesUnknown: nextcloudWrites(false) } },
    ],
    // latest, 33, 33-apache, stable, production: the apache variant.
    otherTags: { distro: 'debian', ports: [80], writesUnknown: nextcloudWrites(true) },
  },
  {
    family: 'selenium',
    names: [/^(selenium|seleniarm)\/(hub|router|distributor|event-bus|sessions|session-queue|(standalone|node)-(chrome|chromium|firefox|edge))$/],
    source: 'https://github.com/SeleniumHQ/docker-selenium/blob/trunk/Base/Dockerfile',
    // FROM ubuntu (noble in 4.2x), `groupadd --gid 1201 seluser`, `useradd --uid 1200 ... seluser` (also in sudo, with
    // `ALL ALL = (ALL) NOPASSWD: ALL` in /etc/sudoers; no start script of these images calls sudo), `USER 1200:1201` since
    // 2020 (#1083), CMD /opt/bin/entry_point.sh, which starts supervisord as that user: no step down, no setcap. Chrome and
    // Edge run through a wrapper that passes --no-sandbox (NodeChrome/wrap_chrome_binary). EXPOSE 4442 4443 4444 (Hub),
    // 5900 (NodeBase: VNC), 4444 (Standalone, on a node image). No VOLUME. node-docker and video run other starts
    // (socat through sudo; ffmpeg): not in this row.
    facts: { distro: 'ubuntu', existingUser: SELENIUM_USER, defaultUser: '1200', nonRootByDefault: true, writesUnknown: SELENIUM_WRITES },
    tags: [
      // 3.x tags built before #1083 (2020-07-15: `3.141.59-xenon`, `3.141.59-20200525`) ended `USER seluser` with a user
      // made without --uid: the name is known, its number is not.
      { when: (t) => major(t) === 3 && !((Number(/-(\d{8})$/.exec(t)?.[1] ?? 0)) >= 20200715), set: { existingUser: undefined, defaultUser: 'seluser' } },
      { when: (_t, n) => n.endsWith('/hub'), set: { ports: [4442, 4443, 4444] } },
      { when: (_t, n) => /\/standalone-/.test(n), set: { ports: [4444, 5900] } },
      { when: (_t, n) => /\/node-/.test(n), set: { ports: [5900] } },
    ],
    otherTags: {},
  },
  {
    family: 'mailpit',
    names: ['axllent/mailpit', 'ghcr.io/axllent/mailpit'],
    source: 'https://github.com/axllent/mailpit/blob/develop/Dockerfile',
    // FROM alpine with the static /mailpit binary (chgrp 0, g=u); no USER, so root; ENTRYPOINT ["/mailpit"] with no step
    // down and no setcap; EXPOSE 1025 (SMTP), 1110 (POP3), 8025 (web), all above 1024. No VOLUME. As root it writes its
    // SQLite file in /tmp (internal/storage/database.go: os.TempDir()) and chmods only the unix sockets it makes itself
    // (internal/smtpd/smtpd.go, server/server.go): no capability, as the minio stand-in showed (CapEff 0 under cap_drop
    // ALL, read_only with tmpfs /tmp). HEALTHCHECK `/mailpit readyz` runs as root too and only connects. A command is
    // its arguments (`--smtp-auth-accept-any`): the server runs for any.
    facts: {
      distro: 'alpine',
      staysRoot: true,
      servesFor: 'any',
      ports: [1025, 1110, 8025],
      writesUnknown:
        'keeps its mail in a SQLite file it makes in the temporary folder (/tmp) unless MP_DATABASE (--database) names a file elsewhere, which this row cannot see: a read-only root needs a tmpfs on /tmp, or a volume where MP_DATABASE points',
    },
  },
  {
    family: 'meilisearch',
    names: ['getmeili/meilisearch'],
    source: 'https://github.com/meilisearch/meilisearch/blob/main/Dockerfile',
    // FROM alpine; no USER, so root; ENTRYPOINT tini, CMD /bin/meilisearch: no step down, no setcap. WORKDIR /meili_data,
    // where its default paths are relative to (./data.ms, dumps/, snapshots/: MEILI_DB_PATH, MEILI_DUMP_DIR,
    // MEILI_SNAPSHOT_DIR move them); upstream declares no VOLUME. EXPOSE 7700. As root it writes only there and in /tmp and
    // sets permissions on the snapshot files it made (index-scheduler process_snapshot_creation.rs); tini, as PID 1,
    // signals only its root child: no capability, as the minio stand-in (tini, root, WORKDIR writes) showed. A compose
    // command replaces the CMD: the server runs for `meilisearch`, `/bin/meilisearch` and the old `/meilisearch` link.
    facts: {
      distro: 'alpine',
      staysRoot: true,
      servesFor: { words: ['meilisearch', '/bin/meilisearch', '/meilisearch'], optionFirst: false },
      ports: [7700],
      writesUnknown:
        'keeps its database, dumps and snapshots under its working folder /meili_data (./data.ms unless MEILI_DB_PATH, MEILI_DUMP_DIR or MEILI_SNAPSHOT_DIR move them), which upstream declares no VOLUME for, and its indexing writes temporary files: a read-only root needs a volume there and a tmpfs on /tmp',
    },
  },
  {
    family: 'clickhouse',
    names: ['clickhouse/clickhouse-server', 'clickhouse', 'yandex/clickhouse-server'],
    source: 'https://github.com/ClickHouse/ClickHouse/blob/master/docker/server/Dockerfile.ubuntu',
    // `groupadd -r clickhouse --gid=101 && useradd -r -g clickhouse --uid=101`, the server from the deb packages,
    // `chmod ugo+Xrw -R /var/lib/clickhouse /var/log/clickhouse-server /etc/clickhouse-server`, VOLUME /var/lib/clickhouse,
    // EXPOSE 9000 8123 9009, no USER. entrypoint.sh as root: for the data, tmp, user_files, format_schemas and log folders
    // `mkdir -p` and, when the folder is not 101's, `chown -R 101:101`; with CLICKHOUSE_USER (other than default),
    // CLICKHOUSE_PASSWORD or CLICKHOUSE_DEFAULT_ACCESS_MANAGEMENT it writes /etc/clickhouse-server/users.d/default-user.xml;
    // on a first start with CLICKHOUSE_DB or files in /docker-entrypoint-initdb.d it starts the server as 101 in the
    // background, runs them, and stops it with `kill -s TERM`; then `exec clickhouse su 101:101 clickhouse-server` (setgid,
    // setuid, execvp: programs/su/su.cpp) when there are no arguments or the first starts with `--`, else `exec "$@"` as root.
    // Capabilities checked on the team engine (2026-12-03) with a stand-in of that start (debian:bookworm-slim, user 101,
    // the same folders and modes, setpriv --regid/--reuid for `clickhouse su`) with CLICKHOUSE_DB, CLICKHOUSE_USER and
    // CLICKHOUSE_PASSWORD set, over a new named volume, the same volume again, a bind folder Docker made and a host folder
    // owned by UID 1000 holding data: with CHOWN, DAC_OVERRIDE, KILL, SETGID, SETUID all four started and stopped on TERM.
    // Without CHOWN "chown: changing ownership ... Operation not permitted"; without DAC_OVERRIDE, on both bind folders,
    // "mkdir: cannot create directory '/var/lib/clickhouse/tmp/': Permission denied" (the folder is 101's 0755 after the
    // first chown); without KILL the first start's "kill: ... Operation not permitted" / "Finishing of ClickHouse init
    // process failed."; without SETGID or SETUID the step down fails. File capabilities: `clickhouse install` (run by the
    // deb's postinst) setcaps cap_net_admin,cap_ipc_lock,cap_sys_nice only where setcap exists and a test binary given
    // them still runs (programs/install/Install.cpp); libcap2-bin is only recommended (packages/clickhouse-server.yaml)
    // and the image installs --no-install-recommends: none (not read from a pulled image here).
    capsSource: 'https://github.com/ClickHouse/ClickHouse/blob/master/docker/server/entrypoint.sh',
    facts: {
      distro: 'ubuntu',
      existingUser: user('clickhouse', 101),
      dropsPrivileges: true,
      capsNeeded: ['CHOWN', 'DAC_OVERRIDE', 'KILL', 'SETGID', 'SETUID'],
      dropsFor: { words: [], optionFirst: true },
      dataPaths: ['/var/lib/clickhouse'],
      ports: [8123, 9000, 9009],
      writesUnknown:
        'keeps its data in /var/lib/clickhouse (VOLUME) and writes its log files in /var/log/clickhouse-server, which upstream declares no VOLUME for, and its entrypoint writes /etc/clickhouse-server/users.d/default-user.xml when CLICKHOUSE_USER, CLICKHOUSE_PASSWORD or CLICKHOUSE_DEFAULT_ACCESS_MANAGEMENT is set, next to files a build or mount may put there: a read-only root needs a volume or tmpfs for the logs and a writable users.d',
    },
    tags: [{ when: ALPINE, set: { distro: 'alpine' } }],
    otherTags: {},
  },
  {
    family: 'gitea',
    // Docker Hub's gitea/gitea, and Gitea's own registry since 1.23 (docker.gitea.com/gitea).
    names: ['gitea/gitea', 'docker.gitea.com/gitea'],
    source: 'https://github.com/go-gitea/gitea/blob/main/Dockerfile',
    // Every tag but -rootless: Alpine with s6, openssh and su-exec; user git 1000:1000 (home /data/git), ENV USER=git,
    // VOLUME /data, EXPOSE 22 3000, no USER. /usr/bin/entrypoint as root rewrites git's UID and GID in /etc/passwd and
    // /etc/group when USER_UID or USER_GID differ (sed -i: a read-only root stops it), makes /data/gitea/conf, log,
    // /data/git and /data/ssh, then execs s6-svscan /etc/s6, which supervises as root: gitea/setup (`chown -R git:git` of
    // /data/gitea, /app/gitea and /data/git when not git's, `chmod 700 /data/git/.ssh`, app.ini from the template) and
    // `su-exec git gitea web`; openssh/setup (ssh-keygen into /data/ssh, sshd_config rendered into /etc/ssh) and sshd as
    // root. Both starts need root (never add USER); sshd's needs under cap_drop ALL (privilege separation's chroot, the
    // session's user switch) were not checked here: reported.
    capsSource: 'https://github.com/go-gitea/gitea/blob/main/docker/root/etc/s6/gitea/setup',
    facts: {
      distro: 'alpine',
      existingUser: user('git', 1000),
      dropsPrivileges: true,
      // docker/root/usr/bin/entrypoint (no `id -u` check, no set -e) rewrites git's entries in /etc/passwd and /etc/group
      // with sed -i when USER or USER_UID/USER_GID differ, then execs s6-svscan /etc/s6, whose gitea/run starts the server
      // with `exec su-exec $USER /usr/local/bin/gitea web` (su-exec calls setgroups: EPERM for a non-root caller) and
      // openssh/run starts sshd: as a non-root USER the server never starts.
      startNeedsRoot:
        "(/usr/bin/entrypoint, then s6-svscan /etc/s6) rewrites git's UID and GID in /etc/passwd and /etc/group when USER_UID or USER_GID is set, and starts gitea with su-exec git (docker/root/etc/s6/gitea/run) and sshd, all as root",
      capsUnknown:
        "runs s6-svscan as root, which supervises `su-exec git gitea web` and OpenSSH's sshd as root after chown and chmod steps over /data (docker/root/etc/s6): what sshd needs under cap_drop ALL was not checked (the -rootless tags run as 1000 with Gitea's built-in SSH server)",
      dataPaths: ['/data'],
      ports: [22, 3000],
      writesUnknown:
        "keeps everything under /data (VOLUME), but its entrypoint rewrites /etc/passwd and /etc/group when USER_UID or USER_GID is set and renders /etc/ssh/sshd_config at every start: a read-only root stops the start (the -rootless tags keep their writes in /var/lib/gitea, /etc/gitea and /tmp)",
    },
    tags: [
      {
        // Tags ending -rootless (1.14 on; https://github.com/go-gitea/gitea/blob/main/Dockerfile.rootless):
        // `addgroup -S -g 1000 git && adduser -S -H -D -h /var/lib/gitea/git -u 1000 -G git git`, /var/lib/gitea and
        // /etc/gitea chowned to git, `USER 1000:1000`, VOLUME /var/lib/gitea and /etc/gitea, EXPOSE 2222 3000, ENTRYPOINT
        // dumb-init + docker-entrypoint.sh: docker-setup.sh makes $HOME (/var/lib/gitea/git), GITEA_CUSTOM
        // (/var/lib/gitea/custom), GITEA_TEMP (/tmp/gitea, also TMPDIR) and writes /etc/gitea/app.ini, whose template
        // (docker/rootless/etc/templates/app.ini) keeps repositories, the database, sessions, avatars, attachments, logs
        // and LFS under /var/lib/gitea and the upload and local-copy temp folders under /tmp/gitea. No step down, no setcap.
        // Stand-in of those writes as 1000:1000 on the team engine (2026-12-03), cap_drop ALL, read_only, named volumes at
        // /var/lib/gitea and /etc/gitea: passed with a tmpfs /tmp; without it "mkdir: cannot create directory '/tmp/gitea':
        // Read-only file system".
        when: /(^|-)rootless$/,
        set: {
          defaultUser: '1000:1000',
          nonRootByDefault: true,
          dropsPrivileges: false,
          startNeedsRoot: undefined,
          capsUnknown: undefined,
          tmpfsPaths: ['/tmp'],
          dataPaths: ['/var/lib/gitea', '/etc/gitea'],
          writePathsKnown: true,
          writesUnknown: undefined,
          ports: [2222, 3000],
        },
      },
    ],
    otherTags: {},
  },
  {
    family: 'n8n-runners',
    names: ['n8nio/runners', 'docker.n8n.io/n8nio/runners'],
    source: 'https://github.com/n8n-io/n8n/blob/master/docker/images/runners/Dockerfile',
    // n8n's task-runner sidecar (1.111 on): FROM python:3.13-alpine with node copied in, `addgroup -g 1000 -S runner &&
    // adduser -u 1000 -S -G runner -h /home/runner -D runner`, the runners in /opt/runners owned by runner, `USER runner`,
    // EXPOSE 5680, ENTRYPOINT tini + task-runner-launcher: no step down, no setcap. No VOLUME; what the Code node's
    // programs write is the user's. `-distroless` tags (Dockerfile.distroless): gcr.io/distroless/cc-debian12, USER 65532:65532.
    facts: { distro: 'alpine', existingUser: user('runner', 1000), defaultUser: 'runner', nonRootByDefault: true, ports: [5680] },
    tags: [
      {
        when: /(^|-)distroless$/,
        set: { distro: 'distroless', hasShell: false, existingUser: user('nonroot', 65532), defaultUser: '65532:65532' },
      },
    ],
    otherTags: {},
  },
  {
    family: 'matomo',
    names: ['matomo'],
    source: 'https://github.com/matomo-org/docker/blob/master/apache/Dockerfile',
    // FROM php:8.x-apache, php:8.x-fpm or php:8.x-fpm-alpine with Matomo unpacked in /usr/src/matomo, VOLUME /var/www/html,
    // ENTRYPOINT /entrypoint.sh, CMD apache2-foreground or php-fpm, no USER. The entrypoint, as root and for any command,
    // copies /usr/src/matomo into /var/www/html when matomo.php is missing (`tar cf - --one-file-system -C /usr/src/matomo
    // . | tar xf -`) and `chown -R www-data:www-data .` (APACHE_RUN_USER/GROUP for apache2*), then execs the command: the
    // same first-start copy as wordpress's, and the Apache or php-fpm master then switches its workers to www-data. Checked
    // on the team engine (2026-12-03) with a stand-in (debian:bookworm-slim; php's /var/www/html www-data 1777; a source
    // tree owned by 1001, as tar as root keeps a release tarball's owners; that copy and chown; setpriv to www-data for
    // the master's switch) under cap_drop ALL, no-new-privileges, read_only with tmpfs /var/run/apache2 and /tmp, each
    // capability left out in turn: without CHOWN "tar: .: Cannot change ownership to uid 1001"; without FOWNER "tar: .:
    // Cannot change mode"; without SETGID or SETUID setpriv's setresgid/setresuid fail; without DAC_OVERRIDE it passed
    // over a named volume but over a host folder owned by UID 1000 "tar: ./core/a.php: Cannot open". With all five both
    // passed. Another command (the archiver's `console core:archive`) runs as root.
    capsSource: 'https://github.com/matomo-org/docker/blob/master/docker-entrypoint.sh',
    facts: {
      dropsPrivileges: true,
      capsNeeded: ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'SETGID', 'SETUID'],
      dropsFor: { words: ['php-fpm'], prefixes: ['apache2'], optionFirst: false },
      dataPaths: ['/var/www/html'],
    },
    tags: [
      { when: /(^|-)fpm-alpine(-|$)/, set: { distro: 'alpine', ports: [9000] } },
      { when: /(^|-)fpm(-|$)/, set: { distro: 'debian', ports: [9000] } },
    ],
    // latest, 5, 5-apache, apache: the apache variant.
    otherTags: { distro: 'debian', ports: [80], tmpfsPaths: APACHE_RUN_PATHS },
  },
  {
    family: 'loki',
    names: ['grafana/loki'],
    source: 'https://github.com/grafana/loki/blob/main/cmd/loki/Dockerfile',
    // `addgroup -g 10001 -S loki && adduser -u 10001 -S loki -G loki`, /loki (rules, rules-temp) and /etc/loki chowned to
    // loki, `USER 10001`, EXPOSE 3100, ENTRYPOINT /usr/bin/loki with its config file: no step down, no setcap. The base is
    // distroless static:debug (busybox shell) on main; older tags were on alpine: its distro is not told apart here. No VOLUME.
    facts: {
      existingUser: user('loki', 10001),
      defaultUser: '10001',
      nonRootByDefault: true,
      ports: [3100],
      writesUnknown:
        "writes where its configuration file points (the image's own keeps everything under /loki, owned by loki, which upstream declares no VOLUME for; a mounted config often names /tmp/loki or /data/loki): a read-only root needs a volume there",
    },
  },
  {
    family: 'opensearch',
    names: ['opensearchproject/opensearch'],
    source: 'https://github.com/opensearch-project/opensearch-build/blob/main/docker/release/dockerfiles/opensearch.al2023.dockerfile',
    // Amazon Linux 2 (1.x, opensearch.al2.dockerfile) or 2023 (2.x and later), with shadow-utils installed:
    // `groupadd -g 1000 opensearch && adduser -u 1000 -g 1000 -d /usr/share/opensearch opensearch`, the install tree
    // copied --chown=1000:1000, `USER 1000`, EXPOSE 9200 9300 9600 9650, ENTRYPOINT opensearch-docker-entrypoint.sh: no
    // step down, no setcap. No VOLUME.
    facts: {
      distro: 'rhel',
      existingUser: user('opensearch', 1000),
      defaultUser: '1000',
      nonRootByDefault: true,
      ports: [9200, 9300, 9600, 9650],
      writesUnknown:
        'keeps its indices in /usr/share/opensearch/data and its logs in /usr/share/opensearch/logs, which upstream declares no VOLUME for, and its entrypoint writes the keystore and, unless DISABLE_INSTALL_DEMO_CONFIG or DISABLE_SECURITY_PLUGIN is true, the security demo certificates into /usr/share/opensearch/config, next to the files shipped there: a read-only root needs volumes for data and logs and a writable config folder',
    },
  },
  {
    family: 'postgres-exporter',
    names: ['quay.io/prometheuscommunity/postgres-exporter', 'prometheuscommunity/postgres-exporter'],
    source: 'https://github.com/prometheus-community/postgres_exporter/blob/master/Dockerfile',
    // FROM quay.io/prometheus/busybox-${OS}-${ARCH}, the binary in /bin, EXPOSE 9187, `USER nobody`, ENTRYPOINT
    // postgres_exporter: no step down, no setcap, no VOLUME. It connects to PostgreSQL and serves metrics; it writes nothing.
    facts: { distro: 'alpine', existingUser: user('nobody', 65534), defaultUser: 'nobody', nonRootByDefault: true, ports: [9187], writePathsKnown: true },
  },
  {
    family: 'mysqld-exporter',
    names: ['prom/mysqld-exporter', 'quay.io/prometheus/mysqld-exporter'],
    source: 'https://github.com/prometheus/mysqld_exporter/blob/main/Dockerfile',
    // Like node-exporter: busybox base, EXPOSE 9104, `USER nobody`, ENTRYPOINT mysqld_exporter; it only reads (its
    // .my.cnf); no VOLUME, no setcap. `-distroless` tags (Dockerfile.distroless): distroless static nonroot, 65532:65532.
    facts: { distro: 'alpine', existingUser: user('nobody', 65534), defaultUser: 'nobody', nonRootByDefault: true, ports: [9104], writePathsKnown: true },
    tags: [{ when: /(^|-)distroless$/, set: { distro: 'distroless', hasShell: false, existingUser: user('nonroot', 65532), defaultUser: '65532:65532' } }],
    otherTags: {},
  },
  {
    family: 'blackbox-exporter',
    names: ['prom/blackbox-exporter', 'quay.io/prometheus/blackbox-exporter'],
    source: 'https://github.com/prometheus/blackbox_exporter/blob/master/Dockerfile',
    // busybox base, its config in /etc/blackbox_exporter, EXPOSE 9115, ENTRYPOINT blackbox_exporter, and no USER (the
    // Dockerfile never had one): root. It writes nothing. Its ICMP prober tries an unprivileged ICMP socket first and a raw
    // one (NET_RAW) when that fails or when a module sets dont_fragment (prober/icmp.go): which capabilities a service's
    // probes need depends on its mounted config, so cap-drop reports it as a root service. `-distroless` tags
    // (Dockerfile.distroless): distroless static nonroot, 65532:65532.
    facts: { distro: 'alpine', ports: [9115], writePathsKnown: true },
    tags: [{ when: /(^|-)distroless$/, set: { distro: 'distroless', hasShell: false, existingUser: user('nonroot', 65532), defaultUser: '65532:65532', nonRootByDefault: true } }],
    otherTags: {},
  },
  {
    family: 'redis-exporter',
    names: ['oliver006/redis_exporter', 'ghcr.io/oliver006/redis_exporter', 'quay.io/oliver006/redis_exporter'],
    source: 'https://github.com/oliver006/redis_exporter/blob/master/Dockerfile',
    // The default tags are the scratch release (CA certificates and the static binary, `USER 59000:59000` since 2019,
    // #232); `-alpine` tags are alpine with the same binary, `USER 59000:59000` from v1.65.0 (1928b50) and root before.
    // EXPOSE 9121, ENTRYPOINT /redis_exporter: no step down, no setcap, no VOLUME; it writes nothing.
    facts: { distro: 'scratch', hasShell: false, defaultUser: '59000:59000', nonRootByDefault: true, ports: [9121], writePathsKnown: true },
    tags: [
      {
        when: ALPINE,
        set: (tag) => {
          const m = /^v?(\d+)\.(\d+)/.exec(tag);
          const before165 = m ? Number(m[1]) < 1 || (Number(m[1]) === 1 && Number(m[2]) < 65) : false;
          return before165 ? { distro: 'alpine', hasShell: true, defaultUser: 'root', nonRootByDefault: false } : { distro: 'alpine', hasShell: true };
        },
      },
    ],
    otherTags: {},
  },
  {
    family: 'nginx-prometheus-exporter',
    names: ['nginx/nginx-prometheus-exporter', 'ghcr.io/nginx/nginx-prometheus-exporter'],
    source: 'https://github.com/nginx/nginx-prometheus-exporter/blob/main/build/Dockerfile',
    // FROM scratch with CA certificates and the static binary, `USER 1001:1001` since 0.8 (e52349f, "Move to non-root
    // container", 2020), ENTRYPOINT /usr/bin/nginx-prometheus-exporter: no step down, no setcap, no VOLUME, no EXPOSE; it
    // listens on :9113 (exporter.go's --web.listen-address default) and writes nothing.
    facts: { distro: 'scratch', hasShell: false, defaultUser: '1001:1001', nonRootByDefault: true, ports: [9113], writePathsKnown: true },
  },
  {
    family: 'apache-kafka',
    names: ['apache/kafka'],
    source: 'https://github.com/apache/kafka/blob/trunk/docker/jvm/Dockerfile',
    // FROM eclipse-temurin:21-jre-alpine, `adduser -h /home/appuser -D --shell /bin/bash appuser` (the first user: 1000),
    // /opt/kafka, /usr/logs, /mnt/shared/config chowned to appuser, /var/lib/kafka and /etc/kafka appuser:root, `USER
    // appuser`, EXPOSE 9092, VOLUME /etc/kafka/secrets, /var/lib/kafka/data, /mnt/shared/config, CMD /etc/kafka/docker/run:
    // no step down, no setcap.
    facts: {
      distro: 'alpine',
      existingUser: user('appuser', 1000),
      defaultUser: 'appuser',
      nonRootByDefault: true,
      ports: [9092],
      writesUnknown:
        "renders its server.properties from KAFKA_* variables at every start (docker/resources/common-scripts/configure, into /opt/kafka/config), writes its logs under /opt/kafka/logs and keeps its data where log.dirs points (the image's own server.properties names /tmp/kraft-combined-logs; VOLUME /var/lib/kafka/data): a read-only root needs those writable",
    },
  },
  {
    family: 'confluent-kafka',
    names: ['confluentinc/cp-kafka', 'confluentinc/cp-server', 'confluentinc/cp-zookeeper'],
    source: 'https://github.com/confluentinc/kafka-images/blob/master/kafka/Dockerfile.ubi9',
    // FROM confluentinc/cp-base-new or cp-base-java (ubi-minimal: microdnf; common-docker base/Dockerfile.ubi8:
    // `useradd --no-log-init --create-home --shell /bin/bash appuser`, the first user: 1000), the Confluent packages
    // installed as root, /etc/kafka, /var/lib/kafka, /var/log/kafka (/var/lib/zookeeper) chowned appuser:root, `USER
    // appuser`, CMD /etc/confluent/docker/run: no step down, no setcap. EXPOSE 9092 (kafka), 2181 2888 3888
    // (zookeeper/Dockerfile.ubi8). cp-server's newest ubi9 build makes the same account by number (server/Dockerfile.ubi9:
    // `useradd -r -g appuser -u 1000`). Images before 6.0 came from confluentinc/cp-docker-images, on Debian with no USER: root.
    facts: {
      distro: 'rhel-minimal',
      existingUser: user('appuser', 1000),
      defaultUser: 'appuser',
      nonRootByDefault: true,
      writesUnknown:
        'renders its configuration from environment variables at every start (/etc/confluent/docker/configure, into /etc/kafka or /etc/zookeeper) and writes its logs under /var/log/kafka, which upstream declares no VOLUME for: a read-only root needs those writable',
    },
    tags: [
      { when: (t) => (major(t) ?? 99) < 6, set: { distro: 'debian', existingUser: undefined, defaultUser: 'root', nonRootByDefault: false } },
      { when: (_t, n) => n.endsWith('/cp-zookeeper'), set: { ports: [2181, 2888, 3888] } },
    ],
    otherTags: { ports: [9092] },
  },
  {
    family: 'uptime-kuma',
    names: ['louislam/uptime-kuma'],
    source: 'https://github.com/louislam/uptime-kuma/blob/master/docker/dockerfile',
    capsSource: 'https://github.com/louislam/uptime-kuma/blob/1.23.16/extra/entrypoint.sh',
    // Both lines are FROM node:*-slim (user node 1000) with Debian's iputils-ping for its ping monitor, EXPOSE 3001,
    // ENTRYPOINT dumb-init. bookworm's iputils-ping depends on libcap2-bin, so its postinst gives /bin/ping cap_net_raw+ep:
    // on the team engine (2026-12-03, debian:bookworm-slim with iputils-ping as in docker/debian-base.dockerfile) `ping`
    // under cap_drop ALL failed "exec /usr/bin/ping: operation not permitted", for root and for 1000 alike, and ran with
    // NET_RAW back (also with no-new-privileges, through the unprivileged ICMP socket Docker's ping_group_range allows).
    // 2.x (tags 2, 2.x.y, next, beta, -slim; extra/release/lib.mjs): target `release` has no USER and no entrypoint
    // script: `node server/server.js` as root, which may start the image's MariaDB and Chromium; its data is /app/data,
    // with no VOLUME. The `-rootless` tags add `USER node`.
    facts: { distro: 'debian', existingUser: user('node', 1000), ports: [3001], fileCapabilities: ['NET_RAW'], writesUnknown: UPTIME_KUMA_WRITES },
    tags: [
      { when: /(^|-)rootless$/, set: { defaultUser: 'node', nonRootByDefault: true } },
      {
        // 1.x (1, 1.23.16, and latest, which the 2.x release script never pushes): ENTRYPOINT dumb-init --
        // extra/entrypoint.sh, which as root and for any command runs `chown -hRc "$PUID":"$PGID" /app/data` and then
        // `exec setpriv --reuid "$PUID" --regid "$PGID" --clear-groups "$@"` (PUID and PGID default to 0: it stays
        // root unless they are set); VOLUME /app/data. Checked on the team engine (2026-12-03) with a stand-in of that
        // script (debian:bookworm-slim, util-linux's setpriv, a named volume at /app/data) under cap_drop ALL,
        // no-new-privileges and a read-only root: with CHOWN, SETGID, SETUID (and NET_RAW for ping) it started for
        // PUID 0 and 1000 and again over folders 1000 had made (0755, as node makes them); without CHOWN "chown: changing
        // ownership of '/app/data': Operation not permitted"; without SETGID "setpriv: setgroups failed" (PUID 0) and
        // "setresgid failed" (1000); without SETUID "setresuid failed" (1000).
        when: (t) => major(t) === 1 || t === 'latest',
        // 1.x is on node:18-buster-slim (docker/debian-base.dockerfile at 1.23.16), whose ping's file capability was not
        // read: NET_RAW is given back as the entrypoint's need instead (ping as root, PUID's default, needs it for a raw
        // socket either way), which leaves no-new-privileges alone: the stand-in's ping ran under it as root and as
        // 1000 (Docker's ping_group_range lets it fall back to an unprivileged ICMP socket).
        set: {
          dropsPrivileges: true,
          // extra/entrypoint.sh at 1.23.16, under set -e, with no `id -u` check: as a non-root USER its chown to PUID:PGID
          // (0:0 unless set) fails with EPERM and the script stops before the server starts.
          startNeedsRoot:
            '(dumb-init -- extra/entrypoint.sh, 1.x) runs chown -hRc "$PUID":"$PGID" /app/data under set -e and then setpriv --reuid "$PUID" --regid "$PGID", with no root check and PUID/PGID 0 by default: as another user the chown fails and the start stops',
          capsNeeded: ['CHOWN', 'NET_RAW', 'SETGID', 'SETUID'],
          fileCapabilities: [],
          dataPaths: ['/app/data'],
          writesUnknown: 'keeps its SQLite database, uploads and screenshots in /app/data (VOLUME); what Chromium (real-browser monitors) and its other children write elsewhere is not known',
        },
      },
    ],
    otherTags: {},
  },
  {
    family: 'portainer',
    names: ['portainer/portainer-ce', 'portainer/portainer-ee', 'portainer/portainer'],
    source: 'https://github.com/portainer/portainer/blob/develop/build/linux/Dockerfile',
    // FROM portainer/base with the static /portainer binary and the docker, docker-compose, helm and kubectl clients,
    // no USER (root), ENTRYPOINT ["/portainer"] (a compose command is its flags), VOLUME /data, EXPOSE 8000 9000 9443,
    // WORKDIR /: no step down, no setcap. As root it keeps its database, TLS certificates and stack files in /data and
    // talks to the Docker socket a compose mounts (root:docker 0660: root connects as its owner). Checked on the team
    // engine (2026-12-03) with a stand-in (debian:bookworm-slim, root, a unix socket made root:999 0660 by another
    // container and mounted at /var/run/docker.sock, a named volume at /data) under cap_drop ALL, no-new-privileges and
    // a read-only root: it connected through the socket and wrote /data with CapEff 0, as minio's stand-in wrote its data.
    capsSource: 'https://github.com/portainer/portainer/blob/develop/build/linux/Dockerfile',
    facts: {
      staysRoot: true,
      servesFor: 'any',
      ports: [8000, 9000, 9443],
      dataPaths: ['/data'],
      writesUnknown:
        'keeps its database, certificates and stacks in /data (VOLUME); what the docker-compose, helm and kubectl clients it runs write elsewhere (their caches and temporary files) is not known',
    },
  },
  {
    family: 'ollama',
    names: ['ollama/ollama'],
    source: 'https://github.com/ollama/ollama/blob/main/Dockerfile',
    // FROM ubuntu:24.04 (older releases 20.04 and 22.04), the ollama binary and its GPU libraries, no USER (root),
    // ENV OLLAMA_HOST=0.0.0.0:11434, EXPOSE 11434, ENTRYPOINT ["/bin/ollama"], CMD ["serve"] (a compose command is its
    // subcommand): no step down, no setcap, no VOLUME. As root it keeps its models and its identity key (id_ed25519)
    // under $HOME/.ollama (/root/.ollama; OLLAMA_MODELS moves the models); the GPU device nodes the NVIDIA runtime or
    // `devices:` add are root's. Checked on the team engine (2026-12-03) with a stand-in (debian:bookworm-slim, root,
    // /root/.ollama/models and a 0600 key written) under cap_drop ALL and no-new-privileges: it wrote with no capability.
    capsSource: 'https://github.com/ollama/ollama/blob/main/Dockerfile',
    facts: {
      distro: 'ubuntu',
      staysRoot: true,
      servesFor: 'any',
      ports: [11434],
      writesUnknown:
        'keeps its models and identity key under /root/.ollama (OLLAMA_MODELS moves the models), which upstream declares no VOLUME for: a read-only root needs a volume there',
    },
  },
  {
    family: 'vault',
    names: ['hashicorp/vault', 'vault'],
    source: 'https://github.com/hashicorp/vault/blob/main/Dockerfile',
    // FROM alpine with libcap, su-exec and dumb-init; `addgroup vault && adduser -S -G vault vault` (a system UID Alpine
    // picks), /vault/{logs,file,config} chowned to vault, VOLUME /vault/logs and /vault/file, EXPOSE 8200, no USER,
    // ENTRYPOINT docker-entrypoint.sh, CMD server -dev. The entrypoint (.release/docker/docker-entrypoint.sh; the same in
    // hashicorp/docker-vault for the old library `vault` image), as root for `server`, `version`, an option or any vault
    // subcommand: `chown -R vault:vault` of /vault/config, /vault/logs and /vault/file when not vault's (unless
    // SKIP_CHOWN), `setcap cap_ipc_lock=+ep` on the vault binary (unless SKIP_SETCAP; when `vault -version` then fails it
    // takes the capability off again), then `su-exec vault`. What that needs under cap_drop ALL was not checked here:
    // CHOWN, DAC_OVERRIDE for 0700 storage folders, SETFCAP for setcap, IPC_LOCK for the mlock the file capability is
    // for, SETGID and SETUID for su-exec.
    capsSource: 'https://github.com/hashicorp/vault/blob/main/.release/docker/docker-entrypoint.sh',
    facts: {
      distro: 'alpine',
      dropsPrivileges: true,
      capsUnknown:
        "starts as root, chowns its folders, gives the vault binary cap_ipc_lock with setcap and steps down with su-exec (.release/docker/docker-entrypoint.sh): what that needs under cap_drop ALL (SETFCAP and IPC_LOCK at least, unless SKIP_SETCAP is set and the configuration sets disable_mlock) was not checked",
      newPrivileges:
        'its entrypoint gives the vault binary cap_ipc_lock with setcap and runs it as user vault, so that it can lock its memory (mlock); no-new-privileges keeps that file capability from being granted, and a server whose configuration does not set disable_mlock then stops',
      dataPaths: ['/vault/logs', '/vault/file'],
      ports: [8200],
      writesUnknown:
        'runs setcap on /bin/vault from its entrypoint at every start (on a read-only root setcap fails and the `set -e` script stops, unless SKIP_SETCAP is set) and writes /vault/config/local.json from VAULT_LOCAL_CONFIG; where the server keeps data is in its configuration',
    },
  },
  {
    family: 'whoami',
    names: ['traefik/whoami', 'containous/whoami'],
    source: 'https://github.com/traefik/whoami/blob/master/Dockerfile',
    // FROM scratch with CA certificates, zoneinfo and the static /whoami (buildx.Dockerfile, for the releases, the same),
    // no USER (root), ENTRYPOINT ["/whoami"] (a compose command is its flags: --port, --name), EXPOSE 80 (app.go: --port,
    // WHOAMI_PORT_NUMBER, default 80): no step down, no setcap, no VOLUME. It only answers requests: nothing in app.go
    // writes a file. Port 80 as root under cap_drop ALL: Docker sets net.ipv4.ip_unprivileged_port_start=0 in a
    // container's own network namespace; on the team engine (2026-12-03) a root stand-in (debian:bookworm-slim, socat)
    // listened on 80 with CapEff 0 under cap_drop ALL, no-new-privileges and a read-only root. Under network_mode: host
    // compose/cap-drop gives NET_BIND_SERVICE back from the port.
    capsSource: 'https://github.com/traefik/whoami/blob/master/app.go',
    facts: { distro: 'scratch', hasShell: false, staysRoot: true, servesFor: 'any', ports: [80], writePathsKnown: true },
  },
  {
    family: 'openbao',
    // Docker Hub, Quay and GHCR, and the -ubi, -distroless and -hsm flavours (goreleaser image_templates; Dockerfile stage comments).
    names: [/^((quay|ghcr)\.io\/)?openbao\/openbao(-hsm)?(-ubi|-distroless)?$/],
    source: 'https://github.com/openbao/openbao/blob/main/Dockerfile',
    // Stage `default` (openbao/openbao): FROM alpine with su-exec and dumb-init, `addgroup openbao && adduser -S -G openbao
    // openbao` (a system UID Alpine picks: not pinned), /openbao/{logs,file,config} chowned to it, EXPOSE 8200, ENTRYPOINT
    // docker-entrypoint.sh, CMD server -dev. From 2.6.0 (#2589, "don't default to root on Alpine") it ends `USER openbao`;
    // before, it had no USER and the entrypoint, as root and for `bao` (an option, `server`, `version` or any bao
    // subcommand), `chown -R openbao:openbao` of /openbao/config (failure tolerated), /openbao/logs and /openbao/file when
    // the folder is not openbao's (unless SKIP_CHOWN), then `su-exec openbao` (unless BAO_SKIP_DROP_ROOT). Unlike vault's,
    // this entrypoint runs no setcap and OpenBao has no mlock (changelog/363.txt: "Remove mlock functionality from OpenBao
    // and make the disable_mlock config option obsolete"): no IPC_LOCK, no SETFCAP. VOLUME /openbao/logs and /openbao/file
    // in every release (#3711 dropped them after 2.6.2). Checked on the team engine (2026-12-04) with a stand-in of the
    // 2.5.5 start (debian:bookworm-slim, the user and folders as upstream makes them, its entrypoint verbatim run by bash,
    // su-exec's initgroups/setgid/setuid done by setpriv, a fake bao writing 0700 folders in /openbao/file and an audit
    // log) under cap_drop ALL, no-new-privileges and a read-only root, over a named volume (twice) and host folders owned
    // by UID 1234 at /openbao/logs and /openbao/file with a root-owned config mounted read-only (twice): with CHOWN,
    // SETGID, SETUID all ran bao as openbao (the config's chown failed, which the entrypoint tolerates). Without CHOWN
    // "chown: changing ownership of '/openbao/logs': Operation not permitted" on the host folders; without SETGID
    // setresgid fails, without SETUID setresuid. With BAO_SKIP_DROP_ROOT set the server stays root (not checked).
    // -ubi (ubi10-minimal, microdnf): `adduser --uid 100 --system -g openbao openbao` (group openbao 1000, also in root),
    // `USER openbao` in every release; its entrypoint re-runs itself through `su openbao -p` only when started as root.
    // -distroless (2.6.0 on): gcr.io/distroless/static:nonroot (USER 65532), no shell, ENTRYPOINT /usr/bin/bao.
    capsSource: 'https://github.com/openbao/openbao/blob/main/.release/docker/docker-entrypoint.sh',
    facts: { distro: 'alpine', ports: [8200], dataPaths: ['/openbao/logs', '/openbao/file'] },
    tags: [
      {
        when: (_t, n) => n.endsWith('-distroless'),
        set: { distro: 'distroless', hasShell: false, existingUser: user('nonroot', 65532), defaultUser: '65532', nonRootByDefault: true, dataPaths: [] },
      },
      { when: (_t, n) => n.endsWith('-ubi'), set: { distro: 'rhel-minimal', existingUser: user('openbao', 100, 1000), defaultUser: 'openbao', nonRootByDefault: true } },
      {
        // 2.5.x and older (`2.5.5`, `2.4`, `v2.0.0`): root start, chown, su-exec.
        when: (t) => {
          const v = majorMinor(t.replace(/^v/, ''));
          return v !== undefined && (v[0] < 2 || (v[0] === 2 && v[1] !== undefined && v[1] < 6));
        },
        set: {
          dropsPrivileges: true,
          capsNeeded: FIND_CHOWN_CAPS,
          dropsFor: { words: ['bao', 'server', 'version'], optionFirst: true },
          writesUnknown:
            'keeps what its configuration names: the file storage backend usually in /openbao/file and audit logs in /openbao/logs (VOLUMEs); its entrypoint writes /openbao/config/local.json from BAO_LOCAL_CONFIG',
        },
      },
    ],
    // 2.6.0 and later, `2`, `latest`: USER openbao.
    otherTags: {
      defaultUser: 'openbao',
      nonRootByDefault: true,
      writesUnknown:
        'keeps what its configuration names: the file storage backend usually in /openbao/file and audit logs in /openbao/logs (VOLUMEs until 2.6.2); as openbao its entrypoint stops (set -e) when /openbao/logs or /openbao/file is a folder openbao does not own, unless SKIP_CHOWN is set',
    },
  },
  {
    family: 'influxdb',
    names: ['influxdb'],
    source: 'https://github.com/influxdata/influxdata-docker/blob/master/influxdb/2.8/Dockerfile',
    capsSource: 'https://github.com/influxdata/influxdata-docker/blob/master/influxdb/2.8/entrypoint.sh',
    // One row for three lines whose starts differ; EXPOSE 8086 for 1.x and 2.x.
    facts: { ports: [8086] },
    tags: [
      {
        // 2.x (2.0 to 2.9; `-alpine` tags too): `groupadd -r influxdb --gid=1000 && useradd -r -g influxdb --uid=1000`
        // (Alpine: addgroup/adduser -S with 1000), /var/lib/influxdb2 and /etc/influxdb2 chowned to it and declared VOLUME,
        // no USER, CMD influxd. The entrypoint (`set -eo pipefail`), for no arguments, `run`, an option, or `influxd` alone or
        // followed by `run` or an option: create_directories (`mkdir -p` the bolt folder and engine path, `chmod 700` them and
        // `chmod 775` /etc/influxdb2 with failures ignored, then as root `find <each> \! -user influxdb -exec chown influxdb`),
        // with DOCKER_INFLUXDB_INIT_MODE on a first start an influxd as root in the background set up through the influx CLI
        // (/tmp/config.json) and stopped with `kill -TERM`, then `exec gosu influxdb "$BASH_SOURCE"` (su-exec on Alpine,
        // `setpriv --reuid=influxdb --regid=influxdb --init-groups` in 2.9), which runs the same steps as influxdb and execs
        // influxd. Any other command is exec'd as root. Checked on the team engine (2026-12-04) with a stand-in (debian:
        // bookworm-slim, the same user, folders and VOLUMEs, upstream's 2.8 entrypoint verbatim with Debian's gosu, a fake
        // influxd writing influxd.bolt and 0700 engine/data), cap_drop ALL, no-new-privileges and a read-only root, over a new
        // named volume, the same volume again and a host folder owned by UID 1234 with a 0700 engine/ of its own: with
        // CHOWN, DAC_OVERRIDE, SETGID, SETUID all three ran influxd as 1000:1000. Without CHOWN "chown: changing ownership
        // of '/var/lib/influxdb2/engine': Operation not permitted"; without DAC_OVERRIDE "mkdir: cannot create directory
        // '/var/lib/influxdb2/engine': Permission denied" (the volume is influxdb's 0755 at first, 0700 after) and "find:
        // '/var/lib/influxdb2/engine': Permission denied"; without SETGID or SETUID gosu's "failed switching to
        // \"influxdb\"". FOWNER only makes root's chmod of influxdb's folders work, which the entrypoint ignores and
        // repeats as influxdb. The init mode (its root influxd writes into influxdb's folders: DAC_OVERRIDE) was not run.
        when: (t) => major(t) === 2,
        set: (t) => ({
          distro: ALPINE.test(t) ? 'alpine' : 'debian',
          existingUser: user('influxdb', 1000),
          dropsPrivileges: true,
          capsNeeded: FIND_CHOWN_PRIVATE_CAPS,
          dropsFor: { words: ['influxd', 'run'], optionFirst: true },
          dataPaths: ['/var/lib/influxdb2', '/etc/influxdb2'],
          writesUnknown:
            'keeps its data in /var/lib/influxdb2 and the CLI configs in /etc/influxdb2 (VOLUMEs) unless INFLUXD_BOLT_PATH, INFLUXD_ENGINE_PATH or its config file move them, and its setup mode (DOCKER_INFLUXDB_INIT_MODE) writes /tmp/config.json on a first start',
        }),
      },
      {
        // 3.x (`3-core`, `3.11-core`, `3-enterprise`; influxdb/3.11-core/Dockerfile): FROM ubuntu:24.04, `groupadd --gid 1500
        // influxdb3 && useradd --uid 1500 --gid influxdb3 ... influxdb3`, /var/lib/influxdb3 and /plugins chowned to it,
        // `USER influxdb3`, EXPOSE 8181, entrypoint.sh only rewrites its arguments (envsubst) and execs them: no step down,
        // no setcap, no VOLUME; the data folder (INFLUXDB3_DATA_DIR=/home/influxdb3/.influxdb3) is set by the command's flags.
        when: (t) => major(t) === 3,
        set: { distro: 'ubuntu', existingUser: user('influxdb3', 1500), defaultUser: 'influxdb3', nonRootByDefault: true, ports: [8181] },
      },
      {
        // 1.11 (from 1.11.7, a0fba73) and 1.12 (influxdb/1.12/Dockerfile): buildpack-deps:bookworm-curl or alpine, `addgroup
        // --system --gid 1500 influxdb && adduser --system --uid 1500 --ingroup influxdb`, `USER influxdb`, VOLUME
        // /var/lib/influxdb; the entrypoint runs /init-influxdb.sh and execs influxd as that user.
        when: /^1\.1[1-9]([.-]|$)/,
        set: (t) => ({
          distro: ALPINE.test(t) ? 'alpine' : 'debian',
          existingUser: user('influxdb', 1500),
          defaultUser: 'influxdb',
          nonRootByDefault: true,
          dataPaths: ['/var/lib/influxdb'],
        }),
      },
      // 1.8 and older (influxdb/1.8/Dockerfile): no user at all, no USER; the entrypoint runs /init-influxdb.sh and
      // execs influxd as root, whose needs under cap_drop ALL were not checked.
      { when: /^1\.[0-8]([.-]|$)/, set: (t) => ({ distro: ALPINE.test(t) ? 'alpine' : 'debian', dataPaths: ['/var/lib/influxdb'] }) },
    ],
    // `latest`, `alpine`, 1.9/1.10 (enterprise data and meta only): which line is not told by the tag.
    otherTags: { uncertain: 'influxdb tag without a known line: 2.x steps down from root with gosu, 1.11+ and 3.x run as their own user, 1.8 and older as root' },
  },
  {
    family: 'telegraf',
    names: ['telegraf'],
    source: 'https://github.com/influxdata/influxdata-docker/blob/master/telegraf/1.39/Dockerfile',
    capsSource: 'https://github.com/influxdata/influxdata-docker/blob/master/telegraf/1.39/entrypoint.sh',
    // FROM buildpack-deps:bookworm-curl with the telegraf .deb (its postinst makes user telegraf with useradd --system: the
    // UID is not pinned), iputils-ping, libcap2-bin, tini; `-alpine` tags FROM alpine with setpriv and libcap (`adduser -S
    // telegraf`). No USER, EXPOSE 8125/udp 8092/udp 8094, ENTRYPOINT tini -- /entrypoint.sh, CMD telegraf, no VOLUME. The
    // entrypoint, for any command: as a non-root user `exec "$@"`; as root `setcap cap_net_raw,cap_net_bind_service+ep
    // /usr/bin/telegraf || echo "Failed to set additional capabilities"`, then `exec setpriv --reuid telegraf --regid
    // telegraf --groups ...` (Alpine tags used `su-exec telegraf` until 2025-07-07, d2ffdcd, during 1.35). Checked on the
    // team engine (2026-12-04) with a stand-in (debian:bookworm-slim, Debian's libcap2-bin and tini, the user made as the
    // .deb does, upstream's 1.39 entrypoint verbatim, /usr/bin/telegraf a copy of sleep), reading telegraf's
    // /proc/<pid>/status: under cap_drop ALL with SETGID and SETUID it ran as telegraf (setcap failed and the entrypoint
    // went on, so telegraf held no capability); without SETGID "setpriv: setresgid failed", without SETUID "setresuid
    // failed"; with SETFCAP given back as well but not NET_RAW and NET_BIND_SERVICE, setcap worked and then "setpriv: failed
    // to execute telegraf: Operation not permitted" (a file capability outside the bounding set: never give SETFCAP back
    // alone). What cap_drop ALL takes away is the raw ICMP socket of the ping input's native method and ports below 1024
    // on the host network, which upstream's setcap gives telegraf.
    // no-new-privileges: setpriv keeps the permitted set across --reuid, so the file capabilities are no new privilege
    // there: with Docker's default set and no-new-privileges telegraf still held cap_net_raw and cap_net_bind_service
    // (CapEff 0x2400), and su-exec or gosu clear it (Debian's gosu to 999 then exec of a cap_net_raw+ep copy of sleep:
    // CapEff 0 under no-new-privileges, 0x2000 through setpriv). Hence the Alpine tags of 1.35 and older only.
    // The Debian tags install iputils-ping beside libcap2-bin, and its postinst gives /usr/bin/ping cap_net_raw=ep (read
    // with getcap on the team engine from that apt-get on bookworm); the ping input's default method runs it, and exec of
    // it fails "Operation not permitted" as telegraf under cap_drop ALL until NET_RAW is back (engine, same build). So
    // NET_RAW is given back as the start's need (uptime-kuma's case), not as fileCapabilities: under no-new-privileges
    // ping falls back to an unprivileged ICMP socket, so the flag stays. Alpine's ping was not read.
    // The same holds for a service whose compose `user:` skips the step down (the entrypoint's `exec "$@"` as that user):
    // the ping input still execs /usr/bin/ping, so NET_RAW is also a helper's file capability (helperFileCapabilities),
    // given back whoever runs it. Its `method = "native"` opens the raw socket in telegraf itself, which as a non-root
    // user without the entrypoint's setcap holds no capability in any case (Docker gives a non-root process an empty
    // effective set), hardened or not. Checked on the team engine (2026-12-04, the stand-in above rebuilt, user
    // telegraf): `ping -c1 127.0.0.1` under cap_drop ALL "ping: Operation not permitted" (exit 126), with NET_RAW back
    // it ran, with no-new-privileges too; the shell's CapEff was 0 in every case, Docker's default set included.
    facts: {
      distro: 'debian',
      dropsPrivileges: true,
      capsNeeded: ['NET_RAW', 'SETGID', 'SETUID'],
      helperFileCapabilities: { caps: ['NET_RAW'], why: "/usr/bin/ping (Debian's iputils-ping, cap_net_raw=ep), which the ping input's default exec method runs" },
      // The ping input's `method = "native"` opens a raw ICMP socket in telegraf itself (plugins/inputs/ping/ping.go:
      // `pinger.SetPrivileged(true)`, and "permission changes required, enable CAP_NET_RAW capabilities" when refused),
      // which works only through the entrypoint's setcap. Checked on the team engine (2026-12-04, the stand-in above with
      // upstream's 1.39 entrypoint, /usr/bin/telegraf a copy of sleep, its /proc/<pid>/status): Docker's default set
      // CapEff 0x2400; cap_drop ALL with NET_RAW, SETGID, SETUID "Failed to set additional capabilities", CapEff 0 (the
      // native ping refused); with SETFCAP and NET_BIND_SERVICE as well CapEff 0x2400, with no-new-privileges too.
      configuredCaps: {
        files: ['/etc/telegraf/telegraf.conf'],
        dirs: ['/etc/telegraf/telegraf.d'],
        section: 'inputs.ping',
        setting: /^\s*method\s*=\s*["']native["']/m,
        caps: ['NET_BIND_SERVICE', 'NET_RAW', 'SETFCAP'],
        why: 'the ping input\'s method = "native" opens a raw ICMP socket in telegraf, which holds CAP_NET_RAW only through the entrypoint\'s setcap cap_net_raw,cap_net_bind_service+ep (SETFCAP, and both in the bounding set for the exec that follows)',
      },
      ports: [8092, 8094, 8125],
    },
    tags: [
      {
        // 1.17 and older (#544, 2021-11-02, moved 1.18 to 1.20 to a step down in patch releases): `exec "$@"` as root,
        // no step down and no setcap; what that root telegraf needs under cap_drop ALL was not checked.
        when: (t) => { const v = majorMinor(t); return v !== undefined && v[0] === 1 && v[1] !== undefined && v[1] < 18; },
        set: (t) => ({ distro: ALPINE.test(t) ? 'alpine' : 'debian', dropsPrivileges: false, capsNeeded: [], helperFileCapabilities: undefined, configuredCaps: undefined }),
      },
      {
        // 1.18 to 1.20: root before a patch release of each line, setpriv/su-exec after (#544), setcap from 2021-12-08 (#552).
        when: (t) => { const v = majorMinor(t); return v !== undefined && v[0] === 1 && v[1] !== undefined && v[1] <= 20; },
        set: (t) => ({
          distro: ALPINE.test(t) ? 'alpine' : 'debian',
          capsNeeded: [],
          helperFileCapabilities: undefined,
          configuredCaps: undefined,
          capsUnknown:
            'is a 1.18 to 1.20 tag, whose start changed within the line (2021-11-02, influxdata-docker#544) from telegraf as root to a step down to user telegraf: which one this tag runs is not known',
          ...(ALPINE.test(t) ? { newPrivileges: TELEGRAF_SU_EXEC_SETCAP, newPrivilegesOnlyAsRoot: true } : {}),
        }),
      },
      {
        when: ALPINE,
        set: (t) => {
          const v = majorMinor(t);
          const suExec = v !== undefined && v[0] === 1 && v[1] !== undefined && v[1] <= 35;
          return suExec
            ? {
                distro: 'alpine',
                capsNeeded: ['SETGID', 'SETUID'],
                helperFileCapabilities: undefined,
                configuredCaps: undefined,
                newPrivileges: TELEGRAF_SU_EXEC_SETCAP,
                newPrivilegesOnlyAsRoot: true,
              }
            : { distro: 'alpine', capsNeeded: ['SETGID', 'SETUID'], helperFileCapabilities: undefined, configuredCaps: undefined };
        },
      },
    ],
    otherTags: {},
  },
  {
    family: 'cadvisor',
    // ghcr.io/google/cadvisor from v0.53.0, gcr.io/cadvisor/cadvisor before (docs/running.md), google/cadvisor on Docker Hub long ago.
    names: ['ghcr.io/google/cadvisor', 'gcr.io/cadvisor/cadvisor', 'google/cadvisor'],
    source: 'https://github.com/google/cadvisor/blob/master/deploy/Dockerfile',
    // FROM alpine with the cadvisor binary, no USER (root), EXPOSE 8080, ENTRYPOINT /usr/bin/entrypoint.sh (`exec
    // /usr/bin/cadvisor -logtostderr "$@"`; older tags ENTRYPOINT ["/usr/bin/cadvisor", "-logtostderr"]): no step down, no
    // setcap, no VOLUME. It reads the host's /, /var/run, /sys and /var/lib/docker that compose mounts (and /dev/kmsg
    // with `devices:`): what it needs as root under cap_drop ALL was not checked, so it stays a root service the tool
    // reports, and nothing here makes it non-root.
    facts: { distro: 'alpine', ports: [8080] },
  },
  {
    family: 'adguardhome',
    names: ['adguard/adguardhome'],
    source: 'https://github.com/AdguardTeam/AdGuardHome/blob/master/docker/build.Dockerfile',
    // FROM alpine with libcap; /opt/adguardhome/{conf,work} made and chowned to nobody, the binary copied --chown=nobody:
    // nogroup and given `setcap 'cap_net_bind_service=+eip'`; no USER (root), no VOLUME, WORKDIR /opt/adguardhome/work,
    // ENTRYPOINT the binary with `-c /opt/adguardhome/conf/AdGuardHome.yaml -w /opt/adguardhome/work`. EXPOSE 53 (DNS), 67
    // and 68 (DHCP), 80, 443, 853, 3000, 5443, 6060. The file capability keeps NET_BIND_SERVICE needed in the bounding set
    // (caddy's case); what its DNS and DHCP servers need as root (raw sockets for DHCP) was not checked: reported.
    facts: {
      distro: 'alpine',
      ports: [53, 67, 68, 80, 443, 853, 3000, 5443, 6060],
      fileCapabilities: ['NET_BIND_SERVICE'],
      installWrites: [
        { path: '/opt/adguardhome/conf', use: 'data', what: 'keeps its configuration, AdGuardHome.yaml, which its setup wizard and settings page write', ownerUid: 65534 },
        { path: '/opt/adguardhome/work', use: 'data', what: 'keeps its query log, statistics and filter lists (its -w folder)', ownerUid: 65534 },
      ],
    },
  },
  {
    family: 'open-webui',
    names: ['ghcr.io/open-webui/open-webui'],
    source: 'https://github.com/open-webui/open-webui/blob/main/Dockerfile',
    // FROM python:3.11-slim-bookworm, `ARG UID=0`, `ARG GID=0` ("non-root configurations are untested") with /app and
    // HOME=/root chowned to them, `USER $UID:$GID` (0:0 in the published images), EXPOSE 8080, CMD bash start.sh: no step
    // down, no setcap, no VOLUME. start.sh writes .webui_secret_key (when WEBUI_SECRET_KEY is unset) and server.log in
    // /app/backend beside the code, the app keeps its database, uploads and model caches in /app/backend/data, and the
    // :ollama tags start `ollama serve` beside it.
    facts: {
      distro: 'debian',
      // `USER 0:0`: root.
      ports: [8080],
      writesUnknown:
        'keeps its database, uploads and model caches in /app/backend/data (no VOLUME; compose files mount one there) and writes .webui_secret_key and server.log in /app/backend, next to its code, and caches under HOME=/root',
    },
  },
  {
    family: 'portainer-agent',
    names: ['portainer/agent'],
    source: 'https://github.com/portainer/agent/blob/develop/build/linux/Dockerfile',
    // FROM portainer/base with the agent, docker, docker-compose and kubectl binaries in /app, no USER (root), ENTRYPOINT
    // ./agent, no EXPOSE: it listens on 9001 (DefaultAgentPort in agent.go, AGENT_PORT). It drives the Docker socket and the
    // host folders a compose mounts (/var/lib/docker/volumes, / at /host): what it needs as root was not checked: reported.
    facts: { ports: [9001] },
  },
  {
    family: 'pushgateway',
    names: ['prom/pushgateway', 'quay.io/prometheus/pushgateway'],
    source: 'https://github.com/prometheus/pushgateway/blob/master/Dockerfile',
    // FROM quay.io/prometheus/busybox, the binary copied --chown=nobody:nobody, WORKDIR /pushgateway chowned to nobody,
    // `USER 65534` since v0.8.0 (79b723f; root before), EXPOSE 9091, ENTRYPOINT /bin/pushgateway: no step down, no setcap,
    // no VOLUME. `-distroless` tags (Dockerfile.distroless): distroless static nonroot, 65532:65532.
    facts: {
      distro: 'alpine',
      existingUser: user('nobody', 65534),
      defaultUser: '65534',
      nonRootByDefault: true,
      ports: [9091],
      writesUnknown:
        'keeps the pushed metrics in memory unless --persistence.file names a file (often under its WORKDIR /pushgateway, which upstream declares no VOLUME for): a read-only root needs a volume there',
    },
    tags: [
      { when: /(^|-)distroless$/, set: { distro: 'distroless', hasShell: false, existingUser: user('nonroot', 65532), defaultUser: '65532:65532' } },
      { when: (t) => { const v = majorMinor(t.replace(/^v/, '')); return v !== undefined && v[0] === 0 && (v[1] ?? 0) < 8; }, set: { existingUser: undefined, defaultUser: 'root', nonRootByDefault: false } },
    ],
    otherTags: {},
  },
  {
    family: 'mongo-express',
    names: ['mongo-express'],
    source: 'https://github.com/mongo-express/mongo-express-docker/blob/master/Dockerfile.template',
    // FROM node:*-alpine (user node 1000) with tini and bash, the app in /app owned by root, no USER (root), EXPOSE 8081,
    // ENTRYPOINT tini -- /docker-entrypoint.sh, which for `mongo-express` waits for the MongoDB port and execs `node app`
    // as root, and execs any other command: no step down, no setcap, no VOLUME.
    // 0.x tags before the node:8-alpine base were on node:*-slim (Debian): their distro is not told apart here.
    facts: { existingUser: user('node', 1000), ports: [8081] },
    tags: [{ when: (t) => (major(t) ?? 1) >= 1, set: { distro: 'alpine' } }],
    otherTags: {},
  },
  {
    family: 'promtail',
    names: ['grafana/promtail'],
    source: 'https://github.com/grafana/loki/blob/main/clients/cmd/promtail/Dockerfile',
    // The binary on a Debian or Ubuntu base ("Promtail requires debian or ubuntu as the base image to support systemd
    // journal reading"; public.ecr.aws/ubuntu/ubuntu:noble in the version read, Debian before: the distro is not told
    // apart here), no USER (root), no EXPOSE, no VOLUME, ENTRYPOINT /usr/bin/promtail with `-config.file=/etc/promtail/
    // config.yml`, whose shipped config listens on 9080 and keeps its positions in /tmp/positions.yaml while it reads the
    // host logs a compose mounts (/var/log, the Docker socket, /var/lib/docker/containers). As root it reads files of
    // any owner; what it needs under cap_drop ALL was not checked: reported.
    facts: {
      ports: [9080],
      writesUnknown:
        "keeps its positions file where its config says (/tmp/positions.yaml in the image's own, often a volume in compose files): a read-only root needs that writable",
    },
  },
  {
    family: 'nginx-proxy-manager',
    names: ['jc21/nginx-proxy-manager'],
    source: 'https://github.com/NginxProxyManager/nginx-proxy-manager/blob/develop/docker/Dockerfile',
    // FROM nginxproxymanager/nginx-full:certbot-node (Debian) with s6-overlay, EXPOSE 80 81 443, VOLUME /data and
    // /etc/letsencrypt, ENTRYPOINT ["/init"], no USER. As root, its s6 prepare scripts renumber or create the npm user to
    // PUID/PGID with usermod, useradd and groupmod (prepare/10-usergroup.sh: they rewrite /etc/passwd and /etc/group, so a
    // read-only root stops them) and chown its folders, then s6 runs openresty's master and the node backend. A USER stops
    // all of that: never add one. Its capabilities under cap_drop ALL were not checked here.
    capsSource: 'https://github.com/NginxProxyManager/nginx-proxy-manager/blob/develop/docker/rootfs/etc/s6-overlay/s6-rc.d/prepare/10-usergroup.sh',
    facts: {
      distro: 'debian',
      dropsPrivileges: true,
      // prepare/10-usergroup.sh, under set -e, runs usermod -u "$PUID" (or useradd) and groupmod -o -g "$PGID" on npm's user
      // with no root check, then chowns its home: each fails for a non-root caller, and the prepare step stops there.
      startNeedsRoot:
        "(s6-overlay's /init) renumbers its npm user to PUID/PGID with usermod and groupmod under set -e (docker/rootfs/etc/s6-overlay/s6-rc.d/prepare/10-usergroup.sh) and chowns its folders before openresty and the node backend start, all as root",
      capsUnknown:
        "runs s6-overlay's /init as root, whose prepare scripts renumber its user to PUID/PGID (usermod, groupmod) and chown its folders before openresty's master and the node backend start: what that needs under cap_drop ALL was not checked",
      dataPaths: ['/data', '/etc/letsencrypt'],
      ports: [80, 81, 443],
      writesUnknown:
        "runs s6-overlay's /init as root, which needs /run writable, and its prepare scripts rewrite /etc/passwd and /etc/group for PUID/PGID and write openresty's configuration and logs: the paths it writes outside /data and /etc/letsencrypt are not known",
    },
  },
  {
    family: 'erlang',
    names: ['erlang'],
    source: 'https://github.com/erlang/docker-erlang-otp/blob/master/27/Dockerfile',
    // Base image: OTP built from source on buildpack-deps (no suffix), debian (-slim) or alpine (-alpine), no account
    // made, no USER, CMD erl: runs whatever it is given.
    facts: {},
    tags: [
      { when: ALPINE, set: { distro: 'alpine' } },
      { when: DEBIAN, set: { distro: 'debian' } },
    ],
    otherTags: { distro: 'debian' },
  },
  {
    family: 'elixir',
    names: ['elixir'],
    source: 'https://github.com/erlef/docker-elixir/blob/master/1.17/slim/Dockerfile',
    // FROM erlang:NN (the same variants: `-slim`, `-alpine`, `-otp-27-alpine`), Elixir built from source, no account
    // made, no USER, CMD iex: runs whatever it is given.
    facts: {},
    tags: [
      { when: ALPINE, set: { distro: 'alpine' } },
      { when: DEBIAN, set: { distro: 'debian' } },
    ],
    otherTags: { distro: 'debian' },
  },
  {
    family: 'localstack',
    names: ['localstack/localstack'],
    source: 'https://github.com/localstack/localstack/blob/main/Dockerfile',
    // FROM python:3.x-slim-bookworm with node and a jlink'd Java, `useradd -ms /bin/bash localstack` (no UID given: not
    // pinned), /var/lib/localstack, /tmp/localstack and the WORKDIR made mode 777, ENV USER=localstack, no USER (root),
    // EXPOSE 4566 (edge), 4510-4559 (external service ports) and 5678 (debugpy), VOLUME /var/lib/localstack, ENTRYPOINT
    // docker-entrypoint.sh. It starts Lambda containers through the Docker socket a compose mounts; what it needs as
    // root under cap_drop ALL was not checked: reported.
    facts: {
      distro: 'debian',
      ports: [4566, 5678],
      dataPaths: ['/var/lib/localstack'],
      writesUnknown:
        'keeps its state in /var/lib/localstack (VOLUME) and writes /tmp/localstack and its working folder /opt/code/localstack (both made mode 777), and the packages it installs at run time under /var/lib/localstack/lib: a read-only root needs tmpfs or volumes for those besides the VOLUME',
    },
  },
  {
    family: 'distroless',
    names: [/^gcr\.io\/distroless\//],
    source: 'https://github.com/GoogleContainerTools/distroless/blob/main/base/base.bzl',
    // Every variant has nonroot 65532 in /etc/passwd; only :debug tags have a (busybox) shell.
    facts: { distro: 'distroless', existingUser: NONROOT, hasShell: false },
    tags: [
      { when: /^debug-nonroot/, set: { defaultUser: '65532', nonRootByDefault: true, hasShell: true } },
      { when: /^nonroot/, set: { defaultUser: '65532', nonRootByDefault: true } },
      { when: /^debug/, set: { hasShell: true } },
    ],
    otherTags: {},
  },
  {
    family: 'scratch',
    names: ['scratch'],
    source: 'https://docs.docker.com/build/building/base-images/#create-a-minimal-base-image-using-scratch',
    // No /etc/passwd: only a numeric USER works.
    facts: { distro: 'scratch', hasShell: false },
  },
  {
    family: 'wolfi-base',
    // Chainguard's Wolfi base, unlike its other images, runs as root (accounts run-as = 0) with BusyBox, apk and a shell
    // (cmd /bin/sh -l), so Dockerfiles FROM it run `apk add` and mkdir in / before their own USER (Flagsmith's builder and
    // runtime stages). nonroot 65532 is in its /etc/passwd all the same (tflib/accts, which every image's accounts use).
    names: ['cgr.dev/chainguard/wolfi-base', 'chainguard/wolfi-base'],
    source: 'https://github.com/chainguard-images/images/blob/main/images/wolfi-base/config/main.tf',
    facts: { distro: 'alpine', existingUser: user('nonroot', 65532), hasShell: true },
  },
  {
    family: 'chainguard',
    names: [/^cgr\.dev\/chainguard\/(?!wolfi-base$)/],
    source: 'https://edu.chainguard.dev/chainguard/chainguard-images/overview/',
    facts: {
      distro: 'distroless',
      existingUser: NONROOT,
      defaultUser: '65532',
      nonRootByDefault: true,
      hasShell: false,
    },
    tags: [
      // -dev tags add apk and BusyBox (Wolfi): the Alpine commands apply.
      { when: /(^|-)dev$/, set: { distro: 'alpine', hasShell: true } },
    ],
    otherTags: {},
  },
  {
    family: 'bitnami',
    names: [/^bitnami\/(?!minideb$)/, /^bitnamilegacy\//],
    source: 'https://github.com/bitnami/containers',
    // USER 1001 with no /etc/passwd entry in most images: reuse the number, not a name.
    facts: { distro: 'debian', defaultUser: '1001', nonRootByDefault: true },
  },
];

const WINDOWS_TAG = /nanoserver|windowsservercore|ltsc20\d\d/;

function matches(when: TagRule['when'], tag: string, name: string): boolean {
  return typeof when === 'function' ? when(tag, name) : when.test(tag);
}

/**
 * The row of each image name asked (null: none). The table is fixed, and a pass asks for the same few names thousands
 * of times (every stage base, service and copy), each a scan of every row's patterns (issue 13). Bounded: a bot run
 * over many repositories starts over rather than grow without end.
 */
const rowOfName = new Map<string, ImageRow | null>();
const ROW_MEMO_MAX = 4096;

function findRow(name: string): ImageRow | undefined {
  let row = rowOfName.get(name);
  if (row === undefined) {
    row = IMAGE_ROWS.find((r) => r.names.some((n) => (typeof n === 'string' ? n === name : n.test(name)))) ?? null;
    if (rowOfName.size >= ROW_MEMO_MAX) rowOfName.clear();
    rowOfName.set(name, row);
  }
  return row ?? undefined;
}

/**
 * A row's facts for one tag, worked out once per pass per row and tag (stage
 * bases, services and copies ask for the same few images thousands of times a
 * pass). Every caller of a pass shares one frozen object: a copy per call
 * (every stage base and service held its own) was memory a large run held for
 * the whole pass, and nothing edits the facts it is given (frozen, an edit
 * throws instead of changing another caller's answer) (issue 13).
 */
const builtInPass = new PassMemo<ImageRow, Map<string, ImageFacts>>();

function build(row: ImageRow, tag: string | undefined, name: string, family = row.family, shownTag = tag): ImageFacts {
  const built = builtInPass.get(row, () => new Map());
  const key = `${tag ?? '\0'}\n${name}\n${family}\n${shownTag ?? '\0'}`;
  let facts = built.get(key);
  if (!facts) {
    facts = frozenFacts(buildFacts(row, tag, name, family, shownTag));
    built.set(key, facts);
  }
  return facts;
}

/** The facts with their lists and users frozen, so that callers can share them. */
function frozenFacts(f: ImageFacts): ImageFacts {
  Object.freeze(f.capsNeeded);
  Object.freeze(f.tmpfsPaths);
  Object.freeze(f.dataPaths);
  for (const w of f.installWrites) Object.freeze(w);
  Object.freeze(f.installWrites);
  Object.freeze(f.ports);
  Object.freeze(f.fileCapabilities);
  if (f.existingUser) Object.freeze(f.existingUser);
  if (f.passwd) {
    for (const u of f.passwd) Object.freeze(u);
    Object.freeze(f.passwd);
  }
  return Object.freeze(f);
}

function buildFacts(row: ImageRow, tag: string | undefined, name: string, family: string, shownTag: string | undefined): ImageFacts {
  let facts: FactFields = { ...DEFAULTS, ...row.facts };
  const rule = tag === undefined ? undefined : row.tags?.find((r) => matches(r.when, tag, name));
  if (rule) {
    facts = { ...facts, ...(typeof rule.set === 'function' ? rule.set(tag!, name) : rule.set) };
  } else if (tag !== undefined && !tag.includes('$')) {
    facts = { ...facts, ...row.otherTags };
  } else if (row.tags || row.otherTags) {
    facts.uncertain =
      tag === undefined
        ? 'digest without a tag: tag-dependent facts are unknown'
        : `tag "${shownTag}" holds an unresolved ARG: tag-dependent facts are unknown`;
  }
  const out: ImageFacts = {
    family,
    ...facts,
    // Copies, so a caller cannot edit the table through a result.
    capsNeeded: [...facts.capsNeeded],
    tmpfsPaths: [...facts.tmpfsPaths],
    dataPaths: [...facts.dataPaths],
    installWrites: facts.installWrites.map((w) => ({ ...w })),
    ports: [...facts.ports],
    fileCapabilities: [...facts.fileCapabilities],
    source: row.source,
  };
  if (row.capsSource && out.capsNeeded.length) out.capsSource = row.capsSource;
  if (row.capsSource) out.entrypointSource = row.capsSource;
  if (facts.existingUser) out.existingUser = { ...facts.existingUser };
  if (facts.passwd) out.passwd = facts.passwd.map((u) => ({ ...u }));
  for (const key of Object.keys(out) as (keyof ImageFacts)[]) if (out[key] === undefined) delete out[key];
  return out;
}

/**
 * Facts for an image reference. undefined = an image we know nothing about (the
 * caller must not guess), including names that hold an unresolved ARG.
 * No tag means 'latest'; a digest without a tag leaves tag-dependent facts unknown
 * (`uncertain` says so). A Windows tag (nanoserver, windowsservercore, ltsc20xx)
 * on any image yields Windows facts with `outOfScope` set.
 */
export function lookupImage(ref: ImageRef): ImageFacts | undefined {
  const name = ref.name;
  if (!name || name.includes('$')) return undefined;
  const written = ref.tag === undefined || ref.tag === '' ? undefined : ref.tag.toLowerCase();
  const tag = written ?? (ref.digest !== undefined ? undefined : 'latest');
  const row = findRow(name);
  if (tag !== undefined && WINDOWS_TAG.test(tag)) {
    return build(IMAGE_ROWS[0]!, tag, name, row?.family ?? 'windows', ref.tag);
  }
  return row ? build(row, tag, name, row.family, ref.tag) : discoveredFacts(ref);
}

// --- facts found on the engine ------------------------------------------------------------
// Images the table has no row for may have been inspected (src/inspect) or
// observed running (src/verify/observe.ts). Those facts have the shape of a
// row's, with `source` naming the image and its digest, and are answered by
// lookupImage like a row, so transforms use them through the same code paths.
// The driver installs them around a run of the engine (which never calls Docker).

let discovered: ReadonlyMap<string, ImageFacts> | undefined;

/** The key of an image reference among discovered facts: canonical name, tag (default latest), digest. */
export function imageKey(ref: ImageRef): string {
  return `${ref.name}:${ref.tag || (ref.digest ? '' : 'latest')}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** Run `fn` with these discovered facts answering for images the table does not know. */
export function withDiscoveredFacts<T>(facts: ReadonlyMap<string, ImageFacts> | undefined, fn: () => T): T {
  const before = discovered;
  discovered = facts;
  try {
    return fn();
  } finally {
    discovered = before;
  }
}

/** The discovered facts in force (memos of answers that read them compare this). */
export function currentDiscoveredFacts(): ReadonlyMap<string, ImageFacts> | undefined {
  return discovered;
}

function discoveredFacts(ref: ImageRef): ImageFacts | undefined {
  const f = ref.hasVariables ? undefined : discovered?.get(imageKey(ref));
  if (!f) return undefined;
  const out: ImageFacts = {
    ...f,
    capsNeeded: [...f.capsNeeded],
    tmpfsPaths: [...f.tmpfsPaths],
    dataPaths: [...f.dataPaths],
    // Facts found on an engine carry none (inspection cannot tell an install tree); older stored facts lack the field.
    installWrites: (f.installWrites ?? []).map((w) => ({ ...w })),
    ports: [...f.ports],
    fileCapabilities: [...f.fileCapabilities],
  };
  if (f.existingUser) out.existingUser = { ...f.existingUser };
  if (f.passwd) out.passwd = f.passwd.map((u) => ({ ...u }));
  return out;
}

// --- package managers in RUN ---------------------------------------------------------------

const PACKAGE_MANAGERS: Record<string, Distro> = {
  'apt-get': 'debian',
  apt: 'debian',
  apk: 'alpine',
  dnf: 'rhel',
  yum: 'rhel',
  microdnf: 'rhel-minimal',
};

/** Words that run the next word as a command. */
const PREFIX_COMMANDS = new Set(['sudo', 'env', 'exec', 'command', 'nice', 'nohup', 'time', 'xargs', 'stdbuf', 'timeout']);
/** Shell keywords after which a command starts. */
const KEYWORDS = new Set(['if', 'then', 'else', 'elif', 'do', 'while', 'until', '!', '{', '}', 'fi', 'done']);
const SHELLS = new Set(['sh', 'bash', 'ash', 'dash', 'zsh']);

type Token = { op: string } | { word: string };

/** Whether a UTF-16 unit is one `/\s/` matches (ASCII blanks, NBSP, the Unicode spaces, line separators, BOM). */
function isSpace(code: number): boolean {
  if (code <= 32) return code === 32 || (code >= 9 && code <= 13);
  if (code < 0xa0) return false;
  return code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x3000 || code === 0xfeff;
}

/** Whether a UTF-16 unit only extends the word it is in (no quote, escape, operator or blank). */
function isWordChar(code: number): boolean {
  switch (code) {
    case 92: // \
    case 39: // '
    case 34: // "
    case 10: // newline
    case 59: // ;
    case 38: // &
    case 124: // |
    case 40: // (
    case 41: // )
      return false;
    default:
      return !isSpace(code);
  }
}

/**
 * Split shell text into words and control operators; comments and line continuations dropped, quotes removed.
 * Runs of plain characters are sliced whole rather than added a character at a time: start scripts and every
 * RUN line pass through here each pass.
 */
function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const n = text.length;
  let word = '';
  let inWord = false;
  const flush = () => {
    if (inWord) tokens.push({ word });
    word = '';
    inWord = false;
  };
  for (let i = 0; i < n; i++) {
    const code = text.charCodeAt(i);
    if (code === 92 /* \ */) {
      const next = text.charCodeAt(i + 1);
      if (next === 10) { i++; flush(); continue; }
      if (next === 13 && text.charCodeAt(i + 2) === 10) { i += 2; flush(); continue; }
      if (i + 1 < n) { word += text[++i]; inWord = true; continue; }
      word += '\\';
      inWord = true;
      continue;
    }
    if (code === 39 || code === 34) {
      const close = text.indexOf(text[i]!, i + 1);
      const end = close < 0 ? n : close;
      word += text.slice(i + 1, end);
      inWord = true;
      i = end;
      continue;
    }
    if (code === 35 /* # */ && !inWord) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? n : nl - 1;
      continue;
    }
    if (code === 10 || code === 59 || code === 38 || code === 124 || code === 40 || code === 41) {
      flush();
      tokens.push({ op: text[i]! });
      continue;
    }
    if (isSpace(code)) { flush(); continue; }
    let j = i + 1;
    while (j < n && isWordChar(text.charCodeAt(j))) j++;
    word += text.slice(i, j);
    inWord = true;
    i = j - 1;
  }
  flush();
  return tokens;
}

/** Command names run by a shell text (including `sh -c '…'` scripts). */
function commandsOf(text: string, depth = 0): string[] {
  const out: string[] = [];
  let atCommand = true;
  let prefixed = false;
  let shell = false;
  let expectScript = false;
  for (const t of tokenize(text)) {
    if ('op' in t) {
      atCommand = true;
      prefixed = shell = expectScript = false;
      continue;
    }
    const w = t.word;
    if (expectScript) {
      if (depth < 3) out.push(...commandsOf(w, depth + 1));
      expectScript = false;
      continue;
    }
    if (shell && w === '-c') { expectScript = true; continue; }
    if (!atCommand) continue;
    if (KEYWORDS.has(w)) continue;
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(w)) continue; // FOO=bar cmd
    if (prefixed && w.startsWith('-')) continue; // sudo -E cmd, command -v cmd
    const base = w.replace(/^\/(usr\/)?(local\/)?s?bin\//, '');
    if (PREFIX_COMMANDS.has(base)) { prefixed = true; continue; }
    out.push(base);
    atCommand = false;
    shell = SHELLS.has(base);
  }
  return out;
}

/**
 * Guess a distro from the package manager a RUN line uses: apt-get/apt -> 'debian',
 * apk -> 'alpine', dnf/yum -> 'rhel', microdnf -> 'rhel-minimal'. Only words in
 * command position count (not `echo apk`, not comments, not `--mount=…/apt`).
 * undefined if none, or if families conflict (`apt-get … || apk …`: a portable
 * script says nothing about the base). dnf/yum next to microdnf is 'rhel-minimal'.
 * Accepts the instruction's raw text (a leading `RUN` and its flags are skipped) or
 * just the command; exec form (`["apt-get", …]`) is understood.
 */
export function distroFromShell(runText: string): Distro | undefined {
  let text = runText.replace(/^\s*RUN\b/i, '');
  text = text.replace(/^(\s*--\S+)+/, '');
  const trimmed = text.trim();
  let commands: string[];
  if (trimmed.startsWith('[')) {
    let argv: unknown;
    try { argv = JSON.parse(trimmed); } catch { argv = undefined; }
    if (Array.isArray(argv) && argv.every((a) => typeof a === 'string')) {
      const [first = '', ...rest] = argv as string[];
      const base = first.replace(/^\/(usr\/)?(local\/)?s?bin\//, '');
      const script = SHELLS.has(base) && rest[0] === '-c' ? rest[1] : undefined;
      commands = script !== undefined ? commandsOf(script) : [base];
    } else {
      commands = commandsOf(text);
    }
  } else {
    commands = commandsOf(text);
  }
  const found = new Set<Distro>();
  for (const c of commands) {
    const d = PACKAGE_MANAGERS[c];
    if (d) found.add(d);
  }
  if (found.has('rhel') && found.has('rhel-minimal')) found.delete('rhel');
  return found.size === 1 ? [...found][0] : undefined;
}

/**
 * The simple commands of a shell text as argv lists (`a -x && b y` -> [['a','-x'],['b','y']]),
 * split at `;`, `&`, `|`, newlines and parentheses; quotes removed, comments and line
 * continuations dropped. Shell keywords and leading `VAR=value` words are skipped.
 * An approximation for reading what RUN lines do (mkdir, useradd), never for running them.
 */
export function shellCommands(text: string): string[][] {
  const out: string[][] = [];
  let cur: string[] = [];
  const flush = () => {
    if (cur.length) out.push(cur);
    cur = [];
  };
  for (const t of tokenize(text)) {
    if ('op' in t) { flush(); continue; }
    if (cur.length === 0 && (KEYWORDS.has(t.word) || /^[A-Za-z_][A-Za-z0-9_]*=/.test(t.word))) continue;
    if (cur.length === 0) cur.push(t.word.replace(/^\/(usr\/)?(local\/)?s?bin\//, ''));
    else cur.push(t.word);
  }
  flush();
  return out;
}

/**
 * For each command shellCommands gives (same order), the index of the command whose output a pipe feeds into it
 * (`find /app -name '*.js' -print0 | xargs -0 sed -i …`: [undefined, 0]), else undefined. A pipe is one `|` (two in a
 * row are `||`); a line break after it continues the pipeline (POSIX shell grammar: `pipe_sequence '|' linebreak command`).
 */
export function shellPipeSources(text: string): (number | undefined)[] {
  const out: (number | undefined)[] = [];
  let inCommand = false;
  // The operators between the last command and the next one.
  let ops: string[] = [];
  for (const t of tokenize(text)) {
    if ('op' in t) {
      if (inCommand) ops = [];
      inCommand = false;
      ops.push(t.op);
      continue;
    }
    if (inCommand) continue;
    if (KEYWORDS.has(t.word) || /^[A-Za-z_][A-Za-z0-9_]*=/.test(t.word)) continue;
    inCommand = true;
    const fed = out.length > 0 && ops[0] === '|' && ops.slice(1).every((o) => o === '\n');
    out.push(fed ? out.length - 1 : undefined);
    ops = [];
  }
  return out;
}

/**
 * What shellCommandConditions carries from one line of a script to the next: the loops open (whether each may run its
 * body no times, and for a `while`/`until` whose `do` is not read yet, its test commands), and whether an `if`'s test
 * is being read (its `then` not yet seen). A fresh one per script.
 */
export interface ShellConditionState {
  loops: { mayNotRun: boolean; test?: string[][]; until?: boolean }[];
  inIfTest: boolean;
}

/** A `for` list that names its words outright (`for d in cache logs`): no expansion or glob, so the body runs for each. */
function literalForList(argv: readonly string[]): boolean {
  return argv[2] === 'in' && argv.length > 3 && argv.slice(3).every((w) => !/[$`*?[]/.test(w));
}

/**
 * shellCommands with, for each command, what may keep it from running: `guarded` when a `&&` or `||` comes before it in
 * its list (`[ -f x ] && sed -i …`: it runs only when the test holds), `nested`, the `if`/`case` blocks open around
 * it that this text opened (a one-line `if …; then sed -i …; fi`; below 0 after a `fi` closing an outer one), and
 * `loops`, the loops open around it (this line's and, through `state`, earlier lines') whose body may run no times.
 * `depth` is the net count of if/case opened at the end (1 for a multi-line `if` opened here, -1 for its `fi`). The
 * commands are those shellCommands gives, in the same order.
 * An `if`'s test runs whenever the `if` is reached (`if ! mkdir /x; then`: the mkdir always runs), so it is not inside
 * that `if`; an `elif`'s test runs only when the tests before it failed, so it is. A loop's body may run no times when
 * its list comes from an expansion or glob (`for f in /docker-entrypoint.d/*.sh`, `for i in $(env | grep X_)`, `for a;`)
 * or its test may fail the first time (`while read line`, `while [ … ]`); `for d in a b` runs it for each word and
 * `while true`, `while :`, `until false` at least once (POSIX 2.9.4). A `while` test itself always runs once.
 */
export function shellCommandConditions(text: string, state: ShellConditionState = { loops: [], inIfTest: false }): { commands: { argv: string[]; guarded: boolean; nested: number; loops: number }[]; depth: number } {
  const commands: { argv: string[]; guarded: boolean; nested: number; loops: number }[] = [];
  let cur: string[] = [];
  let guarded = false;
  let curGuarded = false;
  let depth = 0;
  let curNested = 0;
  let prevOp: string | undefined;
  const openLoops = () => state.loops.filter((l) => l.mayNotRun && !l.test).length;
  const flush = () => {
    if (cur.length) {
      commands.push({ argv: cur, guarded: curGuarded, nested: curNested, loops: openLoops() });
      if (cur[0] === 'for') state.loops.push({ mayNotRun: !literalForList(cur) });
      const testing = state.loops[state.loops.length - 1];
      if (testing?.test && cur[0] !== 'for') testing.test.push(cur);
    }
    cur = [];
  };
  for (const t of tokenize(text)) {
    if ('op' in t) {
      flush();
      if ((t.op === '&' || t.op === '|') && prevOp === t.op) guarded = true;
      else if (t.op === ';' || t.op === '\n' || t.op === '&') guarded = false;
      prevOp = t.op;
      continue;
    }
    prevOp = undefined;
    if (cur.length === 0) {
      if (t.word === 'if' || t.word === 'case') depth++;
      else if (t.word === 'fi' || t.word === 'esac') depth--;
      if (t.word === 'if') state.inIfTest = true;
      else if (t.word === 'then') state.inIfTest = false;
      else if (t.word === 'while' || t.word === 'until') state.loops.push({ mayNotRun: true, test: [], ...(t.word === 'until' ? { until: true } : {}) });
      else if (t.word === 'do') {
        const loop = state.loops[state.loops.length - 1];
        if (loop?.test) {
          // `while true`/`while :` and `until false` enter the body; any other test may fail the first time.
          const only = loop.test.length === 1 ? loop.test[0]!.join(' ') : undefined;
          loop.mayNotRun = loop.until ? only !== 'false' : only !== 'true' && only !== ':';
          delete loop.test;
        }
      } else if (t.word === 'done') state.loops.pop();
    }
    if (cur.length === 0 && (KEYWORDS.has(t.word) || /^[A-Za-z_][A-Za-z0-9_]*=/.test(t.word))) continue;
    if (cur.length === 0) {
      curGuarded = guarded;
      curNested = state.inIfTest ? depth - 1 : depth;
      cur.push(t.word.replace(/^\/(usr\/)?(local\/)?s?bin\//, ''));
    } else cur.push(t.word);
  }
  flush();
  return { commands, depth };
}

/**
 * Where an image's facts come from, for a finding's sources: the engine for an
 * inspected image, else the knowledge-table row (named by its family and, when
 * given, how the image is used) with its upstream files.
 */
export function factSources(facts: ImageFacts, use?: string): string[] {
  if (facts.family === 'inspected') return [facts.source];
  const row = `knowledge table (${facts.family}${use ? `, ${use}` : ''})`;
  return [`${row}: ${facts.source}`, ...(facts.capsSource && facts.capsSource !== facts.source ? [`${row}, capabilities: ${facts.capsSource}`] : [])];
}
