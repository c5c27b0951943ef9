// A Jupyter server on a read-only root: it writes its runtime files (server info, cookie secret, kernel connection files)
// in ~/.local/share/jupyter/runtime at start, so compose/read-only points JUPYTER_RUNTIME_DIR under /tmp (team engine:
// Debian's jupyter-notebook as UID 1000 exits 1 at start without it, "Read-only file system: '/home/app/.local'", and
// serves and starts kernels with it).
import { describe, it, expect } from 'vitest';
import { hardenTree, toCrlf } from './helpers.js';

const DF = 'FROM python:3.12-slim\nRUN useradd -u 1000 -m ftuser\nUSER ftuser\nRUN pip install --user jupyterlab\nWORKDIR /freqtrade\nCOPY --chown=ftuser:ftuser . /freqtrade/\n';

async function readOnly(tree: Record<string, string>) {
  const { result, changed } = await hardenTree(tree, ['compose/read-only']);
  return { finding: result.engine.findings.find((f) => f.transform === 'compose/read-only')!, compose: changed['compose.yaml'] ?? changed['docker/docker-compose-jupyter.yml'] };
}

describe('Jupyter on a read-only root', () => {
  it("freqtrade's jupyter compose: a folded compose command `jupyter lab`, build context above the file", async () => {
    const { finding, compose } = await readOnly({
      'docker/Dockerfile.jupyter': `${DF}ENTRYPOINT []\n`,
      'docker/docker-compose-jupyter.yml':
        '---\nservices:\n  ft_jupyterlab:\n    build:\n      context: ..\n      dockerfile: docker/Dockerfile.jupyter\n    ports:\n      - "127.0.0.1:8888:8888"\n    volumes:\n      - "../user_data:/freqtrade/user_data"\n    command: >\n      jupyter lab --port=8888 --ip 0.0.0.0 --allow-root\n',
    });
    expect(finding.fix).toBeDefined();
    expect(finding.message).toContain('JUPYTER_RUNTIME_DIR=/tmp/jupyter-runtime in its environment (its start runs jupyter lab, which writes its server and kernel connection files in /home/ftuser/.local/share/jupyter/runtime');
    expect(compose).toContain('environment: [JUPYTER_RUNTIME_DIR=/tmp/jupyter-runtime]');
    expect(compose).toContain('read_only: true');
  });

  it('CRLF, an exec-form CMD `jupyter-notebook` in the Dockerfile, an environment map already there (merged into it)', async () => {
    const { compose } = await readOnly({
      Dockerfile: toCrlf(`${DF}CMD ["jupyter-notebook", "--ip=0.0.0.0"]\n`),
      'compose.yaml': toCrlf('services:\n  nb:\n    build: .\n    environment:\n      TZ: UTC\n'),
    });
    expect(compose).toMatch(/TZ: UTC\r\n\s+JUPYTER_RUNTIME_DIR: "\/tmp\/jupyter-runtime"\r\n/);
  });

  it('a start script that runs python -m jupyterlab', async () => {
    const { finding } = await readOnly({
      Dockerfile: `${DF}COPY start.sh /start.sh\nCMD ["sh", "/start.sh"]\n`,
      'start.sh': '#!/bin/sh\nset -e\nexec python -m jupyterlab --ip=0.0.0.0 --no-browser\n',
      'compose.yaml': 'services:\n  nb:\n    build: .\n',
    });
    expect(finding.message).toContain('its start runs python -m jupyterlab');
  });

  it('nothing added where JUPYTER_RUNTIME_DIR is set, where a volume covers the data folder, or where no Jupyter server runs', async () => {
    for (const [df, compose] of [
      [`${DF}ENV JUPYTER_RUNTIME_DIR=/tmp/rt\nCMD ["jupyter", "lab"]\n`, 'services:\n  nb:\n    build: .\n'],
      [`${DF}CMD ["jupyter", "lab"]\n`, 'services:\n  nb:\n    build: .\n    volumes:\n      - jupyter:/home/ftuser/.local/share/jupyter\nvolumes:\n  jupyter:\n'],
      [`${DF}CMD ["jupyter", "nbconvert", "--to", "html", "x.ipynb"]\n`, 'services:\n  nb:\n    build: .\n'],
    ] as const) {
      const { finding } = await readOnly({ Dockerfile: df, 'compose.yaml': compose });
      expect(finding.message, df + compose).not.toContain('JUPYTER_RUNTIME_DIR=/tmp/jupyter-runtime');
    }
  });
});
