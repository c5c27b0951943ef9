// The data a verify run produces: evidence per service before and after
// hardening, the verdict, and the fixes withheld. Plain data: the reports
// render it, and nothing here knows about the engine adapter.
import type { WithheldEvidence } from '../types.js';

/** What the engine's suppress hook says for a fix verify holds back (replaced by `withheld` in the result). */
export const WITHHELD_REASON = 'withheld by verify';

/** A finding, by where it is: enough for a person (and a PR body) to find it. */
export interface FixRef {
  transform: string;
  /** Relative to the working directory. */
  path: string;
  line: number;
  message: string;
}

export interface WritableCheck {
  /** A declared writable path (volume, bind or tmpfs mount point). */
  path: string;
  /** null when it could not be tried (no shell in the image, no known user). */
  ok: boolean | null;
  detail?: string;
}

export interface ServiceEvidence {
  /** null: compose does not build it (it runs a prebuilt image). */
  built: boolean | null;
  /** The tail of the build log when the build failed. */
  buildLog: string[];
  /** Container state (`running`, `exited`, `restarting`, `created`, ...) or `not-started`. */
  state: string;
  /** Why the container did not start or run: the engine's error, a dependency that did not build. */
  reason?: string;
  /** `healthy`, `unhealthy`, `starting`; null when it has no healthcheck. */
  health: string | null;
  healthLog: string[];
  exitCode: number | null;
  restarts: number;
  /** From /proc/<pid>/status of the main process (null when it was not running). */
  uid: number | null;
  gid: number | null;
  groups: number[];
  /** Effective capabilities by name. */
  caps: string[] | null;
  noNewPrivs: boolean | null;
  /** 'host': /proc/<host pid> on the engine's machine; 'container': /proc/1 read inside it. */
  procSource: 'host' | 'container' | null;
  /** HostConfig.ReadonlyRootfs */
  readOnlyRootfs: boolean | null;
  capDrop: string[];
  capAdd: string[];
  /** Log lines that report a permission error (EACCES, EPERM, EROFS, ...). */
  permissionErrors: string[];
  writable: WritableCheck[];
  /** `docker diff`: paths written outside volumes and tmpfs (what a read-only root would refuse). */
  changedPaths: string[];
  /** TCP ports its network namespace listens on (/proc/<pid>/net/tcp and tcp6); absent when not read. */
  listening?: number[];
  logTail: string[];
}

export type CheckName = 'build' | 'start' | 'state' | 'health' | 'restarts' | 'exit-code' | 'permission-errors' | 'writable';

/** One check that passed before hardening and fails after, with what shows it. */
export interface Problem {
  check: CheckName;
  message: string;
  /** Log lines, build log tail or healthcheck output that show it. */
  lines: string[];
}

export type ServiceStatus =
  /** Healthy before and after, with fixes applied. */
  | 'verified'
  /** No fix touches it; healthy before and after. */
  | 'unchanged'
  /** Some of its fixes broke it and were withheld; healthy with the rest. */
  | 'withheld'
  /** It did not start before hardening either: judged by nothing else, its fixes are not verified. */
  | 'broken-at-baseline'
  /** Still failing after withholding (should not happen; the fixes touching it are withheld). */
  | 'failed';

export interface ServiceReport {
  name: string;
  status: ServiceStatus;
  baseline: ServiceEvidence;
  /** The final hardened run (absent when its project could not run). */
  hardened?: ServiceEvidence;
  /** Why the baseline counts as broken. */
  baselineProblem?: string;
  /** What broke when all fixes were applied (before withholding). */
  problems: Problem[];
  /** How many fixes touch it (before any was withheld). */
  fixes: number;
  /** The fixes withheld because they broke it. */
  withheld: FixRef[];
}

export interface TargetReport {
  id: string;
  kind: 'compose' | 'dockerfile';
  label: string;
  services: ServiceReport[];
  /** What the sandbox changed to keep your things untouched (ports left out, ...). */
  notes: string[];
  /** Why the project could not run at all (compose config failed, ...). */
  error?: string;
  /** Builds and boots of this project, bisection included. */
  boots: number;
}

export interface VerifyReport {
  engine: { version: string; compose: string };
  targets: TargetReport[];
  /** Every fix held back, with why: it broke a service, or nothing could verify it. */
  withheldFixes: (FixRef & { evidence: WithheldEvidence })[];
  boots: number;
  durationMs: number;
  /** With --keep: the commands that remove what was left running. */
  kept: string[];
}
