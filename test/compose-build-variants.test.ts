// A compose `image:` tag several Dockerfiles build: checkEachService judges the service once per build and acts only
// where every build gives the same answer (compose-service.ts checkEachBuild).
import { describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { writeTree } from './helpers.js';
import { discover } from '../src/discover.js';
import { loadProject, type ServiceLink } from '../src/model.js';
import { checkEachService } from '../src/compose-service.js';
import type { TransformContext } from '../src/transform.js';
import { DEFAULT_OPTIONS, type Finding } from '../src/types.js';

const TREE = {
  Makefile: 'IMAGE := org/app\nVERSION := $(shell git describe)\nalpine:\n\tdocker build -t $(IMAGE):$(VERSION) -f alpine/Dockerfile .\ndistroless:\n\tdocker build -t $(IMAGE):$(VERSION) -f distroless/Dockerfile .\n',
  'alpine/Dockerfile': 'FROM alpine:3.20\nUSER 65534\nCMD ["/app"]\n',
  'distroless/Dockerfile': 'FROM gcr.io/distroless/static-debian12:nonroot\nCMD ["/app"]\n',
  'compose.yaml': 'services:\n  app:\n    image: org/app:latest\n',
};

async function withProject(f: (ctx: TransformContext) => void): Promise<void> {
  const dir = writeTree(TREE);
  try {
    const found = await discover(['.'], dir, { exclude: [] });
    const project = await loadProject(found.files, dir, found.roots, found.isExcluded, undefined, { evidence: found.evidence });
    f({ project, options: DEFAULT_OPTIONS, enabled: () => true });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const finding = (s: ServiceLink, message: string, fix?: boolean): Finding => ({
  transform: 'compose/test',
  file: s.compose.path,
  range: [0, 1],
  severity: fix ? 'warning' : 'note',
  cis: '5.4',
  message: `service ${s.name}: ${message}`,
  manual: `by hand for ${s.dockerfile?.rel}`,
  ...(fix ? { fix: { edits: [{ file: s.compose.path, range: [0, 0] as [number, number], text: 'x' }] } } : {}),
});

describe('a tag several Dockerfiles build', () => {
  it('links the service to each build, none of them as the service itself', async () => {
    await withProject((ctx) => {
      const s = ctx.project.services[0]!;
      expect(s.build).toBeUndefined();
      expect(s.builtImageAlternatives?.map((b) => b.dockerfile.split('/').slice(-2).join('/'))).toEqual(['alpine/Dockerfile', 'distroless/Dockerfile']);
    });
  });

  it('the same change for every build is made once, saying they agree', async () => {
    await withProject((ctx) => {
      const out = checkEachService(ctx, (_c, s) => finding(s, 'add cap_drop: [ALL]', true));
      expect(out.map((f) => f.message)).toEqual(['service app: add cap_drop: [ALL] (org/app:latest is built by alpine/Dockerfile and distroless/Dockerfile, which agree on this)']);
      expect(out[0]!.fix).toBeDefined();
    });
  });

  it('a change for one build and not the other is not made: each answer is named', async () => {
    await withProject((ctx) => {
      const out = checkEachService(ctx, (_c, s) => (s.dockerfile?.rel === 'alpine/Dockerfile' ? finding(s, 'add cap_drop: [ALL]', true) : finding(s, 'unknown writes')));
      expect(out).toHaveLength(1);
      expect(out[0]!.fix).toBeUndefined();
      expect(out[0]!.message).toBe(
        'service app: org/app:latest is built by alpine/Dockerfile and distroless/Dockerfile, which disagree here (alpine/Dockerfile: add cap_drop: [ALL] | distroless/Dockerfile: unknown writes); the tag holds whichever build pushed last, so nothing changed',
      );
    });
  });

  it('no change for any build, for reasons of its own: said once, with each reason and what to do', async () => {
    await withProject((ctx) => {
      const out = checkEachService(ctx, (_c, s) => finding(s, `blocked in ${s.dockerfile?.rel}`));
      expect(out.map((f) => [f.message, f.manual, f.severity])).toEqual([
        [
          'service app: org/app:latest is built by alpine/Dockerfile and distroless/Dockerfile, and none of them is changed here (alpine/Dockerfile: blocked in alpine/Dockerfile | distroless/Dockerfile: blocked in distroless/Dockerfile)',
          'by hand for alpine/Dockerfile by hand for distroless/Dockerfile',
          'note',
        ],
      ]);
    });
  });
});
