// The model follows nginx configs wherever a container gets them: COPY from
// the build context, COPY --from a builder stage that copied the context,
// a Dockerfile outside its context, bind mounts, and `include`s.
import { describe, it, expect, afterEach } from 'vitest';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { discover } from '../src/discover.js';
import { loadProject, type Project } from '../src/model.js';
import { copyMappings, mountMappings, nginxConfigSet, globRegExp, templateRenders } from '../src/nginx-files.js';
import { writeTree } from './helpers.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function load(tree: Record<string, string>): Promise<{ dir: string; project: Project }> {
  const dir = writeTree(tree);
  dirs.push(dir);
  const found = await discover([dir], dir, { exclude: [] });
  return { dir, project: await loadProject(found.files, dir, found.roots) };
}

const rels = (p: Project) => p.nginx.map((f) => f.rel).sort();

describe('nginx config links', () => {
  it('follows COPY --from=builder back through the builder stage COPY . . and WORKDIR', async () => {
    const { project } = await load({
      'web/Dockerfile': 'FROM node:20 AS builder\nWORKDIR /app\nCOPY . .\nRUN npm run build\n\nFROM nginx:1.27\nCOPY --from=builder /app/nginx.conf /etc/nginx/conf.d/default.conf\n',
      'web/nginx.conf': 'server { listen 80; }\n',
      'web/other.conf': 'server { listen 81; }\n',
    });
    expect(rels(project)).toEqual(['web/nginx.conf']);
    const copy = project.copies.find((c) => c.from === 'builder')!;
    expect(copy.resolvedPath).toBe(path.join(project.roots[0]!, 'web/nginx.conf'));
  });

  it('follows --from through a relative source, a nested WORKDIR and a stage built on another', async () => {
    const { project } = await load({
      'Dockerfile':
        'FROM node:20 AS base\nWORKDIR /src\nCOPY site/ ./site/\n\nFROM base AS builder\nRUN make\n\nFROM nginx:alpine\nCOPY --from=builder src/site/conf/app.conf /etc/nginx/conf.d/\n',
      'site/conf/app.conf': 'server { listen 80; }\n',
    });
    expect(rels(project)).toEqual(['site/conf/app.conf']);
  });

  it('uses the compose build context for a Dockerfile that lives outside it', async () => {
    const { project } = await load({
      'compose.yaml': 'services:\n  web:\n    build:\n      context: ./web\n      dockerfile: ../docker/web.Dockerfile\n',
      'docker/web.Dockerfile': 'FROM nginx:1.27\nCOPY conf/site.conf /etc/nginx/conf.d/site.conf\n',
      'web/conf/site.conf': 'server { listen 80; }\n',
    });
    expect(rels(project)).toEqual(['web/conf/site.conf']);
  });

  it('copies a folder into /etc/nginx by its contents, and loads what configs include', async () => {
    const { project } = await load({
      'Dockerfile': 'FROM nginx\nCOPY conf/ /etc/nginx/\n',
      'conf/nginx.conf': 'events {}\nhttp { include /etc/nginx/sites/*.conf; include snippets/common; }\n',
      'conf/sites/a.conf': 'server { listen 80; }\n',
      'conf/snippets/common': 'gzip on;\n',
      'conf/README.md': '# not a config\n',
    });
    expect(rels(project)).toEqual(['conf/nginx.conf', 'conf/sites/a.conf', 'conf/snippets/common']);
    const copy = project.copies[0]!;
    expect(copy.dest).toBe('/etc/nginx');
  });

  it('loads bind-mounted configs and what they include; not certificates', async () => {
    const { project } = await load({
      'compose.yaml':
        'services:\n  web:\n    image: nginx:1.27\n    volumes:\n      - ./nginx/default.conf:/etc/nginx/conf.d/default.conf:ro\n      - ./nginx/extra:/etc/nginx/extra\n      - ./certs/site.pem:/etc/nginx/certs/site.pem\n',
      'nginx/default.conf': 'server { listen 80; include extra/headers.inc; }\n',
      'nginx/extra/headers.inc': 'add_header X-Frame-Options DENY;\n',
      'certs/site.pem': '-----BEGIN CERTIFICATE-----\n',
    });
    expect(rels(project)).toEqual(['nginx/default.conf', 'nginx/extra/headers.inc']);
    const s = project.services[0]!;
    const set = nginxConfigSet(project, mountMappings(project, s));
    expect(set.problems).toEqual([]);
    expect(set.files.map((f) => f.containerPath)).toEqual(['/etc/nginx/conf.d/default.conf', '/etc/nginx/extra/headers.inc']);
  });

  it('names what it cannot follow: a missing mount, a named volume, an include nothing provides', async () => {
    const { project } = await load({
      'compose.yaml':
        'services:\n  web:\n    image: nginx:1.27\n    volumes:\n      - ./missing.conf:/etc/nginx/conf.d/default.conf\n      - confd:/etc/nginx/sites\n      - ./templates:/etc/nginx/templates\nvolumes:\n  confd:\n',
      'templates/default.conf.template': 'server { listen ${PORT}; }\n',
    });
    const set = nginxConfigSet(project, mountMappings(project, project.services[0]!));
    expect(set.problems.join('\n')).toMatch(/missing\.conf does not exist/);
    expect(set.problems.join('\n')).toMatch(/named volume confd/);
    // The template is followed as the file it renders (its variable listen is the transform's business).
    expect(set.files.find((f) => f.containerPath === '/etc/nginx/conf.d/default.conf')?.hostPath).toMatch(/templates\/default\.conf\.template$/);

    // A conf.d folder from a variable or from outside the repository is configuration nobody can read here;
    // a certificate from the same places is not.
    const fromVariable = await load({
      'compose.yaml':
        'services:\n  web:\n    image: nginx:1.27\n    volumes:\n      - ${NGINX_CONFIG_PATH}:/etc/nginx/conf.d:ro\n      - ${CERT}:/etc/nginx/cert.pem:ro\n      - ./absent:/etc/nginx/sites.d\n',
    });
    const set3 = nginxConfigSet(fromVariable.project, mountMappings(fromVariable.project, fromVariable.project.services[0]!));
    expect(set3.problems).toHaveLength(2);
    expect(set3.problems[0]).toMatch(/^\/etc\/nginx\/conf\.d comes from /);
    expect(set3.problems[1]).toMatch(/^\/etc\/nginx\/sites\.d comes from .*absent does not exist/);

    const other = await load({
      'Dockerfile': 'FROM nginx\nCOPY nginx.conf /etc/nginx/nginx.conf\n',
      'nginx.conf': 'events {}\nhttp { include /etc/nginx/generated/site.conf; include mime.types; }\n',
    });
    const set2 = nginxConfigSet(other.project, copyMappings(other.project, other.project.dockerfiles[0]!.path));
    expect(set2.problems).toEqual([expect.stringMatching(/generated\/site\.conf .* is in no COPY or mount/)]);
  });

  it("follows the official image's templates: each *.template rendered into conf.d at start", async () => {
    const { project } = await load({
      'compose.yaml':
        'services:\n  web:\n    build: .\n    volumes:\n      - ./override/api.conf.template:/etc/nginx/templates/api.conf.template:ro\n',
      Dockerfile: 'FROM nginx:1.27\nCOPY nginx/ /etc/nginx/\n',
      'nginx/templates/default.conf.template': 'server { listen 80; include /etc/nginx/conf.d/snippets/gzip.conf; }\n',
      'nginx/templates/snippets/gzip.conf.template': 'gzip ${GZIP};\n',
      'nginx/templates/api.conf.template': 'server { listen 81; }\n',
      'nginx/templates/README.md': 'not rendered\n',
      'override/api.conf.template': 'server { listen 82; }\n',
    });
    const s = project.services[0]!;
    const mappings = [...copyMappings(project, project.dockerfiles[0]!.path), ...mountMappings(project, s)];
    const renders = templateRenders(mappings);
    expect(renders.problems).toEqual([]);
    expect(renders.files.map((r) => [r.output, path.relative(path.dirname(project.dockerfiles[0]!.path), r.hostPath)])).toEqual([
      // The compose mount comes after the image's COPY, so its file is the one rendered.
      ['/etc/nginx/conf.d/api.conf', 'override/api.conf.template'],
      ['/etc/nginx/conf.d/default.conf', 'nginx/templates/default.conf.template'],
      ['/etc/nginx/conf.d/snippets/gzip.conf', 'nginx/templates/snippets/gzip.conf.template'],
    ]);
    // The renders are configuration: includes of a rendered file resolve, and the model loaded them as nginx files.
    const set = nginxConfigSet(project, mappings);
    expect(set.problems).toEqual([]);
    expect(set.stockSites).toEqual([]);
    expect(set.files.map((f) => f.containerPath).sort()).toEqual(['/etc/nginx/conf.d/api.conf', '/etc/nginx/conf.d/default.conf', '/etc/nginx/conf.d/snippets/gzip.conf']);
    expect(set.files.every((f) => f.source?.kind === 'nginx')).toBe(true);
  });

  it('names what a render depends on that it cannot follow or that UID 101 could not write', async () => {
    const stream = await load({
      'compose.yaml': 'services:\n  web:\n    image: nginx:1.27\n    environment:\n      - NGINX_ENVSUBST_OUTPUT_DIR=/etc/nginx/sites\n    volumes:\n      - ./t:/etc/nginx/templates\n      - tpl:/etc/nginx/templates/extra\nvolumes:\n  tpl: {}\n',
      't/db.conf.stream-template': 'server { listen 5432; }\n',
    });
    const problems = templateRenders(mountMappings(stream.project, stream.project.services[0]!)).problems.join('\n');
    expect(problems).toMatch(/sets NGINX_ENVSUBST_OUTPUT_DIR/);
    expect(problems).toMatch(/named volume tpl/);
    expect(problems).toMatch(/db\.conf\.stream-template is a stream template/);

    const env = await load({
      Dockerfile: 'FROM nginx:1.27-alpine\nENV NGINX_ENVSUBST_TEMPLATE_SUFFIX=.tpl \\\n    NGINX_PORT=80\nCOPY templates /etc/nginx/templates\n',
      'templates/default.conf.tpl': 'server { listen 80; }\n',
    });
    expect(templateRenders(copyMappings(env.project, env.project.dockerfiles[0]!.path)).problems).toEqual([expect.stringMatching(/^Dockerfile sets NGINX_ENVSUBST_TEMPLATE_SUFFIX, which moves/)]);

    const owned = await load({
      'compose.yaml': 'services:\n  web:\n    build: .\n    volumes:\n      - ./conf.d:/etc/nginx/conf.d\n',
      Dockerfile: 'FROM nginx:1.27\nCOPY templates /etc/nginx/templates\nCOPY site.conf /etc/nginx/conf.d/site.conf\n',
      'templates/site.conf.template': 'server { listen 80; }\n',
      'site.conf': 'server { listen 80; }\n',
      'conf.d/gzip.conf': 'gzip on;\n',
    });
    const image = copyMappings(owned.project, owned.project.dockerfiles[0]!.path);
    // In the image alone: the COPY's root-owned file is where the template renders.
    expect(nginxConfigSet(owned.project, image).problems).toEqual([expect.stringMatching(/^COPY site\.conf .* puts \/etc\/nginx\/conf\.d\/site\.conf, which the entrypoint overwrites/)]);
    // With the service's bind mount over conf.d: the host folder's owner decides.
    const withMount = nginxConfigSet(owned.project, [...image, ...mountMappings(owned.project, owned.project.services[0]!)]).problems;
    expect(withMount).toEqual([expect.stringMatching(/^\/etc\/nginx\/conf\.d comes from bind mount \.\/conf\.d:\/etc\/nginx\/conf\.d/)]);
  });

  it('expands COPY *.conf and include globs', async () => {
    const { project } = await load({
      'Dockerfile': 'FROM nginx\nCOPY *.conf /etc/nginx/conf.d/\n',
      'a.conf': 'server { listen 80; }\n',
      'b.conf': 'server { listen 443 ssl; }\n',
    });
    expect(rels(project)).toEqual(['a.conf', 'b.conf']);
    expect(globRegExp('*.conf').test('x.conf')).toBe(true);
    expect(globRegExp('[!a]*.conf').test('a.conf')).toBe(false);
    expect(globRegExp('site?.conf').test('site1.conf')).toBe(true);
  });
});
