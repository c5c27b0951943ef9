// compose/docker-socket-group: a service that mounts the Docker socket (at
// /var/run/docker.sock or /run/docker.sock in the container, whatever the host
// path: a variable, rootless Docker's, short or long syntax) and
// runs as a non-root user (its compose `user:`, its Dockerfile's USER, or the
// image's own user) joins the host's docker group through
// `group_add: ["${DOCKER_GID:-999}"]`, or it cannot reach the socket. The GID
// differs per host (Debian 999, Fedora ~991, Arch 990), hence the variable and
// a migration note. A read-write socket mount is reported as well.
import type { Transform, TransformContext } from '../../src/transform.js';
import type { Finding } from '../../src/types.js';
import type { ServiceLink } from '../../src/model.js';
import { parseImageRef } from '../../src/parse/image-ref.js';
import {
  addListItems,
  isPartialOverride,
  isDockerSocketMount,
  runtimeUser,
  serviceImage,
  serviceFix,
  serviceNote,
  DOCKER_GID_NOTE,
  checkEachService,
  swarmDeploy,
} from '../../src/compose-service.js';

const ID = 'compose/docker-socket-group';
const CIS = '5.32';
const GROUP = '${DOCKER_GID:-999}';

export const dockerSocketGroup: Transform = {
  meta: {
    id: ID,
    description: 'Give non-root services that mount the Docker socket the host docker group (group_add: ${DOCKER_GID:-999})',
    appliesTo: ['compose'],
    fixable: true,
    cis: CIS,
    peers: ['KICS d6355c88', 'semgrep exposing-docker-socket-volume'],
    help:
      'The Docker socket is owned by root and the docker group. A service that uses it and runs as a non-root user needs that ' +
      'group, whose GID differs between hosts: group_add: ["${DOCKER_GID:-999}"] takes it from DOCKER_GID (find it with ' +
      '`getent group docker | cut -d: -f3`). Any access to the socket is root on the host; mounting it read-only does not ' +
      'restrict the API, so a socket proxy that allows only the calls the service makes is the real fix.',
  },
  run: (ctx) => checkEachService(ctx, check, { imageFacts: true }),
};

function check(ctx: TransformContext, s: ServiceLink): Finding[] {
  const mounts = s.volumes.filter(isDockerSocketMount);
  if (mounts.length === 0) return [];
  // The base file mounts it: the base service gets the fix, and compose merges it into this one.
  if (isPartialOverride(s) && s.base!.volumes.some(isDockerSocketMount)) return [];
  const out: Finding[] = [];
  const proxy = socketProxy(s);
  if (proxy) {
    // The proxy is what the note below tells everyone else to use: advise on the proxy itself instead.
    if (mounts.some((m) => !m.readOnly)) {
      out.push(
        serviceNote(
          ID,
          CIS,
          s,
          `mounts the Docker socket read-write; it is the socket proxy (${proxy}), so what it lets through is what its clients can do as root on the host`,
          'Mount the socket with :ro (the proxy only connects to it), and grant only the API sections its clients use in its environment (CONTAINERS=1, EVENTS=1, …; POST=0 unless they change anything).',
          'note',
        ),
      );
    }
    const open = publishedOnAllInterfaces(s);
    if (open.length) {
      // tecnativa/docker-socket-proxy README, "Security recommendations": "Never expose this container's port to a public
      // network. Only to a Docker networks where only reside the proxy itself and the service that uses it." The proxy
      // speaks plain HTTP with no authentication, so a published port is the Docker API, unauthenticated, on the host's network.
      out.push(
        serviceNote(
          ID,
          '5.14',
          s,
          `publishes the Docker API it proxies (ports ${open.join(', ')}) on every host interface: anyone who reaches that port controls the engine, which is root on the host (${proxy}'s README: never expose this container's port to a public network)`,
          'Remove the ports entry (its clients reach it by service name on the compose network), or bind it to the loopback interface (127.0.0.1:2375:2375) if something on the host needs it.',
        ),
      );
    }
  } else if (mounts.some((m) => !m.readOnly)) {
    out.push(
      serviceNote(
        ID,
        CIS,
        s,
        'mounts the Docker socket read-write, which is root on the host',
        'If the service only reads (lists containers, follows events), mount it with :ro (this keeps the socket file from being replaced; ' +
          'it does not limit API calls), or better put a socket proxy (e.g. tecnativa/docker-socket-proxy) in front that allows only those calls.',
      ),
    );
  }
  const user = runtimeUser(s, serviceImage(s, ctx.project));
  if (user.known && user.root) return out; // root reaches the socket without the group
  if (!user.known) {
    out.push(serviceNote(ID, CIS, s, 'mounts the Docker socket, but the user it runs as is not known here', `If it runs as a non-root user, add group_add: ["${GROUP}"].`, 'note'));
    return out;
  }
  const groups = Array.isArray(s.effective.group_add) ? s.effective.group_add.map(String) : [];
  if (groups.some((g) => /docker/i.test(g))) return out;
  // docker stack deploy validates the file against docker/cli's compose v3 schemas, which have no group_add
  // (cli/compose/schema/data/config_schema_v3.*.json: the service allows no other property), and its
  // cli/compose/convert/service.go sets no ContainerSpec.Groups: the key would make the deploy fail.
  const swarm = swarmDeploy(ctx.project, s);
  if (swarm) {
    out.push(
      serviceNote(
        ID,
        CIS,
        s,
        `runs as ${user.user} and mounts the Docker socket, but docker stack deploy rejects group_add (${swarm.reason}); docker group not added`,
        `After each deploy, add the host's docker group to the swarm service: docker service update --group-add "$(getent group docker | cut -d: -f3)" <stack>_${s.name}; or reach the engine through a socket proxy service. Source: docker/cli cli/compose/schema/data/config_schema_v3.*.json (no group_add).`,
      ),
    );
    return out;
  }
  const change = addListItems(s, 'group_add', [GROUP]);
  if (typeof change === 'string') {
    out.push(serviceNote(ID, CIS, s, `${change}; docker group not added`, `Add "${GROUP}" to group_add by hand.`));
    return out;
  }
  out.push(
    serviceFix(ID, CIS, s, `runs as ${user.user} and mounts the Docker socket: add group_add ${GROUP} so it can reach the socket`, change, {
      notes: [DOCKER_GID_NOTE],
    }),
  );
  return out;
}

/**
 * A Docker socket proxy image, by its repository name (tecnativa/docker-socket-proxy, lscr.io/linuxserver/socket-proxy,
 * wollomatic/socket-proxy, 11notes/socket-proxy): an HTTP proxy in front of the socket that lets through only the API
 * sections its environment allows. Returns the image's repository path, or undefined.
 */
function socketProxy(s: ServiceLink): string | undefined {
  const image = s.effective.image;
  if (typeof image !== 'string' || image.includes('$')) return undefined;
  const ref = parseImageRef(image);
  const name = ref.path.split('/').pop() ?? '';
  return /^(docker-)?socket-proxy$/i.test(name) ? ref.path : undefined;
}

/**
 * The service's `ports:` entries that publish on every host interface: short syntax without a host IP
 * (`2375:2375`, `2375`) or with 0.0.0.0/[::], long syntax without `host_ip`. Entries made by a variable are left out
 * (their interface is not known here). Returned as written.
 */
function publishedOnAllInterfaces(s: ServiceLink): string[] {
  const ports = s.effective.ports;
  if (!Array.isArray(ports)) return [];
  const out: string[] = [];
  const open = (ip: string | undefined) => ip === undefined || ip === '' || ip === '0.0.0.0' || ip === '::' || ip === '[::]';
  for (const p of ports) {
    if (typeof p === 'number') out.push(String(p));
    else if (typeof p === 'string') {
      if (p.includes('$')) continue;
      // [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTO], the IP possibly in brackets (IPv6).
      const m = /^(?:(\[[^\]]*\]|[^:]*):)?(?:([^:]*):)?([^:]+)$/.exec(p.trim());
      if (!m) continue;
      const ip = m[2] === undefined ? undefined : m[1];
      if (open(ip)) out.push(p);
    } else if (p && typeof p === 'object') {
      const long = p as { host_ip?: unknown; target?: unknown; published?: unknown };
      const ip = typeof long.host_ip === 'string' ? long.host_ip : undefined;
      if (typeof long.host_ip === 'string' && long.host_ip.includes('$')) continue;
      if (open(ip)) out.push(`${long.published ?? ''}:${long.target ?? ''}`.replace(/^:/, ''));
    }
  }
  return out;
}
