// A compose file whose name does not say so (`caddy.yml`, `stack.yml`,
// `deploy/app.yaml`, `dev.docker-compose.yml`) is known by its content: what
// compose itself accepts at the top, services that run something. Everything
// else that has a `services:` key (Kubernetes manifests, CI files, Ansible,
// Helm values, OpenAPI, Traefik's dynamic configuration, Lando) has keys
// compose refuses, at the top or in a service, and stays out.
import { parseAllDocuments } from 'yaml';

/**
 * The top-level keys the Compose Specification allows (compose-spec
 * schema/compose-spec.json: `properties`, `additionalProperties: false`,
 * extensions under `x-`). compose-go refuses a file with any other.
 */
const TOP_LEVEL_KEYS = new Set(['version', 'name', 'include', 'services', 'models', 'networks', 'volumes', 'secrets', 'configs']);

/** A service's keys (compose-spec.json `definitions.service.properties`, also `additionalProperties: false`). */
const SERVICE_KEYS = new Set(
  (
    'develop deploy annotations attach build blkio_config cap_add cap_drop cgroup cgroup_parent command configs container_name cpu_count ' +
    'cpu_percent cpu_shares cpu_quota cpu_period cpu_rt_period cpu_rt_runtime cpus cpuset credential_spec depends_on device_cgroup_rules ' +
    'devices dns dns_opt dns_search domainname entrypoint env_file label_file environment expose extends provider external_links extra_hosts ' +
    'gpus group_add healthcheck hostname image init ipc isolation labels links logging mac_address mem_limit mem_reservation mem_swappiness ' +
    'memswap_limit network_mode models networks oom_kill_disable oom_score_adj pid pids_limit platform ports post_start pre_stop privileged ' +
    'profiles pull_policy pull_refresh_after read_only restart runtime scale security_opt shm_size secrets sysctls stdin_open stop_grace_period ' +
    'stop_signal storage_opt tmpfs tty ulimits use_api_socket user uts userns_mode volumes volumes_from working_dir'
  ).split(' '),
);

/** Larger YAML files are data, not a stack someone wrote by hand. */
export const MAX_COMPOSE_BYTES = 1 << 20;

/** A top-level `services:` key: the one line a compose file cannot lack, checked before any parsing. */
const SERVICES_KEY = /^services[ \t]*:/m;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const allowed = (keys: Set<string>) => (k: string) => keys.has(k) || k.startsWith('x-');

/**
 * Whether a YAML file is a compose file by its content: one document, a mapping
 * whose keys are all compose's top-level keys (or `x-` extensions), a non-empty
 * `services:` mapping whose entries are mappings of service keys only, each of
 * which names an image (a string), a build or an `extends:`, as compose requires
 * of a file it runs alone. A file with a service that has none of them (an
 * override snippet, semaphore's `store/postgres.yml` adding its database to a
 * server defined elsewhere) is only taken when its name or a command says it is
 * compose: by content alone nothing says what it goes on top of.
 */
export function isComposeByContent(text: string): boolean {
  if (text.length > MAX_COMPOSE_BYTES || !SERVICES_KEY.test(text)) return false;
  let data: unknown;
  try {
    const docs = parseAllDocuments(text, { merge: true, prettyErrors: false });
    if (!Array.isArray(docs) || docs.length !== 1 || docs[0]!.errors.length) return false;
    data = docs[0]!.toJS({ maxAliasCount: 1000 });
  } catch {
    return false;
  }
  if (!isRecord(data) || !Object.keys(data).every(allowed(TOP_LEVEL_KEYS))) return false;
  const services = data.services;
  if (!isRecord(services)) return false;
  const entries = Object.values(services);
  if (entries.length === 0 || !entries.every((s) => isRecord(s) && Object.keys(s).every(allowed(SERVICE_KEYS)))) return false;
  return entries.every((s) => isRecord(s) && (typeof s.image === 'string' || typeof s.build === 'string' || isRecord(s.build) || s.extends !== undefined));
}
