import { describe, expect, it } from 'vitest';
import { formatImageRef, parseImageRef, type ImageRef } from '../src/parse/image-ref.js';

const SHA = 'sha256:' + 'a'.repeat(64);

type Expect = Partial<Omit<ImageRef, 'raw'>>;

// [reference as written, expected parts]. Unlisted optional parts must be absent.
const CASES: [string, Expect][] = [
  ['nginx', { path: 'nginx', name: 'nginx', hasVariables: false }],
  ['nginx:1.27-alpine', { path: 'nginx', name: 'nginx', tag: '1.27-alpine' }],
  ['library/nginx:latest', { path: 'library/nginx', name: 'nginx', tag: 'latest' }],
  ['docker.io/library/nginx:1.27', { registry: 'docker.io', path: 'library/nginx', name: 'nginx', tag: '1.27' }],
  ['docker.io/nginx', { registry: 'docker.io', path: 'nginx', name: 'nginx' }],
  ['index.docker.io/library/redis:7', { registry: 'index.docker.io', path: 'library/redis', name: 'redis', tag: '7' }],
  ['Docker.IO/Library/Nginx', { registry: 'Docker.IO', path: 'Library/Nginx', name: 'nginx' }],
  ['nginxinc/nginx-unprivileged:1.27-alpine', { path: 'nginxinc/nginx-unprivileged', name: 'nginxinc/nginx-unprivileged', tag: '1.27-alpine' }],
  ['docker.io/bitnami/redis:7.2', { registry: 'docker.io', path: 'bitnami/redis', name: 'bitnami/redis', tag: '7.2' }],
  ['mycorp/app', { path: 'mycorp/app', name: 'mycorp/app' }],
  // The official images built for one architecture live under that architecture's organisation: the same image.
  ['arm32v7/node:12-alpine', { path: 'arm32v7/node', name: 'node', tag: '12-alpine' }],
  ['docker.io/arm64v8/postgres:16', { registry: 'docker.io', path: 'arm64v8/postgres', name: 'postgres', tag: '16' }],
  // Not the Windows organisation: its images are not the Linux ones the table describes.
  ['winamd64/python:3.12', { path: 'winamd64/python', name: 'winamd64/python', tag: '3.12' }],
  // Only on Docker Hub: another registry's arm64v8/ is somebody's own.
  ['ghcr.io/arm64v8/node:20', { registry: 'ghcr.io', path: 'arm64v8/node', name: 'ghcr.io/arm64v8/node', tag: '20' }],
  // The case dockerfile-ast gets wrong: port, tag and digest together.
  [`registry:5000/img:tag@${SHA}`, { registry: 'registry:5000', path: 'img', name: 'img', tag: 'tag', digest: SHA }],
  ['registry:5000/img', { registry: 'registry:5000', path: 'img', name: 'img' }],
  ['registry:5000/library/node:20', { registry: 'registry:5000', path: 'library/node', name: 'node', tag: '20' }],
  ['registry:5000/node', { registry: 'registry:5000', path: 'node', name: 'node' }],
  // A private path with an owner is not assumed to mirror Docker Hub.
  ['registry:5000/nginxinc/nginx-unprivileged:stable', { registry: 'registry:5000', name: 'registry:5000/nginxinc/nginx-unprivileged', tag: 'stable' }],
  ['localhost:5000/myteam/app:1.0', { registry: 'localhost:5000', path: 'myteam/app', name: 'localhost:5000/myteam/app', tag: '1.0' }],
  ['localhost/app', { registry: 'localhost', path: 'app', name: 'app' }],
  // Without a slash, `localhost:5000` is an image called localhost with tag 5000.
  ['localhost:5000', { path: 'localhost', name: 'localhost', tag: '5000' }],
  ['harbor.corp.example/dockerhub-proxy/library/postgres:16', { registry: 'harbor.corp.example', name: 'postgres', tag: '16' }],
  [
    '123456789012.dkr.ecr.us-east-1.amazonaws.com/docker-hub/library/python:3.12-slim',
    { registry: '123456789012.dkr.ecr.us-east-1.amazonaws.com', path: 'docker-hub/library/python', name: 'python', tag: '3.12-slim' },
  ],
  ['myregistry.azurecr.io/mycorp/app:2', { registry: 'myregistry.azurecr.io', name: 'myregistry.azurecr.io/mycorp/app', tag: '2' }],
  ['public.ecr.aws/docker/library/node:20-alpine', { registry: 'public.ecr.aws', path: 'docker/library/node', name: 'node', tag: '20-alpine' }],
  ['public.ecr.aws/nginx/nginx-unprivileged:stable', { registry: 'public.ecr.aws', name: 'public.ecr.aws/nginx/nginx-unprivileged', tag: 'stable' }],
  ['mirror.gcr.io/library/redis:7', { registry: 'mirror.gcr.io', path: 'library/redis', name: 'redis', tag: '7' }],
  ['mirror.gcr.io/nginxinc/nginx-unprivileged:stable', { registry: 'mirror.gcr.io', name: 'nginxinc/nginx-unprivileged', tag: 'stable' }],
  ['gcr.io/distroless/static-debian12:nonroot', { registry: 'gcr.io', path: 'distroless/static-debian12', name: 'gcr.io/distroless/static-debian12', tag: 'nonroot' }],
  ['GCR.IO/distroless/base-debian12', { registry: 'GCR.IO', path: 'distroless/base-debian12', name: 'gcr.io/distroless/base-debian12' }],
  ['cgr.dev/chainguard/node:latest-dev', { registry: 'cgr.dev', name: 'cgr.dev/chainguard/node', tag: 'latest-dev' }],
  ['mcr.microsoft.com/dotnet/aspnet:8.0-alpine', { registry: 'mcr.microsoft.com', path: 'dotnet/aspnet', name: 'mcr.microsoft.com/dotnet/aspnet', tag: '8.0-alpine' }],
  ['registry.access.redhat.com/ubi9/ubi-minimal:9.4', { registry: 'registry.access.redhat.com', name: 'registry.access.redhat.com/ubi9/ubi-minimal', tag: '9.4' }],
  // Public registries keep one-component paths: ubi9 is Red Hat's, not an official Hub image.
  ['registry.access.redhat.com/ubi9', { registry: 'registry.access.redhat.com', path: 'ubi9', name: 'registry.access.redhat.com/ubi9' }],
  ['ghcr.io/owner/repo/sub:v1', { registry: 'ghcr.io', path: 'owner/repo/sub', name: 'ghcr.io/owner/repo/sub', tag: 'v1' }],
  ['quay.io/centos/centos:stream9', { registry: 'quay.io', name: 'quay.io/centos/centos', tag: 'stream9' }],
  [`node@${SHA}`, { path: 'node', name: 'node', digest: SHA }],
  [`node:20@${SHA}`, { path: 'node', name: 'node', tag: '20', digest: SHA }],
  [`docker.io/library/node:20-alpine@${SHA}`, { registry: 'docker.io', name: 'node', tag: '20-alpine', digest: SHA }],
  ['${BASE}', { path: '${BASE}', name: '${base}', hasVariables: true }],
  ['${BASE_IMAGE}:${TAG}', { path: '${BASE_IMAGE}', tag: '${TAG}', hasVariables: true }],
  ['node:${NODE_VERSION}-alpine', { path: 'node', name: 'node', tag: '${NODE_VERSION}-alpine', hasVariables: true }],
  // The `:` inside `${TAG:-20}` is not the tag separator.
  ['node:${TAG:-20}', { path: 'node', name: 'node', tag: '${TAG:-20}', hasVariables: true }],
  ['${IMAGE:-node:20}', { path: '${IMAGE:-node:20}', hasVariables: true }],
  ['${REGISTRY}/library/node:20', { registry: '${REGISTRY}', path: 'library/node', tag: '20', hasVariables: true }],
  ['$REGISTRY/app:1', { registry: '$REGISTRY', path: 'app', tag: '1', hasVariables: true }],
  [`node@\${NODE_DIGEST}`, { path: 'node', name: 'node', digest: '${NODE_DIGEST}', hasVariables: true }],
  ['scratch', { path: 'scratch', name: 'scratch', hasVariables: false }],
];

describe('parseImageRef', () => {
  it.each(CASES)('%s', (raw, want) => {
    const ref = parseImageRef(raw);
    expect(ref.raw).toBe(raw);
    for (const key of ['registry', 'tag', 'digest'] as const) {
      if (!(key in want)) expect(ref[key], key).toBeUndefined();
    }
    expect(ref).toMatchObject(want);
    expect(ref.hasVariables).toBe(raw.includes('$'));
  });

  it.each(CASES)('formatImageRef round-trips %s', (raw) => {
    expect(formatImageRef(parseImageRef(raw))).toBe(raw);
  });

  it('has at least 30 reference cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
  });

  it('takes the reference after --platform, not the flag', () => {
    const ref = parseImageRef('--platform=linux/amd64 node:20-alpine');
    expect(ref).toMatchObject({ raw: 'node:20-alpine', path: 'node', name: 'node', tag: '20-alpine' });
    expect(ref.registry).toBeUndefined();
    expect(parseImageRef('--platform=$BUILDPLATFORM golang:1.23 AS build')).toMatchObject({
      raw: 'golang:1.23',
      name: 'golang',
      tag: '1.23',
      hasVariables: false,
    });
  });

  it('trims surrounding whitespace', () => {
    expect(parseImageRef('  redis:7 \n')).toMatchObject({ raw: 'redis:7', name: 'redis', tag: '7' });
  });

  it('keeps the tag case as written but lower-cases the name', () => {
    expect(parseImageRef('MyRegistry.local:5000/Team/App:V1')).toMatchObject({
      registry: 'MyRegistry.local:5000',
      path: 'Team/App',
      name: 'myregistry.local:5000/team/app',
      tag: 'V1',
    });
  });
});

describe('formatImageRef', () => {
  it('writes a swapped image with the tag carried over', () => {
    const old = parseImageRef('nginx:1.27-alpine');
    expect(formatImageRef({ path: 'nginxinc/nginx-unprivileged', tag: old.tag })).toBe('nginxinc/nginx-unprivileged:1.27-alpine');
  });

  it('writes registry, tag and digest in order', () => {
    expect(formatImageRef({ registry: 'registry:5000', path: 'img', tag: 't', digest: SHA })).toBe(`registry:5000/img:t@${SHA}`);
    expect(formatImageRef({ path: 'img', digest: SHA })).toBe(`img@${SHA}`);
    expect(formatImageRef({ path: 'scratch' })).toBe('scratch');
  });

  it('omits an empty registry', () => {
    expect(formatImageRef({ registry: '', path: 'node', tag: '22' })).toBe('node:22');
  });
});
