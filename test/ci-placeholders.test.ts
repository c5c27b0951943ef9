// GitHub Actions tags whose image name holds an expression GitHub fills in
// (`${{ secrets.DOCKERHUB_USERNAME }}/app`, `${{ github.repository_owner }}/app`
// in a checkout with no GitHub remote): linked to the image of that name the
// repository runs, by the workflow's repository owner or as the only one of that
// name; `${{ env.X }}` in run steps filled from the workflow, job and step env.
import { describe, it, expect } from 'vitest';
import path from 'node:path';
import { workflowRepository } from '../src/evidence/ci-context.js';
import { ciPlaceholderNames, type BuiltImage } from '../src/images.js';
import { evidenceOfTree, explainServices, writeTree } from './helpers.js';

/** What --explain says each service runs: its Dockerfile (relative) or null. */
const servicesRun = (tree: Record<string, string>) => explainServices(writeTree(tree));

const wf = (steps: string, top = '') => `on: push\n${top}jobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n${steps}`;
const APP = 'FROM node:22-slim\nWORKDIR /app\nCOPY . .\nCMD ["node", "server.js"]\n';

describe('${{ env.X }} in run steps', () => {
  it('is the workflow, job or step env value (step wins), in every shape of run step', async () => {
    const text = [
      'on: push',
      'env:',
      '  IMAGE: acme/web',
      '  TAG: "1.0"',
      'jobs:',
      '  build:',
      '    runs-on: ubuntu-latest',
      '    env:',
      '      WORKER: acme/worker',
      '    steps:',
      '      - run: docker build -t ${{ env.IMAGE }}:${{ env.TAG }} web',
      '      - run: |',
      '          docker build \\',
      '            -t "${{env.WORKER}}" worker',
      '      - env:',
      '          IMAGE: acme/override',
      '        run: docker build -t ${{ env.IMAGE }} api',
      '      - run: docker build -t ${{ env.NOT_SET }}/x api',
      '',
    ].join('\n');
    const { ev, dir } = await evidenceOfTree({ 'web/Dockerfile': APP, 'worker/Dockerfile': APP, 'api/Dockerfile': APP, '.github/workflows/ci.yml': text });
    expect(ev.builds.map((b) => [path.relative(dir, b.dockerfile), b.tags, b.at.line])).toEqual([
      ['web/Dockerfile', ['acme/web:1.0'], 11],
      ['worker/Dockerfile', ['acme/worker'], 13],
      ['api/Dockerfile', ['acme/override'], 17],
      // Not set anywhere: kept as written, one word (the shell reader keeps ${…} whole).
      ['api/Dockerfile', ['${{ env.NOT_SET }}/x'], 18],
    ]);
  });

  it('CRLF workflows say the same', async () => {
    const text = wf('      - run: docker build -t ${{ env.IMAGE }} .\n', 'env:\n  IMAGE: acme/app\n').replace(/\n/g, '\r\n');
    const { ev } = await evidenceOfTree({ Dockerfile: APP, '.github/workflows/ci.yml': text });
    expect(ev.builds.map((b) => [b.tags, b.at.line])).toEqual([[['acme/app'], 9]]);
  });
});

describe('the repository a workflow names itself', () => {
  it('reads github.repository and github.repository_owner comparisons, either way round, either quote', () => {
    expect(workflowRepository("if: github.repository == 'HedgeDoc/container'")).toEqual({ owner: 'hedgedoc', name: 'container' });
    expect(workflowRepository('if: "Mailu/Mailu" == github.repository && github.event_name == \'push\'')).toEqual({ owner: 'mailu', name: 'mailu' });
    expect(workflowRepository("if: github.repository_owner == 'dani-garcia'")).toEqual({ owner: 'dani-garcia' });
    expect(workflowRepository("if: ${{ github.event.repository.owner.login == 'amir20' }}")).toEqual({ owner: 'amir20' });
    // Owner and slug agree: the slug; they disagree, or two slugs: nothing certain.
    expect(workflowRepository("if: github.repository_owner == 'a' && github.repository == 'a/b'")).toEqual({ owner: 'a', name: 'b' });
    expect(workflowRepository("if: github.repository_owner == 'x' || github.repository == 'a/b'")).toBeUndefined();
    expect(workflowRepository("if: github.repository == 'a/b' || github.repository == 'c/d'")).toBeUndefined();
    // Other keys that start the same are not it; a comparison with an expression is not a name.
    expect(workflowRepository("if: github.repository_id == '123'")).toBeUndefined();
    expect(workflowRepository('if: github.repository == env.UPSTREAM')).toBeUndefined();
  });

  it('fills ${{ github.repository_owner }} where the checkout has no GitHub remote', async () => {
    const text = wf('      - run: docker build -t ghcr.io/${{ github.repository_owner }}/app .\n').replace('    runs-on', "    if: github.repository == 'Acme/Shop'\n    runs-on");
    const { ev } = await evidenceOfTree({ Dockerfile: APP, '.github/workflows/ci.yml': text });
    expect(ev.builds.map((b) => b.tags)).toEqual([['ghcr.io/acme/app']]);
    expect(ev.ciRepositories.map((r) => [r.owner, r.name, r.from])).toEqual([['acme', 'shop', '.github/workflows/ci.yml compares github.repository with it']]);
  });
});

describe('a placeholder owner, linked to the image the repository runs', () => {
  const built = (tag: string): BuiltImage => ({ tag, dockerfile: '/r/Dockerfile', context: '/r', via: 'docker/build-push-action', at: { file: '/r/.github/workflows/ci.yml', rel: '.github/workflows/ci.yml', line: 9, source: 'github-workflow', text: 'uses: docker/build-push-action@v6' } });
  const none = () => undefined;

  it('the only image of that name; the tag part kept as a pattern', () => {
    const [p] = ciPlaceholderNames([built('${{ secrets.DOCKERHUB_USERNAME }}/app:${{ github.sha }}')], ['postgres:16', 'acme/app:1.2', 'acme/other'], none);
    expect(p!.resolved?.tag).toBe('acme/app:${{ github.sha }}');
    expect(p!.note).toMatch(/read as acme: acme\/app is the only image of that name/);
  });

  it("several of that name: the repository owner's, else none", () => {
    const used = ['alice/app:latest', 'docker.io/bob/app'];
    expect(ciPlaceholderNames([built('${{ secrets.USER }}/app')], used, none)[0]!.resolved).toBeUndefined();
    expect(ciPlaceholderNames([built('${{ secrets.USER }}/app')], used, none)[0]!.note).toMatch(/2 images it could be \(alice\/app, bob\/app\)/);
    const owned = ciPlaceholderNames([built('docker.io/${{ secrets.USER }}/app')], used, () => ({ owner: 'bob', from: 'git remote' }))[0]!;
    expect(owned.resolved?.tag).toBe('bob/app');
    expect(owned.note).toMatch(/repository owner bob \(git remote\)/);
    expect(ciPlaceholderNames([built('${{ secrets.USER }}/app')], used, () => ({ owner: 'carol', from: 'git remote' }))[0]!.note).toMatch(/none of them the repository owner carol's/);
  });

  it('registries: a ghcr.io name matches only ghcr.io; an owner placeholder never stands for the image name', () => {
    expect(ciPlaceholderNames([built('ghcr.io/${{ github.repository_owner }}/app')], ['acme/app', 'ghcr.io/acme/app:2'], none)[0]!.resolved?.tag).toBe('ghcr.io/acme/app');
    const own = ciPlaceholderNames([built('${{ secrets.IMAGE }}:latest')], ['acme/app'], none)[0]!;
    expect(own.resolved).toBeUndefined();
    expect(own.note).toMatch(/image's own name/);
    expect(ciPlaceholderNames([built('${{ secrets.U }}/app')], ['postgres:16'], none)[0]!.note).toMatch(/no image the repository runs/);
    // Tags without an expression in the name are none of its business.
    expect(ciPlaceholderNames([built('acme/app:${{ github.sha }}')], ['acme/app'], none)).toEqual([]);
  });

  it('end to end: compose image acme/app runs the Dockerfile build-push-action pushes as ${{ secrets.DOCKERHUB_USERNAME }}/app', async () => {
    const steps = '      - uses: docker/build-push-action@v6\n        with:\n          context: ./app\n          push: true\n          tags: |\n            ${{ secrets.DOCKERHUB_USERNAME }}/app:latest\n            ${{ secrets.DOCKERHUB_USERNAME }}/app:${{ github.ref_name }}\n';
    const tree = { 'app/Dockerfile': APP, '.github/workflows/ci.yml': wf(steps), 'deploy/compose.yaml': 'services:\n  web:\n    image: acme/app:latest\n  db:\n    image: postgres:16\n' };
    const { byService, explain } = await servicesRun(tree);
    expect(byService).toEqual({ web: 'app/Dockerfile', db: null });
    expect(explain.services.find((s: any) => s.name === 'web').buildFrom.kind).toBe('image-tag');
    // Two images of that name, the remote's owner picks one; without a remote, neither.
    const two = { ...tree, 'deploy/compose.yaml': 'services:\n  web:\n    image: acme/app:latest\n  fork:\n    image: someone/app\n' };
    expect((await servicesRun({ ...two, '.git/config': '[remote "origin"]\n\turl = https://github.com/Acme/app.git\n' })).byService).toEqual({ web: 'app/Dockerfile', fork: null });
    expect((await servicesRun(two)).byService).toEqual({ web: null, fork: null });
  });

  it('end to end (ProxiTok #168): a compose image: with no build: runs the Dockerfile pushed as ghcr.io/${{ env.IMAGE_NAME }}, IMAGE_NAME=${GITHUB_REPOSITORY,,} in $GITHUB_ENV', async () => {
    const steps = [
      '      - name: Set some variables for the image',
      '        run: |',
      '          echo "IMAGE_VERSION=${GITHUB_REF_NAME#v}" >> $GITHUB_ENV',
      '          echo "IMAGE_NAME=${GITHUB_REPOSITORY,,}" >> $GITHUB_ENV',
      '      - uses: docker/build-push-action@v2',
      '        with:',
      '          context: .',
      '          push: true',
      '          tags: |',
      '            ghcr.io/${{ env.IMAGE_NAME }}:latest',
      '            ghcr.io/${{ env.IMAGE_NAME }}:${{ env.IMAGE_VERSION }}',
      '',
    ].join('\n');
    const compose = 'services:\n  web:\n    image: ghcr.io/pablouser1/proxitok:latest\n  signer:\n    image: ghcr.io/pablouser1/signtok:master\n';
    const tree = { Dockerfile: 'FROM php:8.1-apache\nCOPY . /var/www/html\n', '.github/workflows/docker-publish.yml': wf(steps, 'env:\n  REGISTRY: ghcr.io\n  IMAGE_NAME: ${{ github.repository }}\n'), 'docker-compose.yml': compose };
    const remote = { '.git/config': '[remote "origin"]\n\turl = https://github.com/pablouser1/ProxiTok.git\n' };
    expect((await servicesRun({ ...tree, ...remote })).byService).toEqual({ web: 'Dockerfile', signer: null });
    // CRLF workflow alike; with no remote the repository is not known, and neither image is taken for it.
    expect((await servicesRun({ ...tree, ...remote, '.github/workflows/docker-publish.yml': tree['.github/workflows/docker-publish.yml'].replace(/\n/g, '\r\n') })).byService).toEqual({ web: 'Dockerfile', signer: null });
    expect((await servicesRun(tree)).byService).toEqual({ web: null, signer: null });
  });

  it('end to end: ${{ github.repository_owner }} in a run step with no remote, and a docker run of the image', async () => {
    const steps = '      - run: |\n          docker build -t ${{ github.repository_owner }}/worker:latest worker\n';
    const tree = { 'worker/Dockerfile': APP, '.github/workflows/ci.yml': wf(steps), 'compose.yml': 'services:\n  worker:\n    image: acme/worker\n' };
    expect((await servicesRun(tree)).byService).toEqual({ worker: 'worker/Dockerfile' });
  });
});

describe('a step whose if: reads the matrix', () => {
  // hedgedoc/container's release workflow, shortened: the main flavor's tags are added for the Debian row only.
  const release = (cond: string) =>
    [
      'on: push',
      'jobs:',
      '  release:',
      '    runs-on: ubuntu-latest',
      '    strategy:',
      '      matrix:',
      '        base: [debian, alpine]',
      '        node: [20, 22]',
      '    env:',
      '      VERSION: 1.11.0',
      '      IMAGE: quay.io/hedgedoc/hedgedoc',
      '    steps:',
      '      - run: echo "TAGS=$IMAGE:${{ env.VERSION }}-${{ matrix.base }}-${{ matrix.node }}" >> $GITHUB_ENV',
      '      - name: Set main flavor tags',
      `        if: ${cond}`,
      '        run: echo "TAGS=$TAGS,$IMAGE:${{ env.VERSION }},$IMAGE:latest" >> $GITHUB_ENV',
      '      - uses: docker/build-push-action@v6',
      '        with:',
      '          context: .',
      '          file: ./${{ matrix.base }}/Dockerfile',
      '          push: true',
      '          tags: ${{ env.TAGS }}',
      '',
    ].join('\n');
  const tagsByFile = async (cond: string) => {
    const { ev, dir } = await evidenceOfTree({ 'debian/Dockerfile': APP, 'alpine/Dockerfile': APP, '.github/workflows/release.yml': release(cond) });
    const out: Record<string, string[]> = {};
    for (const b of ev.builds) out[path.relative(dir, b.dockerfile)] = [...new Set([...(out[path.relative(dir, b.dockerfile)] ?? []), ...b.tags])].sort();
    return out;
  };

  it("runs only for the combinations it holds for: ${{ matrix.base == 'debian' }}, bare, with a number, with &&", async () => {
    const debianOnly = {
      'alpine/Dockerfile': ['quay.io/hedgedoc/hedgedoc:1.11.0-alpine-20', 'quay.io/hedgedoc/hedgedoc:1.11.0-alpine-22'],
      'debian/Dockerfile': ['quay.io/hedgedoc/hedgedoc:1.11.0', 'quay.io/hedgedoc/hedgedoc:1.11.0-debian-20', 'quay.io/hedgedoc/hedgedoc:1.11.0-debian-22', 'quay.io/hedgedoc/hedgedoc:latest'],
    };
    expect(await tagsByFile("${{ matrix.base == 'debian' }}")).toEqual(debianOnly);
    expect(await tagsByFile("matrix.base != 'alpine'")).toEqual(debianOnly);
    const debian22 = await tagsByFile("matrix.base == 'debian' && matrix.node == 22");
    expect(debian22['alpine/Dockerfile']).toEqual(debianOnly['alpine/Dockerfile']);
    expect(debian22['debian/Dockerfile']).toContain('quay.io/hedgedoc/hedgedoc:latest');
  });

  it('may run for every combination when it reads anything else; a key the matrix lacks is empty, as GitHub renders it', async () => {
    for (const cond of ["matrix.base == 'debian' || github.ref == 'refs/heads/main'", "github.repository == 'hedgedoc/container'"]) {
      expect((await tagsByFile(cond))['alpine/Dockerfile'], cond).toContain('quay.io/hedgedoc/hedgedoc:latest');
    }
    const none = await tagsByFile("matrix.flavor == 'debian'");
    expect([...none['alpine/Dockerfile']!, ...none['debian/Dockerfile']!].some((t) => t.endsWith(':latest'))).toBe(false);
  });

  it('end to end: compose running the main tag is judged by the Debian Dockerfile, not left unlinked', async () => {
    const { byService } = await servicesRun({ 'debian/Dockerfile': APP, 'alpine/Dockerfile': APP, '.github/workflows/release.yml': release("${{ matrix.base == 'debian' }}"), 'docker-compose.yml': 'services:\n  app:\n    image: quay.io/hedgedoc/hedgedoc:1.11.0\n' });
    expect(byService).toEqual({ app: 'debian/Dockerfile' });
  });
});
