// compose/swarm-ignored-keys: in a file swarm deploys (`docker stack deploy`,
// by a command or by a stack file's structure), report the service keys that
// look like security settings but that swarm never applies, so the stack runs
// differently from what the file says:
//  - `privileged: true`: swarm runs the task unprivileged (CIS 5.5);
//  - `devices`: swarm maps no host device into the task (CIS 5.18);
//  - `security_opt` entries that restrict (a seccomp profile, an AppArmor
//    profile, SELinux labels): the task runs with the engine's defaults
//    (CIS 5.22, 5.2, 5.3; v1.6.0 numbers). `no-new-privileges` is compose/no-new-privileges'
//    business, and an `unconfined` entry that swarm drops only leaves the
//    task stricter.
// Keys swarm ignores harmlessly (`build`, `container_name`, `restart`, `links`,
// `depends_on`, `network_mode`, `pid`, `ipc`, `userns_mode`, ...) say nothing.
// Source: docker/cli `cli/compose/types/types.go` (UnsupportedProperties:
// build, cgroupns_mode, cgroup_parent, devices, domainname, external_links,
// ipc, links, mac_address, network_mode, pid, privileged, restart,
// security_opt, shm_size, userns_mode; stack deploy warns "Ignoring
// unsupported options") and `cli/compose/convert/service.go` (the swarm
// ContainerSpec it builds has no Privileged, Devices or SecurityOpt; its
// Privileges carry only a credential spec).
import type { Transform, TransformContext } from '../../src/transform.js';
import type { Finding } from '../../src/types.js';
import type { ServiceLink } from '../../src/model.js';
import type { SwarmDeploy } from '../../src/layout.js';
import { checkEachService, isPartialOverride, serviceNote, stringList, swarmDeploy } from '../../src/compose-service.js';

const ID = 'compose/swarm-ignored-keys';

/** Where the facts come from, said in every finding. */
const SOURCE = 'Source: docker/cli cli/compose/types/types.go (UnsupportedProperties) and cli/compose/convert/service.go (https://github.com/docker/cli).';

export const swarmIgnoredKeys: Transform = {
  meta: {
    id: ID,
    description: 'Report security settings of swarm stack files that docker stack deploy ignores (privileged, devices, security_opt profiles)',
    appliesTo: ['compose'],
    fixable: false,
    cis: '5.5',
    peers: [],
    help:
      'docker stack deploy reads the compose file itself and drops keys swarm services do not have: privileged, devices and ' +
      'security_opt among them. A stack file that asks for a seccomp or AppArmor profile runs without it, and one that says ' +
      'privileged: true or maps a device runs without those. Each such key is reported once per service, with what to do instead.',
  },
  run: (ctx) => checkEachService(ctx, check),
};

/** A `security_opt` entry swarm drops and what it asked for: the CIS control and a phrase. */
function restriction(opt: string): { cis: string; what: string; manual: string } | undefined {
  const m = /^\s*(seccomp|apparmor|label)\s*[:=]\s*(.+?)\s*$/.exec(opt);
  if (!m) return undefined;
  const [, kind, value] = m;
  if (/^(unconfined|disable)$/i.test(value!)) return undefined; // dropping it leaves the task stricter
  if (kind === 'seccomp') {
    return {
      cis: '5.22',
      what: `the seccomp profile ${value}`,
      manual: 'Swarm tasks use the daemon\'s seccomp profile: set "seccomp-profile" in /etc/docker/daemon.json on every node (it then applies to every container), or run this service with compose.',
    };
  }
  if (kind === 'apparmor') {
    return { cis: '5.2', what: `the AppArmor profile ${value}`, manual: 'Swarm cannot set an AppArmor profile per service: load the profile on every node and run this service with compose, or accept the default docker-default profile.' };
  }
  return { cis: '5.3', what: `the SELinux label ${value}`, manual: 'Swarm cannot set SELinux labels per service: run this service with compose, or rely on the daemon\'s --selinux-enabled defaults.' };
}

function check(ctx: TransformContext, s: ServiceLink): Finding[] {
  const swarm = swarmDeploy(ctx.project, s);
  if (!swarm) return [];
  // A partial service in an override: what it says reaches the stack merged, and is reported where it is written.
  const own = s.node.data;
  const out: Finding[] = [];
  const also = (swarm: SwarmDeploy) => (swarm.alsoCompose ? ' (compose, which runs the file too, applies it)' : '');
  const note = (key: string, cis: string, message: string, manual: string, severity: Finding['severity']): Finding => ({
    ...serviceNote(ID, cis, s, `${message}${also(swarm)}`, `${manual} ${SOURCE}`, severity),
    key: `${ID}:${s.id}:${key}`,
  });
  const says = (key: string) => (isPartialOverride(s) ? own[key] : s.effective[key]);
  if (says('privileged') === true) {
    out.push(
      note(
        'privileged',
        '5.5',
        `docker stack deploy ignores privileged: true (${swarm.reason}), so swarm runs it unprivileged`,
        'If it needs the privileges, swarm cannot give them: run it with compose. If it works without them, remove privileged: true and run docker-harden again, which then hardens it.',
        'warning',
      ),
    );
  }
  const devices = says('devices');
  if (Array.isArray(devices) && devices.length) {
    out.push(
      note(
        'devices',
        '5.18',
        `docker stack deploy ignores devices (${devices.map(String).join(', ')}; ${swarm.reason}), so swarm maps no host device into it`,
        'Swarm cannot map devices per service: run it with compose, or remove devices if the stack works without them.',
        'note',
      ),
    );
  }
  const opts = isPartialOverride(s) ? (Array.isArray(own.security_opt) ? own.security_opt.filter((o): o is string => typeof o === 'string') : []) : stringList(s, 'security_opt');
  for (const opt of opts) {
    const r = restriction(opt);
    if (!r) continue;
    out.push(note(`security_opt:${opt}`, r.cis, `docker stack deploy ignores security_opt ${opt} (${swarm.reason}), so swarm runs it without ${r.what}`, r.manual, 'warning'));
  }
  return out;
}
