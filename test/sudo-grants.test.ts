// An image whose build grants the user a service runs as sudo without a password (freqtrade's `ftuser ALL=(ALL)
// NOPASSWD: /bin/chown`) gets no no-new-privileges: under the flag sudo refuses to become root (team engine,
// debian:bookworm-slim + sudo 1.9.13p3: `sudo -n /bin/chown root /tmp/f` as ftuser exits 1 with "The "no new privileges"
// flag is set, which prevents sudo from running as root"; without the flag, and as root with it, it works).
import { describe, it, expect } from 'vitest';
import { hardenTree, toCrlf } from './helpers.js';

const SUDO = 'FROM python:3.12-slim\nRUN apt-get update && apt-get -y install sudo\n';
const COMPOSE = 'services:\n  bot:\n    build: .\n';

async function nnp(tree: Record<string, string>, compose = COMPOSE) {
  const { result, changed } = await hardenTree({ 'compose.yaml': compose, ...tree }, ['compose/no-new-privileges']);
  return { finding: result.engine.findings.find((f) => f.transform === 'compose/no-new-privileges')!, compose: changed['compose.yaml'] };
}

describe('sudo grants and no-new-privileges', () => {
  it('freqtrade: a NOPASSWD rule for the USER, echoed into /etc/sudoers in a continued RUN', async () => {
    const { finding, compose } = await nnp({
      Dockerfile:
        `${SUDO}RUN useradd -u 1000 -G sudo -U -m -s /bin/bash ftuser \\\n  # Allow sudoers\n  && echo "ftuser ALL=(ALL) NOPASSWD: /bin/chown" >> /etc/sudoers\nUSER ftuser\nCMD ["python", "-m", "bot"]\n`,
    });
    expect(finding.fix).toBeUndefined();
    expect(finding.message).toContain('lets ftuser run /bin/chown through sudo without a password (RUN at line 3 of Dockerfile: "ftuser ALL=(ALL) NOPASSWD: /bin/chown")');
    expect(finding.message).toContain('not added');
    expect(compose).toBeUndefined();
  });

  it('CRLF, a group rule (%sudo) in /etc/sudoers.d with tee, and the user in that group through usermod; USER by UID', async () => {
    const { finding } = await nnp({
      Dockerfile: toCrlf(
        `${SUDO}RUN useradd -u 1001 -m app && usermod -aG sudo app\nRUN echo '%sudo ALL=(ALL:ALL) NOPASSWD: ALL' | tee /etc/sudoers.d/nopasswd\nUSER 1001\nCMD ["python", "-m", "bot"]\n`,
      ),
    });
    expect(finding.fix).toBeUndefined();
    expect(finding.message).toContain('lets 1001 run ALL through sudo without a password');
  });

  it('a heredoc in a COPY, the user named by a build ARG, and a compose user: that names it', async () => {
    const { finding } = await nnp(
      {
        Dockerfile: `# syntax=docker/dockerfile:1\n${SUDO}ARG USERNAME=dev\nRUN useradd -m "$USERNAME"\nCOPY <<EOF /etc/sudoers.d/dev\n\${USERNAME} ALL=(root) SETENV: NOPASSWD: /usr/bin/apt-get\nEOF\nCMD ["python", "-m", "bot"]\n`,
      },
      'services:\n  bot:\n    build: .\n    user: dev\n',
    );
    expect(finding.fix).toBeUndefined();
    expect(finding.message).toContain('lets dev (its compose user:) run /usr/bin/apt-get through sudo');
    expect(finding.message).toContain('the heredoc of COPY at line');
  });

  it('a grant in the Dockerfile of a parent image built here (multi-stage child FROM its tag)', async () => {
    const { result } = await hardenTree(
      {
        'compose.yaml': 'services:\n  base:\n    image: example/bot-base:1\n    build: ./base\n  bot:\n    build: ./app\n',
        'base/Dockerfile': `${SUDO}RUN useradd -m ftuser && echo "ftuser ALL=(ALL) NOPASSWD: /bin/chown" >> /etc/sudoers\nUSER ftuser\n`,
        'app/Dockerfile': 'FROM example/bot-base:1 AS deps\nRUN pip install --user requests\nFROM deps\nCMD ["python", "-m", "bot"]\n',
      },
      ['compose/no-new-privileges'],
    );
    const bot = result.engine.findings.filter((f) => f.transform === 'compose/no-new-privileges' && f.message.startsWith('service bot:'));
    expect(bot.map((f) => [f.fix, f.message])).toEqual([[undefined, expect.stringContaining('(RUN at line 3 of base/Dockerfile: "ftuser ALL=(ALL) NOPASSWD: /bin/chown")')]]);
  });

  it('a grant for another user, a rule that asks for a password, a root service: no-new-privileges added', async () => {
    for (const [df, compose] of [
      [`${SUDO}RUN useradd -m app && useradd -m ops && echo "ops ALL=(ALL) NOPASSWD: ALL" >> /etc/sudoers\nUSER app\nCMD ["python", "-m", "bot"]\n`, COMPOSE],
      [`${SUDO}RUN useradd -m app && echo "app ALL=(ALL) ALL" >> /etc/sudoers\nUSER app\nCMD ["python", "-m", "bot"]\n`, COMPOSE],
      [`${SUDO}RUN useradd -m app && usermod -aG sudo app\nUSER app\nCMD ["python", "-m", "bot"]\n`, COMPOSE],
      [`${SUDO}RUN useradd -m app && echo "app ALL=(ALL) NOPASSWD: ALL" >> /etc/sudoers\nUSER app\nCMD ["python", "-m", "bot"]\n`, 'services:\n  bot:\n    build: .\n    user: root\n'],
    ] as const) {
      const { finding, compose: out } = await nnp({ Dockerfile: df }, compose);
      expect(finding.fix, df).toBeDefined();
      expect(out).toContain('no-new-privileges:true');
    }
  });

  it('a NOPASSWD rule for ALL users, written by printf with \\n between rules', async () => {
    const { finding } = await nnp({
      Dockerfile: `${SUDO}RUN useradd -m app && printf 'Defaults !requiretty\\nALL ALL=(ALL) NOPASSWD: /usr/sbin/service\\n' > /etc/sudoers.d/all\nUSER app\nCMD ["python", "-m", "bot"]\n`,
    });
    expect(finding.fix).toBeUndefined();
    expect(finding.message).toContain('lets app run /usr/sbin/service through sudo without a password');
  });
});
