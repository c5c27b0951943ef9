import { describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { frameworkStartWrites, StartFolder, unwrap, type ReadContainerFile } from '../src/framework-starts.js';

/** A container file system from a map of container paths to texts. */
function files(map: Record<string, string>): ReadContainerFile {
  return (p) => (p in map ? { text: map[p]!, hostPath: `/host${p}` } : undefined);
}

const MANAGE = "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'proj.settings')\n";

function staticRoot(settings: string, vars: [string, string][] = [], extra: Record<string, string> = {}): string[] {
  const read = files({ '/app/manage.py': MANAGE, '/app/proj/settings.py': settings, ...extra });
  return frameworkStartWrites([{ text: 'python manage.py collectstatic --noinput', where: 'CMD' }], '/app', new Map(vars), read).map((w) => w.path);
}

describe('frameworkStartWrites: Django STATIC_ROOT', () => {
  it('reads the path expressions settings modules use', () => {
    expect(staticRoot("from pathlib import Path\nBASE_DIR = Path(__file__).resolve().parent.parent\nSTATIC_ROOT = BASE_DIR / 'staticfiles'\n")).toEqual(['/app/staticfiles']);
    expect(staticRoot("import os\nBASE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))\nSTATIC_ROOT = os.path.join(BASE_DIR, 'static')\n")).toEqual(['/app/static']);
    expect(staticRoot('from pathlib import Path\nROOT = Path(__file__).resolve(strict=True).parents[1]\nSTATIC_ROOT = str(ROOT / "collected")\n')).toEqual(['/app/collected']);
    expect(staticRoot('import environ\nROOT_DIR = environ.Path(__file__) - 2\nSTATIC_ROOT = str(ROOT_DIR("staticfiles"))\n')).toEqual(['/app/staticfiles']);
    expect(staticRoot("STATIC_ROOT = '/var/www/static'\n")).toEqual(['/var/www/static']);
  });

  it('takes an env-driven setting from the environment, else its default', () => {
    const settings = "import os\nBASE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))\nSTATIC_ROOT = os.getenv('STATIC_ROOT', os.path.join(BASE_DIR, 'staticfiles'))\n";
    expect(staticRoot(settings)).toEqual(['/app/staticfiles']);
    expect(staticRoot(settings, [['STATIC_ROOT', '/srv/static']])).toEqual(['/srv/static']);
    expect(staticRoot("import environ\nenv = environ.Env()\nSTATIC_ROOT = env.str('STATIC_ROOT', default='/data/static')\n")).toEqual(['/data/static']);
    expect(staticRoot("import os\nSTATIC_ROOT = os.environ['STATIC_ROOT']\n", [['STATIC_ROOT', '/x/static']])).toEqual(['/x/static']);
  });

  it('reads one settings text once per run but evaluates it for each image: its own folder and environment', () => {
    // The statements of a settings text are kept for the run by the text; where the file sits and what the environment
    // says are not part of them.
    const settings = "import os\nBASE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))\nSTATIC_ROOT = os.getenv('STATIC_ROOT', os.path.join(BASE_DIR, 'static'))\n";
    expect(staticRoot(settings)).toEqual(['/app/static']);
    expect(staticRoot(settings, [['STATIC_ROOT', '/srv/static']])).toEqual(['/srv/static']);
    const read = files({ '/srv/site/manage.py': MANAGE, '/srv/site/proj/settings.py': settings });
    expect(frameworkStartWrites([{ text: 'python manage.py collectstatic --noinput', where: 'CMD' }], '/srv/site', new Map(), read).map((w) => w.path)).toEqual(['/srv/site/static']);
  });

  it('follows a star import and DJANGO_SETTINGS_MODULE over the default of manage.py', () => {
    const extra = { '/app/proj/prod.py': 'from .base import *\nDEBUG = False\n', '/app/proj/base.py': "from pathlib import Path\nBASE_DIR = Path(__file__).resolve().parent.parent\nSTATIC_ROOT = BASE_DIR / 'public'\n" };
    expect(staticRoot("STATIC_ROOT = '/nowhere'\n", [['DJANGO_SETTINGS_MODULE', 'proj.prod']], extra)).toEqual(['/app/public']);
  });

  it('gives no write for what it cannot evaluate (an f-string, an unknown call, a setting left unset)', () => {
    expect(staticRoot("import os\nSTATIC_ROOT = f'{os.getcwd()}/static'\n")).toEqual([]);
    expect(staticRoot('STATIC_ROOT = compute_root()\n')).toEqual([]);
    expect(staticRoot("STATIC_URL = '/static/'\n")).toEqual([]);
    // A later assignment it cannot read drops the earlier value: what the module ends with is not known.
    expect(staticRoot("STATIC_ROOT = '/a'\nSTATIC_ROOT = helper()\n")).toEqual([]);
  });

  it('is not a collectstatic at start when the start runs another command', () => {
    const read = files({ '/app/manage.py': MANAGE, '/app/proj/settings.py': "STATIC_ROOT = '/app/static'\n" });
    expect(frameworkStartWrites([{ text: 'python manage.py migrate && gunicorn proj.wsgi', where: 'CMD' }], '/app', new Map(), read)).toEqual([]);
  });
});

describe('frameworkStartWrites: Django MEDIA_ROOT', () => {
  it('is written where the models store files', () => {
    // MEDIA_ROOT's uploads need a project folder on the host to look for FileField in: without one there is no write.
    const read = files({ '/app/manage.py': MANAGE, '/app/proj/settings.py': "MEDIA_ROOT = '/app/media'\n" });
    expect(frameworkStartWrites([{ text: 'gunicorn proj.wsgi:application', where: 'CMD' }], '/app', new Map(), read)).toEqual([]);
  });
});

describe('frameworkStartWrites: Django MEDIA_ROOT from the models', () => {
  /** A project on disk (manage.py's folder is walked for model fields) with `code` in app/models.py. */
  function media(code: string, settings = "MEDIA_ROOT = '/app/media'\n"): string[] {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dh-media-'));
    try {
      mkdirSync(path.join(dir, 'app'));
      writeFileSync(path.join(dir, 'manage.py'), MANAGE);
      writeFileSync(path.join(dir, 'app', 'models.py'), code);
      const read: ReadContainerFile = (p) => {
        if (p === '/app/manage.py') return { text: MANAGE, hostPath: path.join(dir, 'manage.py') };
        if (p === '/app/proj/settings.py') return { text: settings, hostPath: path.join(dir, 'proj', 'settings.py') };
        return undefined;
      };
      return frameworkStartWrites([{ text: 'gunicorn proj.wsgi', where: 'CMD' }], '/app', new Map(), read).map((w) => w.path);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('counts a model FileField/ImageField, bare when imported from django.db.models', () => {
    expect(media('from django.db import models\nclass A(models.Model):\n    f = models.ImageField()\n')).toEqual(['/app/media']);
    expect(media('from django.db.models import Model, FileField\nclass A(Model):\n    f = FileField()\n')).toEqual(['/app/media']);
  });

  it('is not written where the default storage is not the file system (plane: STORAGES["default"] = S3Storage)', () => {
    const model = 'from django.db import models\nclass A(models.Model):\n    f = models.FileField()\n';
    expect(media(model, "MEDIA_ROOT = 'mediafiles'\nSTORAGES = {'staticfiles': {'BACKEND': 'whitenoise.storage.CompressedManifestStaticFilesStorage'}}\nSTORAGES['default'] = {'BACKEND': 'plane.settings.storage.S3Storage'}\n")).toEqual([]);
    expect(media(model, "MEDIA_ROOT = '/app/media'\nDEFAULT_FILE_STORAGE = 'storages.backends.s3boto3.S3Boto3Storage'\n")).toEqual([]);
    expect(media(model, "MEDIA_ROOT = '/app/media'\nSTORAGES = {\n    'default': {'BACKEND': 'django.core.files.storage.FileSystemStorage'},\n}\n")).toEqual(['/app/media']);
    // Chosen in a block (an env switch): the file system may be it, so the write stays.
    expect(media(model, "MEDIA_ROOT = '/app/media'\nif USE_S3:\n    DEFAULT_FILE_STORAGE = 'storages.backends.s3boto3.S3Boto3Storage'\n")).toEqual(['/app/media']);
  });

  it('does not count a form or REST framework serializer field, which only parses an upload', () => {
    expect(media('from rest_framework import serializers\nclass S(serializers.Serializer):\n    file = serializers.FileField()\n')).toEqual([]);
    expect(media('from django import forms\nclass F(forms.Form):\n    file = forms.FileField()\n')).toEqual([]);
  });
});

describe('frameworkStartWrites: a settings module it cannot read', () => {
  it('says so, where the start names one that is not in the image\'s files here', () => {
    const unread: string[] = [];
    const vars = new Map([['DJANGO_SETTINGS_MODULE', 'config.settings.production']]);
    const writes = frameworkStartWrites([{ text: 'python manage.py collectstatic --noinput', where: 'CMD' }], '/app', vars, files({ '/app/manage.py': 'import os\n' }), unread);
    expect(writes).toEqual([]);
    expect(unread).toEqual(['Django settings module config.settings.production (not found as /app/config/settings/production.py in the repository\'s files of the image)']);
  });
});

describe('frameworkStartWrites: runtime-env-cra', () => {
  it('writes its --config-name, ./runtime-env.js by default, in the folder it runs in', () => {
    const none = files({});
    expect(frameworkStartWrites([{ text: './lib/runtime-env-cra/lib/index.js --strict false && nginx -g "daemon off;"', where: 'CMD' }], '/usr/share/nginx/html', new Map(), none).map((w) => [w.path, w.kind])).toEqual([['/usr/share/nginx/html/runtime-env.js', 'file']]);
    expect(frameworkStartWrites([{ text: 'npx runtime-env-cra --config-name=./public/env.js', where: 'CMD' }], '/app', new Map(), none).map((w) => w.path)).toEqual(['/app/public/env.js']);
  });
});

describe('frameworkStartWrites: Next.js', () => {
  const pkg = (scripts: Record<string, string>) => files({ '/app/package.json': JSON.stringify({ scripts }) });
  const cache = (text: string, scripts: Record<string, string>, workdir = '/app') => frameworkStartWrites([{ text, where: 'CMD' }], workdir, new Map(), pkg(scripts)).map((w) => w.path);

  it('sees next start directly, through npx, and through a package.json script', () => {
    expect(cache('next start', {})).toEqual(['/app/.next/cache']);
    expect(cache('npx next start -p 3000', {})).toEqual(['/app/.next/cache']);
    expect(cache('npm start', { start: 'next start' })).toEqual(['/app/.next/cache']);
    expect(cache('npm run start:prod', { 'start:prod': 'prisma migrate deploy && next start' })).toEqual(['/app/.next/cache']);
    expect(cache('yarn start', { start: 'NODE_ENV=production next start' })).toEqual(['/app/.next/cache']);
    expect(cache('pnpm serve', { serve: 'next start' })).toEqual(['/app/.next/cache']);
  });

  it('is no Next.js server when the script runs something else', () => {
    expect(cache('npm start', { start: 'node server.js' })).toEqual([]);
    expect(cache('npm run build', { build: 'next build' })).toEqual([]);
    expect(cache('npm test', { test: 'next start' })).toEqual([]);
  });

  it("reads distDir from next.config, and says nothing where it is not a literal", () => {
    const withConfig = (name: string, text: string) => frameworkStartWrites([{ text: 'next start', where: 'CMD' }], '/app', new Map(), files({ [`/app/${name}`]: text })).map((w) => w.path);
    expect(withConfig('next.config.js', "module.exports = {\n  distDir: 'build',\n};\n")).toEqual(['/app/build/cache']);
    expect(withConfig('next.config.mjs', 'const nextConfig = { output: "standalone", distDir: "./dist/web" };\nexport default nextConfig;\n')).toEqual(['/app/dist/web/cache']);
    expect(withConfig('next.config.ts', 'export default { distDir: process.env.DIST_DIR || ".next" };\n')).toEqual([]);
    expect(withConfig('next.config.js', '// distDir: "x"\nmodule.exports = { reactStrictMode: true };\n')).toEqual(['/app/.next/cache']);
  });

  it('follows cd, sh -c and concurrently operands, each operand from the start folder', () => {
    expect(cache('sh -c "cd /srv/web && exec next start"', {}, '/')).toEqual(['/srv/web/.next/cache']);
    const text = 'concurrently -k -n web,worker "cd apps/web && exec next start" "exec next start"';
    expect(cache(text, {}, '/data')).toEqual(['/data/apps/web/.next/cache', '/data/.next/cache']);
  });
});

describe('StartFolder: where a start command runs', () => {
  const walk = (start: string | undefined, commands: string[][]) => {
    const folder = new StartFolder(start);
    const seen: (string | undefined)[] = [];
    for (const words of commands) for (const argv of unwrap(words)) if (!folder.follow(argv)) seen.push(folder.cwd);
    return seen;
  };
  it('follows relative and absolute cd', () => {
    expect(walk('/app', [['cd', 'web'], ['python', 'a.py'], ['cd', '/srv'], ['python', 'b.py'], ['cd', '..'], ['run']])).toEqual(['/app/web', '/srv', '/']);
  });
  it('loses the folder at a cd run time decides, and finds it again at an absolute one', () => {
    expect(walk('/app', [['cd', '$DIR'], ['python', 'a.py'], ['cd', 'sub'], ['python', 'b.py'], ['cd', '/opt/x'], ['python', 'c.py']])).toEqual([undefined, undefined, '/opt/x']);
  });
  it('gives back the folder after a concurrently operand', () => {
    expect(walk('/app', [['concurrently', 'cd web && python a.py', 'python b.py']])).toEqual(['/app/web', '/app']);
  });
});
