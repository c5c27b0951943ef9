// What the Python program an image starts writes in fixed paths (src/python-start-writes.ts): FileCodeBox's settings keep
// `data_root = BASE_DIR / "data"`, which its start makes; the entry of a start, and what is and is not followed.
import { describe, it, expect } from 'vitest';
import { pythonEntries } from '../src/python-start-writes.js';
import { hardenTree } from './helpers.js';

describe('pythonEntries', () => {
  it('finds the script or module a start runs', () => {
    expect(pythonEntries(['python', 'main.py'])).toEqual([{ script: 'main.py' }]);
    expect(pythonEntries(['python3', '-u', '-m', 'tool.cli', '--port', '80'])).toEqual([{ module: 'tool.cli', main: true }]);
    expect(pythonEntries(['python', 'app.py', '-m', 'x'])).toEqual([{ script: 'app.py' }]);
    expect(pythonEntries(['gunicorn', '--chdir', '/code', '-w', '2', 'mysite.wsgi:application'])).toEqual([{ module: 'mysite.wsgi', chdir: '/code' }]);
    expect(pythonEntries(['python', '-m', 'uvicorn', 'app.main:app', '--app-dir', 'src'])).toEqual([{ module: 'app.main', chdir: 'src' }]);
    expect(pythonEntries(['sh', '-c', 'alembic upgrade head && exec uvicorn main:app --host 0.0.0.0'])).toEqual([{ module: 'main' }]);
    expect(pythonEntries(['gunicorn', 'app:create_app()'])).toEqual([{ module: 'app' }]);
    // gunicorn's bare module (its `application`), last after the options; not a config file an option names.
    expect(pythonEntries(['gunicorn', '--bind', 'unix:/tmp/t.sock', '--workers', '$W', 'recipes.wsgi'])).toEqual([{ module: 'recipes.wsgi' }]);
    expect(pythonEntries(['gunicorn', '-c', 'gunicorn.conf.py'])).toEqual([]);
    expect(pythonEntries(['gunicorn', '--config', 'conf.settings'])).toEqual([]);
    expect(pythonEntries(['uvicorn', 'main'])).toEqual([]);
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

describe('python programs a start script runs, and the module attributes and settings they read', () => {
  const harden = (files: Record<string, string>, ids = ['dockerfile/non-root-user']) => hardenTree(files, ids);
  const crlf = (files: Record<string, string>) => Object.fromEntries(Object.entries(files).map(([k, v]) => [k, v.replace(/\n/g, '\r\n')]));
  const django: Record<string, string> = {
    Dockerfile: 'FROM python:3.12-slim\nWORKDIR /code\nCOPY . .\nENTRYPOINT ["/code/entrypoint.sh"]\n',
    'entrypoint.sh': '#!/bin/sh\nset -e\npython manage.py migrate --noinput\nexec gunicorn mysite.wsgi:application --bind 0.0.0.0:8000\n',
    'manage.py': 'import os\nimport sys\n\n\ndef main():\n    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\n    from django.core.management import execute_from_command_line\n    execute_from_command_line(sys.argv)\n',
    'mysite/__init__.py': '',
    'mysite/wsgi.py': 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\nfrom django.core.wsgi import get_wsgi_application\napplication = get_wsgi_application()\n',
    'mysite/settings.py':
      'from pathlib import Path\n\nBASE_DIR = Path(__file__).resolve().parent.parent\n\nDATABASES = {\n    "default": {\n        "ENGINE": "django.db.backends.sqlite3",\n        "NAME": BASE_DIR / "db" / "db.sqlite3",\n    },\n    "reports": {\n        "ENGINE": "django.db.backends.postgresql",\n        "NAME": "reports",\n    },\n}\n',
  };

  for (const [shape, files] of [['LF', django], ['CRLF', crlf(django)]] as const) {
    it(`reads the Django settings a shell-started manage.py names: the SQLite database's folder, not a PostgreSQL NAME (${shape})`, async () => {
      const { result, changed } = await harden(files);
      expect(changed.Dockerfile).toMatch(/mkdir -p \/home\/app \/code\/db && chown 1000:1000 \/home\/app \/code\/db\r?\n/);
      expect(changed.Dockerfile).not.toContain('/code/reports');
      const messages = result.engine.findings.map((f) => f.message).join('\n');
      expect(messages).toContain('DATABASES NAME BASE_DIR / "db" / "db.sqlite3", which is /code/db/db.sqlite3 (mysite/settings.py line 8, run by entrypoint.sh line 3)');
    });
  }
  it('takes DJANGO_SETTINGS_MODULE from the image over the setdefault', async () => {
    const { changed } = await harden({
      ...django,
      Dockerfile: 'FROM python:3.12-slim\nENV DJANGO_SETTINGS_MODULE=mysite.production\nWORKDIR /code\nCOPY . .\nENTRYPOINT ["/code/entrypoint.sh"]\n',
      'mysite/production.py': 'import os\nLOGS = "/var/log/mysite"\nos.makedirs(LOGS, exist_ok=True)\n',
    });
    expect(changed.Dockerfile).toContain('mkdir -p /home/app /var/log/mysite && chown 1000:1000 /home/app /var/log/mysite\n');
  });
  it("makes a Flask app factory's instance folder, started from a script after a cd", async () => {
    const { changed } = await harden({
      Dockerfile: 'FROM python:3.12-slim\nCOPY . /srv/app\nCMD ["sh", "/srv/app/start.sh"]\n',
      'start.sh': '#!/bin/sh\ncd /srv/app\nexec gunicorn -w 2 "flaskr:create_app()"\n',
      'flaskr/__init__.py':
        'import os\nfrom flask import Flask\n\n\ndef create_app():\n    app = Flask(__name__, instance_relative_config=True)\n    app.config.from_mapping(DATABASE=os.path.join(app.instance_path, "flaskr.sqlite"))\n    try:\n        os.makedirs(app.instance_path)\n    except OSError:\n        pass\n    return app\n',
    });
    expect(changed.Dockerfile).toContain('mkdir -p /home/app /srv/app/instance && chown 1000:1000 /home/app /srv/app/instance\n');
  });
  it('follows a settings module imported whole (`from app.core import config`, `config.DATA_DIR`) from a uvicorn the script runs', async () => {
    const { changed } = await harden({
      Dockerfile: 'FROM python:3.12-slim\nWORKDIR /api\nCOPY . .\nENTRYPOINT ["./docker-entrypoint.sh"]\n',
      'docker-entrypoint.sh': '#!/bin/bash\nalembic upgrade head\nexec uvicorn app.main:app --host 0.0.0.0\n',
      'app/__init__.py': '',
      'app/core/__init__.py': '',
      'app/core/config.py': 'from pathlib import Path\n\nDATA_DIR = Path("/api/var/data")\nUPLOADS = DATA_DIR / "uploads"\n',
      'app/main.py': 'from fastapi import FastAPI\nfrom app.core import config\nimport app.core.config as cfg\n\nconfig.UPLOADS.mkdir(parents=True, exist_ok=True)\n(cfg.DATA_DIR / "index").write_text("")\napp = FastAPI()\n',
    });
    expect(changed.Dockerfile).toContain('chown 1000:1000 /api/var/data/uploads /home/app /api/var/data');
  });
  it('does not count reads, environment paths, pydantic settings fields or a program run after a cd the environment decides', async () => {
    const { changed } = await harden({
      Dockerfile: 'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nENTRYPOINT ["/app/entrypoint.sh"]\n',
      'entrypoint.sh': '#!/bin/sh\npython reader.py\ncd "$APP_HOME"\nexec python writer.py\n',
      'reader.py':
        'import os\nfrom conf import settings\n\nprint(open(settings.SEED).read())\nos.makedirs(os.environ.get("DATA", "/app/data"), exist_ok=True)\nsettings.STATE.mkdir()\n',
      'conf/__init__.py': '',
      'conf/settings.py': 'from pydantic_settings import BaseSettings\nSEED = "/app/seed.json"\n\n\nclass Settings(BaseSettings):\n    STATE: str = "/app/state"\n\n\nSTATE = Settings().STATE\n',
      'writer.py': 'import os\nos.makedirs("/app/written", exist_ok=True)\n',
    });
    expect(changed.Dockerfile).toContain('mkdir -p /home/app && chown 1000:1000 /home/app\n');
  });
});

describe('python start writes through compose/read-only', () => {
  const files = (settings: string): Record<string, string> => ({
    Dockerfile: 'FROM python:3.12-slim\nRUN useradd -u 1000 app\nWORKDIR /srv\nCOPY app.py .\nUSER app\nCMD ["sh", "-c", "cd /srv && exec python app.py"]\n',
    'app.py': settings,
    'compose.yaml': 'services:\n  api:\n    build: .\n    ports: ["8000:8000"]\n',
  });
  it('gives a tmpfs where the path says scratch (a cache folder the program makes)', async () => {
    const { changed } = await hardenTree(files('import os\nos.makedirs("/var/cache/api", exist_ok=True)\n'), ['compose/read-only']);
    expect(changed['compose.yaml']).toContain('read_only: true');
    expect(changed['compose.yaml']).toMatch(/tmpfs: \[[^\n]*"\/var\/cache\/api[:"]/);
  });
  it('withholds read_only with the volume to mount where the program keeps data (its SQLite database)', async () => {
    const { result, changed } = await hardenTree(files('import sqlite3\nconn = sqlite3.connect("/var/lib/api/app.db")\n'), ['compose/read-only']);
    expect(changed['compose.yaml'] ?? '').not.toContain('read_only');
    const note = result.engine.findings.find((f) => f.transform === 'compose/read-only' && f.message.includes('/var/lib/api'));
    expect(note?.message).toContain('sqlite3.connect("/var/lib/api/app.db"), which is /var/lib/api/app.db (app.py line 2');
    expect(note?.manual).toContain('Mount a named volume at /var/lib/api');
  });
});
