// What the Python program an image starts writes in fixed paths (src/python-start-writes.ts): FileCodeBox's settings keep
// `data_root = BASE_DIR / "data"`, which its start makes; the entry of a start, and what is and is not followed.
import { describe, it, expect } from 'vitest';
import { pythonEntries } from '../src/python-start-writes.js';
import { hardenTree } from './helpers.js';

describe('pythonEntries', () => {
  it('finds the script or module a start runs', () => {
    expect(pythonEntries(['python', 'main.py'])).toEqual([{ script: 'main.py' }]);
    expect(pythonEntries(['python3', '-u', '-m', 'tool.cli', '--port', '80'])).toEqual([{ module: 'tool.cli' }]);
    expect(pythonEntries(['python', 'app.py', '-m', 'x'])).toEqual([{ script: 'app.py' }]);
    expect(pythonEntries(['gunicorn', '--chdir', '/code', '-w', '2', 'mysite.wsgi:application'])).toEqual([{ module: 'mysite.wsgi', chdir: '/code' }]);
    expect(pythonEntries(['python', '-m', 'uvicorn', 'app.main:app', '--app-dir', 'src'])).toEqual([{ module: 'app.main', chdir: 'src' }]);
    expect(pythonEntries(['sh', '-c', 'alembic upgrade head && exec uvicorn main:app --host 0.0.0.0'])).toEqual([{ module: 'main' }]);
    expect(pythonEntries(['gunicorn', 'app:create_app()'])).toEqual([{ module: 'app' }]);
  });
  it('follows nothing run time decides', () => {
    expect(pythonEntries(['python', '$APP'])).toEqual([]);
    expect(pythonEntries(['python', '-c', 'import app; app.run()'])).toEqual([]);
    expect(pythonEntries(['python', '-m', '$MODULE'])).toEqual([]);
    expect(pythonEntries(['gunicorn', '--chdir', '$DIR', 'app:app'])).toEqual([]);
    expect(pythonEntries(['node', 'server.js'])).toEqual([]);
  });
});

describe('python start writes through non-root-user', () => {
  const dockerfile = 'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCMD ["python", "run.py"]\n';
  const harden = (files: Record<string, string>) => hardenTree({ Dockerfile: dockerfile, ...files }, ['dockerfile/non-root-user']);

  it('chowns what a module imported from the start writes, through a name imported from it', async () => {
    const { changed } = await harden({
      'run.py': 'from conf import DB\nimport sqlite3\n\nconn = sqlite3.connect(DB)\n',
      'conf.py': 'import os\nHERE = os.path.dirname(os.path.abspath(__file__))\nDB = os.path.join(HERE, "state", "app.db")\n',
    });
    // The database file's folder: SQLite writes its journal beside it.
    expect(changed.Dockerfile).toContain('mkdir -p /home/app /app/state && chown 1000:1000 /home/app /app/state');
  });
  it('does not count a name bound twice, an environment path or a relative write target the program reads', async () => {
    const { changed } = await harden({
      'run.py': 'import os, shutil\nOUT = "out"\nif os.getenv("X"):\n    OUT = "/var/other"\nos.makedirs(OUT)\nshutil.copy("seed.db", os.environ.get("DB_PATH", "/app/db.sqlite"))\nprint(open("data.json").read())\n',
    });
    expect(changed.Dockerfile).toContain('mkdir -p /home/app && chown 1000:1000 /home/app\n');
  });
  it('counts shutil.copy targets and os.chmod of a fixed path', async () => {
    const { changed } = await harden({
      'run.py': 'import os, shutil\nfrom pathlib import Path\nBIN = Path(__file__).parent / "bin" / "mkbrr"\nshutil.copy("/tmp/mkbrr", BIN)\nos.chmod(BIN, 0o700)\n',
    });
    expect(changed.Dockerfile).toMatch(/chown 1000:1000 [^\n]*\/app\/bin\/mkbrr/);
  });
  it('reads writes inside blocks and methods, as a settings module guarded by an exists() check makes its folder', async () => {
    const { result, changed } = await harden({
      'run.py': 'from conf.settings import settings\n\nprint(settings)\n',
      'conf/__init__.py': '',
      'conf/settings.py':
        "from pathlib import Path\n\nROOT = Path(__file__).resolve().parent.parent\nstore = ROOT / 'store'\nif not store.exists():\n    store.mkdir(parents=True, exist_ok=True)\nstate_file = store / 'state.env'\n\n\nclass Settings:\n    def save(self):\n        with open(state_file, 'w', encoding='utf-8') as f:\n            f.write('x')\n\n\nsettings = Settings()\n",
    });
    expect(changed.Dockerfile).toContain('mkdir -p /app/store /home/app && chown 1000:1000 /app/store /home/app');
    const messages = result.engine.findings.map((f) => f.message).join('\n');
    expect(messages).toContain('store.mkdir(), which is /app/store (conf/settings.py line 6, run by CMD at line 4)');
  });
});
