// The kernel's view of a container's main process: /proc/<pid>/status.
// On the engine's own host we read the host pid's file directly (after
// checking, through /proc/<pid>/cgroup, that the pid is still that
// container's); elsewhere (a remote DOCKER_HOST, Docker Desktop's VM) we ask
// the container for /proc/1/status, the same process seen from inside.
import { readFileSync } from 'node:fs';

export interface ProcStatus {
  /** Effective UID and GID. */
  uid: number;
  gid: number;
  /** Supplementary groups. */
  groups: number[];
  /** Effective capabilities as a hex mask, and their names. */
  capEff: string;
  caps: string[];
  noNewPrivs: boolean;
  /** Where the numbers came from: 'host' (/proc/<pid> on this machine) or 'container' (/proc/1 inside it). */
  source: 'host' | 'container';
}

/** capability.h order: bit n is CAPABILITY_NAMES[n]. */
export const CAPABILITY_NAMES = [
  'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP',
  'LINUX_IMMUTABLE', 'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'IPC_OWNER',
  'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT', 'SYS_PTRACE', 'SYS_PACCT', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE',
  'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD', 'LEASE', 'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP',
  'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG', 'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ', 'PERFMON', 'BPF',
  'CHECKPOINT_RESTORE',
];

/** Names of the bits set in a CapEff mask (unknown high bits as CAP_<n>). */
export function capabilityNames(hex: string): string[] {
  let mask = BigInt('0x' + (hex.trim() || '0'));
  const out: string[] = [];
  for (let bit = 0; mask > 0n; bit++, mask >>= 1n) {
    if (mask & 1n) out.push(CAPABILITY_NAMES[bit] ?? `CAP_${bit}`);
  }
  return out;
}

/** Parse the text of /proc/<pid>/status. */
export function parseProcStatus(text: string, source: ProcStatus['source']): ProcStatus | undefined {
  const field = (name: string) => new RegExp(`^${name}:[ \\t]*(.*)$`, 'm').exec(text)?.[1]?.trim();
  const uid = field('Uid');
  const gid = field('Gid');
  const capEff = field('CapEff');
  if (uid === undefined || gid === undefined || capEff === undefined) return undefined;
  // Real, effective, saved, filesystem: the effective one decides what the process may do.
  const effective = (line: string) => Number(line.split(/\s+/)[1] ?? line.split(/\s+/)[0]);
  const groups = (field('Groups') ?? '').split(/\s+/).filter(Boolean).map(Number);
  return {
    uid: effective(uid),
    gid: effective(gid),
    groups,
    capEff,
    caps: capabilityNames(capEff),
    noNewPrivs: field('NoNewPrivs') === '1',
    source,
  };
}

/**
 * /proc/<pid>/status of a container's host pid, when this machine runs the
 * engine and the pid still belongs to that container; undefined otherwise.
 */
export function hostProcStatus(pid: number, containerId: string): ProcStatus | undefined {
  if (!pid || process.platform !== 'linux') return undefined;
  try {
    const cgroup = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
    if (!cgroup.includes(containerId)) return undefined;
    return parseProcStatus(readFileSync(`/proc/${pid}/status`, 'utf8'), 'host');
  } catch {
    return undefined;
  }
}

/** 127.0.0.11 as /proc/net/tcp writes it: Docker's embedded DNS server, which the engine runs in every user-defined network. */
const DOCKER_DNS = '0B00007F';

/**
 * TCP ports in LISTEN state in the text of /proc/<pid>/net/tcp or tcp6
 * (`local_address` is HEXIP:HEXPORT, `st` 0A is LISTEN), sorted, once each;
 * the engine's own DNS listener is not the service's.
 */
export function parseListeningPorts(text: string): number[] {
  const ports = new Set<number>();
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4 || f[3] !== '0A' || f[1]!.startsWith(`${DOCKER_DNS}:`)) continue;
    const port = parseInt(f[1]!.split(':')[1] ?? '', 16);
    if (Number.isInteger(port) && port > 0) ports.add(port);
  }
  return [...ports].sort((a, b) => a - b);
}

/** Listening TCP ports of a container's network namespace, through its host pid (checked as hostProcStatus does). */
export function hostListeningPorts(pid: number, containerId: string): number[] | undefined {
  if (!pid || process.platform !== 'linux') return undefined;
  try {
    if (!readFileSync(`/proc/${pid}/cgroup`, 'utf8').includes(containerId)) return undefined;
    const read = (f: string) => {
      try {
        return readFileSync(`/proc/${pid}/net/${f}`, 'utf8');
      } catch {
        return '';
      }
    };
    return parseListeningPorts(`${read('tcp')}\n${read('tcp6').split('\n').slice(1).join('\n')}`);
  } catch {
    return undefined;
  }
}
