// Compose files known by their content (src/compose-content.ts): what compose accepts, nothing else with `services:`.
import { describe, it, expect } from 'vitest';
import { isComposeByContent } from '../src/compose-content.js';

describe('isComposeByContent', () => {
  it('takes a file compose would run: services with an image or a build, compose keys only', () => {
    expect(isComposeByContent('services:\n  caddy:\n    image: caddy:2\n')).toBe(true);
    expect(isComposeByContent('name: app\nservices:\n  app:\n    build: .\n  db:\n    extends: { file: common.yml, service: db }\n')).toBe(true);
    expect(isComposeByContent('version: "3.8"\nx-common: &c\n  restart: always\nservices:\n  app:\n    <<: *c\n    build:\n      context: .\n')).toBe(true);
  });

  it('leaves out YAML that has a services key but is not compose', () => {
    // Helm values and other tools' settings: keys no compose service has.
    expect(isComposeByContent('services:\n  web:\n    image: nginx\n    replicas: 2\n')).toBe(false);
    // An image as a mapping (Helm's image.repository).
    expect(isComposeByContent('services:\n  web:\n    image:\n      repository: nginx\n')).toBe(false);
    // Lando, OpenAPI, Woodpecker: top-level keys compose refuses.
    expect(isComposeByContent('name: app\nrecipe: lamp\nservices:\n  appserver:\n    image: php\n')).toBe(false);
    expect(isComposeByContent('openapi: 3.0.0\nservices:\n  web:\n    image: nginx\n')).toBe(false);
    expect(isComposeByContent('steps:\n  test:\n    image: golang\nservices:\n  db:\n    image: postgres\n')).toBe(false);
    // GitLab/Travis: a list of services.
    expect(isComposeByContent('services:\n  - docker:dind\n')).toBe(false);
    // Kubernetes: several documents, and apiVersion/kind.
    expect(isComposeByContent('apiVersion: v1\nkind: Service\n---\nservices:\n  a:\n    image: x\n')).toBe(false);
    // Traefik's dynamic configuration: services under http.
    expect(isComposeByContent('http:\n  services:\n    app:\n      loadBalancer: {}\n')).toBe(false);
  });

  it('leaves out an override snippet whose services run nothing, and broken YAML', () => {
    expect(isComposeByContent('services:\n  app:\n    environment: [DEBUG=1]\n')).toBe(false);
    // A partial service beside a complete one: an override of a file defined elsewhere.
    expect(isComposeByContent('services:\n  server:\n    depends_on: [db]\n  db:\n    image: postgres:16\n')).toBe(false);
    expect(isComposeByContent('services:\n  app: [\n')).toBe(false);
    expect(isComposeByContent('services: {}\n')).toBe(false);
  });
});
