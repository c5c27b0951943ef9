// The engine adapter: the only part of docker-harden that talks to Docker.
// verify asks it for a Runtime (the docker CLI, the Compose CLI the user has,
// the engine's version) and works with that; transforms never see it.
import { statSync } from 'node:fs';
import { Docker } from './docker.js';
import { detectCompose, type ComposeCli } from './compose.js';
import { execCapture, type Executor } from './exec.js';

export { Docker, type ContainerInfo, type ContainerMount } from './docker.js';
export { ComposeProject, type ComposeCli } from './compose.js';
export { RuntimeError, interruptAll, resetInterrupt, isInterrupted, withInterrupts, sleep, tailLines, type ExecResult, type Executor } from './exec.js';
export { hostProcStatus, parseProcStatus, capabilityNames, hostListeningPorts, parseListeningPorts, type ProcStatus } from './proc.js';

export interface Runtime {
  docker: Docker;
  compose: ComposeCli;
  /** The engine's version (`docker version`'s Server.Version). */
  engineVersion: string;
  env: NodeJS.ProcessEnv;
  /** How commands run (the real CLIs, or a stand-in engine in tests). */
  exec: Executor;
  /**
   * Host path of the engine's unix socket when it is a local socket (DOCKER_HOST
   * unix://..., or the default /var/run/docker.sock); what a service that
   * mounts "the Docker socket" reaches in the sandbox.
   */
  socketPath?: string;
}

/**
 * Connect to the engine the user's environment names (DOCKER_HOST, contexts).
 * Throws RuntimeError saying what is missing and how to get it.
 */
export async function connectRuntime(env: NodeJS.ProcessEnv = process.env, exec: Executor = execCapture): Promise<Runtime> {
  const docker = new Docker('docker', env, exec);
  const engineVersion = await docker.serverVersion();
  const compose = await detectCompose(docker.bin, env, exec);
  return { docker, compose, engineVersion, env, exec, socketPath: localSocket(env) };
}

function localSocket(env: NodeJS.ProcessEnv): string | undefined {
  const host = env.DOCKER_HOST;
  const p = host ? (host.startsWith('unix://') ? host.slice('unix://'.length) : undefined) : '/var/run/docker.sock';
  if (!p) return undefined;
  try {
    return statSync(p).isSocket() ? p : undefined;
  } catch {
    return undefined;
  }
}
