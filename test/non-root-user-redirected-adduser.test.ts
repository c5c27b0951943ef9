// dockerfile/non-root-user on eclipse/mosquitto's docker/2.0/Dockerfile shape: the user is made by
// `addgroup -S -g 1883 mosquitto 2>/dev/null && adduser -S -u 1883 … -g mosquitto mosquitto 2>/dev/null` in one long
// RUN. On main the redirections were read as a second name, so the user was "not created here" and USER went in by
// name with a note that the Dockerfile gives no UID; now USER 1883:1883, the UID the image's README states.
import { describe, it, expect } from 'vitest';
import { hardenTree, toCrlf } from './helpers.js';

const dockerfile = [
  'FROM alpine:3.20',
  '',
  'RUN set -x && \\',
  '    apk --no-cache add --virtual build-deps build-base && \\',
  '    # the user and group the broker drops to',
  '    addgroup -S -g 1883 mosquitto 2>/dev/null && \\',
  '    adduser -S -u 1883 -D -H -h /var/empty -s /sbin/nologin -G mosquitto -g mosquitto mosquitto 2>/dev/null && \\',
  '    mkdir -p /mosquitto/config /mosquitto/data /mosquitto/log && \\',
  '    chown -R mosquitto:mosquitto /mosquitto',
  '',
  'VOLUME ["/mosquitto/data", "/mosquitto/log"]',
  'COPY docker-entrypoint.sh /',
  'EXPOSE 1883',
  'ENTRYPOINT ["/docker-entrypoint.sh"]',
  'CMD ["/usr/sbin/mosquitto", "-c", "/mosquitto/config/mosquitto.conf"]',
  '',
].join('\n');

const entrypoint = '#!/bin/ash\nset -e\n\nuser="$(id -u)"\nif [ "$user" = \'0\' ]; then\n\t[ -d "/mosquitto" ] && chown -R mosquitto:mosquitto /mosquitto || true\nfi\n\nexec "$@"\n';

describe('dockerfile/non-root-user: a user made with its output redirected', () => {
  for (const [shape, text] of [
    ['LF', dockerfile],
    ['CRLF', toCrlf(dockerfile)],
  ] as const) {
    it(`switches to USER 1883:1883, the UID the Dockerfile gives (${shape})`, async () => {
      const { result, changed } = await hardenTree({ 'docker/2.0/Dockerfile': text, 'docker/2.0/docker-entrypoint.sh': entrypoint }, ['dockerfile/non-root-user']);
      const f = result.engine.findings.find((x) => x.transform === 'dockerfile/non-root-user')!;
      expect(f.message).toContain('switch to the existing user mosquitto, USER 1883:1883');
      expect(f.message).toContain('the Dockerfile creates it');
      expect(f.message).not.toContain('not created here');
      expect(changed['docker/2.0/Dockerfile']).toMatch(/USER 1883:1883\r?\nENTRYPOINT/);
    });
  }
});
