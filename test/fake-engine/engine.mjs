// A stand-in for the docker CLI (with the `compose` v2 plugin) and for
// Compose v1 (`docker-compose`): enough of each for verify's engine adapter,
// driven by a scenario file, so that the verify loop, the choice between
// Compose v2 and v1, bisection and the reports are tested without an engine.
// `fakeExec` runs it in-process (the adapter's executor); docker.mjs is the
// same as a binary on PATH. Every call is logged to <state>/calls.jsonl.
//
// Scenario ($FAKE_DOCKER_SCENARIO, JSON):
//   engineVersion   "24.0.7"; daemonDown: true makes `docker version` fail
//   composeV2       true: `docker compose` answers (else only docker-compose does)
//   users           { name: uid } for USER names in Dockerfiles
//   upDelayMs       make `up` take this long (to interrupt verify during it)
//   rules           [{ service, if: { compose?: "read_only", dockerfile?: "regex" },
//                      then: { status, exitCode, health, logs, error, build: "log line", pull: "log line", up: "error",
//                              listenAfter: n } }]
//                   The first rule whose conditions all hold decides; `then.build`
//                   makes the build fail with that line at a RUN step, `then.pull` at its
//                   FROM step (the base image cannot be pulled); `then.up` makes `up`
//                   create no container for the service and fail with that message;
//                   `then.listenAfter` makes it listen on its `expose:` ports only from
//                   the n-th read of /proc/1/net/tcp on.
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { parse, stringify } from 'yaml';

class Exit {
  constructor(code, stderr) {
    this.code = code;
    this.stderr = stderr;
  }
}

let state;
let scenario;
let stdout = '';
const out = (s) => {
  stdout += s;
};
const fail = (msg, code = 1) => {
  throw new Exit(code, msg + '\n');
};
const sha = (s) => createHash('sha256').update(s).digest('hex');
let projectsDir;
let imagesDir;

/**
 * Run one command of the fake CLI: `cmd` is 'docker' or 'docker-compose' (by
 * basename), `env` carries FAKE_DOCKER_STATE and FAKE_DOCKER_SCENARIO.
 * Returns { code, stdout, stderr, timedOut }, like the adapter's executor.
 */
export function runFake(cmd, argv, env) {
  state = env.FAKE_DOCKER_STATE;
  scenario = JSON.parse(readFileSync(env.FAKE_DOCKER_SCENARIO, 'utf8'));
  projectsDir = path.join(state, 'projects');
  imagesDir = path.join(state, 'images');
  mkdirSync(projectsDir, { recursive: true });
  mkdirSync(imagesDir, { recursive: true });
  const asV1 = path.basename(cmd).startsWith('docker-compose');
  appendFileSync(path.join(state, 'calls.jsonl'), JSON.stringify({ cmd: asV1 ? 'docker-compose' : 'docker', argv, dockerHost: env.DOCKER_HOST ?? null }) + '\n');
  stdout = '';
  try {
    if (asV1) compose(argv, 1);
    else if (argv[0] === 'compose') {
      if (!scenario.composeV2) fail("docker: 'compose' is not a docker command.");
      compose(argv.slice(1), 2);
    } else docker(argv);
    return { code: 0, stdout, stderr: '', timedOut: false };
  } catch (e) {
    if (!(e instanceof Exit)) throw e;
    return { code: e.code, stdout, stderr: e.stderr, timedOut: false };
  }
}

/** An executor for the engine adapter; `exists(cmd)` says which commands are installed (others fail as not found). */
export function fakeExec(exists = () => true) {
  return async (cmd, args, opts = {}) => {
    if (!exists(path.basename(cmd))) {
      const err = new Error(`${cmd}: command not found`);
      err.notFound = true;
      throw err;
    }
    return runFake(cmd, args, opts.env ?? process.env);
  };
}

// ------------------------------------------------------------------ docker

function docker(a) {
  const [cmd, ...rest] = a;
  if (scenario.daemonDown && cmd !== 'compose') fail('Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?');
  switch (cmd) {
    case 'version':
      return out(`${scenario.engineVersion ?? '24.0.7'}\n`);
    case 'ps': {
      const label = rest[rest.indexOf('--filter') + 1].replace(/^label=com\.docker\.compose\.project=?/, '');
      const ids = allContainers().filter((c) => !label || c.project === label).map((c) => c.Id);
      return out(ids.map((i) => i + '\n').join(''));
    }
    case 'inspect': {
      const ids = rest.filter((x) => !x.startsWith('--') && x !== 'container');
      return out(JSON.stringify(allContainers().filter((c) => ids.includes(c.Id)).map(inspectJson)));
    }
    case 'logs':
      return out((container(rest[rest.length - 1])?.logs ?? []).map((l) => l + '\n').join(''));
    case 'diff':
      return out('');
    case 'exec': {
      const c = container(rest[2]);
      const cmdline = rest.slice(3);
      if (cmdline[0] === 'cat' && cmdline[1] === '/proc/1/status') return out(procStatus(c));
      if (cmdline[0] === 'cat' && cmdline[1] === '/proc/1/net/tcp') return out(netTcp(c));
      if (cmdline[0] === 'sh') return out(cmdline.slice(4).map((p) => `ok\t${p}\n`).join(''));
      return fail(`exec ${cmdline.join(' ')}: not faked`);
    }
    case 'image': {
      const ref = rest[rest.length - 1];
      const file = path.join(imagesDir, sha(ref));
      const format = rest[rest.indexOf('--format') + 1];
      if (existsSync(file)) return out(format.includes('len') ? '1\n' : readFileSync(file, 'utf8') + '\n');
      const byId = readdirSync(imagesDir).some((f) => readFileSync(path.join(imagesDir, f), 'utf8') === ref);
      if (byId) return out(format.includes('len') ? '0\n' : ref + '\n');
      return fail(`Error: No such image: ${ref}`);
    }
    case 'rmi':
    case 'rm':
    case 'network':
    case 'volume':
      return out('');
    default:
      return fail(`docker ${cmd}: not faked`);
  }
}

function allContainers() {
  return readdirSync(projectsDir).flatMap((f) => JSON.parse(readFileSync(path.join(projectsDir, f), 'utf8')));
}

function container(id) {
  return allContainers().find((c) => c.Id === id);
}

function inspectJson(c) {
  return {
    Id: c.Id,
    Name: `/${c.project}-${c.service}-1`,
    RestartCount: 0,
    State: {
      Status: c.status,
      Running: c.status === 'running',
      ExitCode: c.exitCode ?? 0,
      Pid: 0,
      Error: c.error ?? '',
      StartedAt: '2024-01-01T00:00:00Z',
      ...(c.health ? { Health: { Status: c.health, Log: [] } } : {}),
    },
    Config: { User: '', Image: c.image, ExposedPorts: Object.fromEntries((c.exposed ?? []).map((p) => [`${p}/tcp`, {}])), Labels: { 'com.docker.compose.project': c.project, 'com.docker.compose.service': c.service, 'com.docker.compose.container-number': '1', 'com.docker.compose.oneoff': 'False' } },
    HostConfig: { ReadonlyRootfs: c.readOnly, CapAdd: c.capAdd, CapDrop: c.capDrop, SecurityOpt: c.securityOpt, GroupAdd: [], Tmpfs: c.tmpfs },
    Mounts: c.mounts,
  };
}

function procStatus(c) {
  const caps = c.uid !== 0 ? '0000000000000000' : c.capDrop.includes('ALL') ? capMask(c.capAdd) : '00000000a80425fb';
  return `Name:\tapp\nUid:\t${c.uid}\t${c.uid}\t${c.uid}\t${c.uid}\nGid:\t${c.uid}\t${c.uid}\t${c.uid}\t${c.uid}\nGroups:\t\nCapEff:\t${caps}\nNoNewPrivs:\t${c.securityOpt.includes('no-new-privileges:true') ? 1 : 0}\n`;
}

/**
 * /proc/1/net/tcp: the container listens on its exposed ports from the
 * `listenAfter`-th read on (rule `then.listenAfter`; 1 when the rule does not say).
 */
function netTcp(c) {
  const counter = path.join(state, `reads-${c.Id}`);
  const reads = (existsSync(counter) ? Number(readFileSync(counter, 'utf8')) : 0) + 1;
  writeFileSync(counter, String(reads));
  const header = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
  if (reads < (c.listenAfter ?? 1)) return header;
  return header + c.exposed.map((p, i) => `   ${i}: 00000000:${p.toString(16).toUpperCase().padStart(4, '0')} 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0000000000000000 100 0 0 10 0\n`).join('');
}

function capMask(names) {
  const order = ['CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID'];
  let m = 0n;
  for (const n of names) if (order.includes(n)) m |= 1n << BigInt(order.indexOf(n));
  return m.toString(16).padStart(16, '0');
}

// ------------------------------------------------------------------ compose

function compose(a, major) {
  const opts = { files: [], project: undefined, envFiles: [] };
  let i = 0;
  for (; i < a.length; i++) {
    if (a[i] === '-f') opts.files.push(a[++i]);
    else if (a[i] === '-p') opts.project = a[++i];
    else if (a[i] === '--env-file') opts.envFiles.push(a[++i]);
    else break;
  }
  // docker-compose 1.29 takes one --env-file.
  if (major === 1 && opts.envFiles.length > 1) fail('--env-file given more than once');
  const [cmd, ...rest] = a.slice(i);
  if (cmd === 'version') return out(major === 1 ? '1.29.2\n' : '2.29.1\n');
  if (scenario.daemonDown) fail('Cannot connect to the Docker daemon');
  const project = loadProject(opts.files, opts.envFiles);
  switch (cmd) {
    case 'config':
      return out(configText(project, major));
    case 'build': {
      const named = rest.filter((x) => !x.startsWith('-'));
      for (const name of named.length ? named : Object.keys(project.services)) {
        const s = project.services[name];
        if (!s.build) continue;
        const df = dockerfileText(s);
        const rule = ruleFor(name, s, df);
        // The classic builder's log when the FROM image cannot be pulled (docker-compose 1.29 on Docker 20.10).
        if (rule?.then.pull) fail(`Step 1/4 : FROM ${/^FROM\s+(\S+)/im.exec(df)[1]}\n${rule.then.pull}\nService '${name}' failed to build : Build failed`);
        if (rule?.then.build) fail(`Step 3/5 : RUN useradd\n ---> Running in 1234\n${rule.then.build}\nThe command '/bin/sh -c useradd' returned a non-zero code: 4\nERROR: Service '${name}' failed to build`);
        writeFileSync(path.join(imagesDir, sha(s.image)), 'sha256:' + sha(df + name));
      }
      return out('built\n');
    }
    case 'up': {
      // A slow start-up, to interrupt verify in the middle of it.
      if (scenario.upDelayMs) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, scenario.upDelayMs);
      const names = rest.filter((x) => !x.startsWith('-'));
      // A service whose rule has `then.up` gets no container, and `up` fails with that line
      // once it has made the others (an image it cannot pull, as compose reports it).
      const upError = (name) => ruleFor(name, project.services[name], project.services[name].build ? dockerfileText(project.services[name]) : '')?.then.up;
      const refused = names.map(upError).find(Boolean);
      const containers = names.filter((name) => !upError(name)).map((name) => runContainer(opts.project, name, project.services[name]));
      writeFileSync(path.join(projectsDir, opts.project), JSON.stringify(containers));
      if (refused) fail(refused);
      return out('started\n');
    }
    case 'down':
      rmSync(path.join(projectsDir, opts.project), { force: true });
      return out('removed\n');
    default:
      return fail(`compose ${cmd}: not faked`);
  }
}

/** Variables for interpolation as compose reads them: the --env-files in order (later wins), else the first file's folder's .env. */
function envVars(files, envFiles) {
  const vars = {};
  const sources = envFiles.length ? envFiles : files.length ? [path.join(path.dirname(files[0]), '.env')].filter((f) => existsSync(f)) : [];
  for (const f of sources) {
    for (const line of readFileSync(f, 'utf8').split(/\r?\n/)) {
      const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
      if (m) vars[m[1]] = m[2];
    }
  }
  return vars;
}

/** `${VAR}`, `${VAR:-default}` and `${VAR:?message}` (an error when unset), as compose interpolates. */
function interpolate(text, vars, file) {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:-|:\?)([^}]*))?\}/g, (_, name, op, arg) => {
    if (vars[name] !== undefined && vars[name] !== '') return vars[name];
    if (op === ':?') fail(`error while interpolating ${file}: required variable ${name} is missing a value: ${arg}`);
    return op === ':-' ? arg : '';
  });
}

function loadProject(files, envFiles = []) {
  const merged = { services: {} };
  const vars = envVars(files, envFiles);
  for (const f of files) {
    const data = parse(interpolate(readFileSync(f, 'utf8'), vars, f)) ?? {};
    const dir = path.dirname(f);
    for (const [name, svc] of Object.entries(data.services ?? {})) {
      const s = { ...(merged.services[name] ?? {}), ...svc };
      if (typeof svc.build === 'string') s.build = { context: path.resolve(dir, svc.build) };
      else if (svc.build) s.build = { ...svc.build, context: path.resolve(dir, svc.build.context ?? '.') };
      merged.services[name] = s;
    }
    for (const k of ['volumes', 'networks']) if (data[k]) merged[k] = { ...(merged[k] ?? {}), ...data[k] };
    if (data.name) merged.name = data.name;
  }
  return merged;
}

function configText(project, major) {
  const copy = structuredClone(project);
  for (const s of Object.values(copy.services)) {
    if (Array.isArray(s.ports)) s.ports = s.ports.map((p) => (major === 2 ? { mode: 'ingress', target: Number(String(p).split(':').pop()), published: String(p).split(':')[0], protocol: 'tcp' } : p));
    if (Array.isArray(s.depends_on)) s.depends_on = Object.fromEntries(s.depends_on.map((d) => [d, { condition: 'service_started' }]));
    if (major === 2 && Array.isArray(s.volumes)) {
      s.volumes = s.volumes.map((v) => {
        if (typeof v !== 'string') return v;
        const [src, target, mode] = v.split(':');
        return src.startsWith('/') || src.startsWith('.') ? { type: 'bind', source: path.resolve(src), target, read_only: mode === 'ro', bind: { create_host_path: true } } : { type: 'volume', source: src, target, read_only: mode === 'ro' };
      });
    }
  }
  return stringify(major === 2 ? { name: 'fromfile', ...copy } : { version: '3.9', ...copy });
}

function dockerfileText(s) {
  return readFileSync(path.resolve(s.build.context, s.build.dockerfile ?? 'Dockerfile'), 'utf8');
}

function ruleFor(name, s, df) {
  return (scenario.rules ?? []).find((r) => r.service === name && (!r.if?.compose || get(s, r.if.compose)) && (!r.if?.dockerfile || new RegExp(r.if.dockerfile, 'm').test(df)));
}

function get(obj, dotted) {
  return dotted.split('.').reduce((o, k) => (o == null ? undefined : o[k]), obj);
}

function runContainer(projectName, name, s) {
  const df = s.build ? dockerfileText(s) : '';
  const user = /^USER\s+(\S+)\s*$/m.test(df) ? [...df.matchAll(/^USER\s+(\S+)\s*$/gm)].pop()[1] : 'root';
  const who = user.split(':')[0];
  const uid = who === 'root' || who === '0' ? 0 : (scenario.users?.[who] ?? (/^\d+$/.test(who) ? Number(who) : 1000));
  const rule = ruleFor(name, s, df);
  const then = rule?.then ?? {};
  const mounts = (s.volumes ?? []).map((v) => (typeof v === 'string' ? { Type: 'volume', Source: v.split(':')[0], Destination: v.split(':')[1], RW: !v.endsWith(':ro') } : { Type: v.type, Source: v.source, Destination: v.target, RW: !v.read_only }));
  return {
    Id: sha(projectName + name),
    project: projectName,
    service: name,
    image: s.image,
    status: then.status ?? 'running',
    exitCode: then.exitCode ?? 0,
    error: then.error,
    health: then.health ?? (s.healthcheck ? 'healthy' : undefined),
    logs: then.logs ?? [`${name} started`],
    uid,
    readOnly: s.read_only === true,
    capDrop: s.cap_drop ?? [],
    capAdd: s.cap_add ?? [],
    securityOpt: s.security_opt ?? [],
    tmpfs: Object.fromEntries((s.tmpfs ?? []).map((t) => [t.split(':')[0], ''])),
    mounts,
    exposed: (s.expose ?? []).map(Number),
    listenAfter: then.listenAfter,
  };
}
