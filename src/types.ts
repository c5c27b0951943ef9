// The plain-data contract between transforms, the engine and the reports.
// Transforms report findings; a finding may carry a fix made of edits in
// offsets of the text the transform saw. Nothing here knows about the CLI.

/** `script`: a shell script an image starts with (ENTRYPOINT/CMD), loaded through the COPY that puts it there. */
export type FileKind = 'dockerfile' | 'compose' | 'nginx' | 'env' | 'script';

/** One text replacement: `range` is [start, end) in UTF-16 offsets of the file's current text. */
export interface Edit {
  /** Absolute path of the file the edit applies to. */
  file: string;
  range: [number, number];
  text: string;
  /**
   * Rank among pure inserts at the same offset: lower goes first, whatever fix
   * or pass makes them (compose keys the tool adds use their canonical order).
   * Inserts without a rank keep the order of their fixes.
   */
  order?: number;
}

/**
 * What a compose fix means, as data: after the edits, the re-parsed document
 * (merged with `<<`) must equal the old data with these changes made. The
 * engine checks this and drops a fix whose text does not say what it meant.
 */
export interface DataChange {
  file: string;
  /** Index of the YAML document in the file (compose files may hold several). */
  doc: number;
  path: (string | number)[];
  /** `set` writes `value` at `path`; `delete` removes the key or item. */
  op: 'set' | 'delete';
  value?: unknown;
}

export interface Fix {
  /** All edits apply together or not at all; they may span several files. */
  edits: Edit[];
  intent?: DataChange[];
}

export type Severity = 'error' | 'warning' | 'note';

/**
 * Something a person must do once on an existing deployment after the change
 * (the reports gather these into migration notes).
 */
export interface MigrationNote {
  kind: 'volume-chown' | 'bind-mount' | 'docker-gid' | 'port-moved' | 'other';
  /** One line for people. */
  message: string;
  /** A shell command that does it, when there is one. */
  command?: string;
}

export interface Finding {
  /** Transform id, e.g. `dockerfile/non-root-user`. */
  transform: string;
  /** Absolute path of the file the finding is about. */
  file: string;
  /** Where, in offsets of the text the transform saw. */
  range: [number, number];
  /** One line: what is wrong or what was done, and why. */
  message: string;
  severity: Severity;
  /** CIS Docker Benchmark control, e.g. `4.1`. */
  cis?: string;
  fix?: Fix;
  /** When there is no fix: what a person should do by hand. */
  manual?: string;
  /** Stable key used to match suppressions and to de-duplicate across passes. */
  key?: string;
  /** One-time steps for existing deployments that this change implies. */
  notes?: MigrationNote[];
  /**
   * Where the facts behind it came from, beyond the file it is about: the upstream
   * sources of the knowledge-table row of the image it runs, `inspected: image@digest`
   * for an image read on the engine, the Dockerfile that builds it, the `.env` value
   * its `image:` was read with. Empty when the finding rests on its own file alone.
   */
  sources?: string[];
}

export interface TransformMeta {
  id: string;
  /** One line, shown by --list-transforms. */
  description: string;
  appliesTo: FileKind[];
  fixable: boolean;
  /** CIS Docker Benchmark v1.6 control(s) it answers, e.g. `4.1`. */
  cis: string;
  /** Rule ids of detectors that flag the same thing (hadolint, Checkov, Trivy, KICS, Semgrep). */
  peers: string[];
  /** A paragraph of help for SARIF rules and docs. */
  help: string;
}

/** Options every transform may read; filled from flags and configuration. */
export interface HardenOptions {
  uid: number;
  gid: number;
  userName: string;
  tmpfsSize: string;
  chownWorkdir: boolean;
  /**
   * How USER names the user: `uid` writes the number (`USER 1000:1000`), which
   * Kubernetes runAsNonRoot can check and which works without an /etc/passwd
   * entry; `name` writes the name where it is certain to exist.
   */
  userRef: 'uid' | 'name';
  /**
   * An entrypoint script in the repository that drops privileges itself (gosu,
   * su-exec, setpriv, ...): `keep` leaves USER alone and the container starts as
   * root with only the capabilities the drop needs; `conditional` makes the
   * drop run only when started as root and adds USER.
   */
  entrypointDrop: 'keep' | 'conditional';
}

export const DEFAULT_OPTIONS: HardenOptions = {
  uid: 1000,
  gid: 1000,
  userName: 'app',
  tmpfsSize: '64m',
  chownWorkdir: false,
  userRef: 'uid',
  entrypointDrop: 'keep',
};

/**
 * Why `--verify` held a fix back, with what showed it: the service it broke on
 * a real engine (the check that failed and the log lines), or why nothing
 * could verify it (its service did not start before hardening either).
 */
export interface WithheldEvidence {
  reason: 'broke' | 'unverified';
  /** The compose project or Dockerfile it was verified with, as files relative to the working directory. */
  target: string;
  service: string;
  /** The check that failed (build, state, health, restarts, exit-code, permission-errors, writable), or why it is unverified. */
  check: string;
  message: string;
  lines: string[];
}
