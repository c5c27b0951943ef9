// A root start whose root daemons' needs under cap_drop ALL were measured (src/start-scripts.ts ROOT_DAEMON_CAPS:
// Debian's exim4) gets cap_drop: [ALL] with those given back; any other root daemon beside it, or a compose
// command of its own, leaves the service reported as before.
import { describe, it, expect } from 'vitest';
import { hardenTree, toCrlf } from './helpers.js';

const EXIM = 'FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends exim4-daemon-light\n';
const EXIM_CAPS = 'CHOWN, DAC_OVERRIDE, FOWNER, SETGID, SETUID';

async function capDrop(tree: Record<string, string>, compose = 'services:\n  mail:\n    build: .\n') {
  const { result, changed } = await hardenTree({ 'compose.yaml': compose, ...tree }, ['compose/cap-drop']);
  return { finding: result.engine.findings.find((f) => f.transform === 'compose/cap-drop')!, compose: changed['compose.yaml'] };
}

describe('root daemons with measured capabilities', () => {
  it('exim4 started by an entrypoint script as root', async () => {
    const { finding, compose } = await capDrop({
      Dockerfile: `${EXIM}COPY entrypoint.sh /entrypoint.sh\nENTRYPOINT ["sh", "/entrypoint.sh"]\n`,
      'entrypoint.sh': '#!/bin/sh\nset -e\nupdate-exim4.conf\nexec exim4 -bdf -q30m\n',
    });
    expect(finding.message).toContain(`give back ${EXIM_CAPS}`);
    expect(compose).toContain('cap_drop: [ALL]');
    expect(compose).toMatch(/cap_add: \[CHOWN, DAC_OVERRIDE, FOWNER, SETGID, SETUID\]/);
  });

  it('exim4 as the exec-form CMD, CRLF', async () => {
    const { finding } = await capDrop({ Dockerfile: toCrlf(`${EXIM}CMD ["exim4", "-bdf", "-q30m"]\n`) });
    expect(finding.message).toContain(`give back ${EXIM_CAPS}`);
  });

  it('a chown in the start before it adds nothing beyond those', async () => {
    const { finding } = await capDrop({
      Dockerfile: `${EXIM}COPY start.sh /start.sh\nCMD ["/start.sh"]\n`,
      'start.sh': '#!/bin/sh\nchown -R Debian-exim /var/spool/exim4\nexec /usr/sbin/exim4 -bdf -q30m\n',
    });
    expect(finding.message).toContain(`give back ${EXIM_CAPS}`);
  });

  it('exim4 beside a root daemon whose needs are not known (sshd): reported', async () => {
    const { finding, compose } = await capDrop({
      Dockerfile: `${EXIM}COPY start.sh /start.sh\nCMD ["/start.sh"]\n`,
      'start.sh': '#!/bin/sh\n/usr/sbin/sshd\nexec exim4 -bdf -q30m\n',
    });
    expect(finding.message).toContain('runs as root');
    expect(compose).toBeUndefined();
  });

  it('a start that installs packages before it: reported', async () => {
    const { finding } = await capDrop({
      Dockerfile: `${EXIM}COPY start.sh /start.sh\nCMD ["/start.sh"]\n`,
      'start.sh': '#!/bin/sh\napt-get install -y $EXTRA_PACKAGES\nexec exim4 -bdf -q30m\n',
    });
    expect(finding.message).toContain('runs as root');
  });

  it('a compose command that runs something else: reported', async () => {
    const { finding } = await capDrop({ Dockerfile: `${EXIM}CMD ["exim4", "-bdf", "-q30m"]\n` }, 'services:\n  mail:\n    build: .\n    command: ["/usr/local/bin/other"]\n');
    expect(finding.message).toContain('runs as root');
  });
});
