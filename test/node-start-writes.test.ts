// What a Node.js start file writes when its paths are built from fixed parts (src/node-start-writes.ts pathExpression):
// ch-ui's inject-env.js keeps `path.join(__dirname, "index.html")` in a const and writes the built index.html through it.
import { describe, it, expect } from 'vitest';
import { pathExpression } from '../src/node-start-writes.js';
import { hardenTree } from './helpers.js';

const scope = (names: Record<string, string> = {}) => ({ name: (n: string) => names[n], file: '/app/scripts/start.js', cwd: '/srv' });

describe('pathExpression', () => {
  it('reads literals, __dirname, __filename and import.meta', () => {
    expect(pathExpression('"index.html"', scope())).toBe('index.html');
    expect(pathExpression("'a/b'", scope())).toBe('a/b');
    expect(pathExpression('__dirname', scope())).toBe('/app/scripts');
    expect(pathExpression('__filename', scope())).toBe('/app/scripts/start.js');
    expect(pathExpression('import.meta.dirname', scope())).toBe('/app/scripts');
    expect(pathExpression('fileURLToPath(import.meta.url)', scope())).toBe('/app/scripts/start.js');
    expect(pathExpression('new URL(import.meta.url).pathname', scope())).toBe('/app/scripts/start.js');
    expect(pathExpression('process.cwd()', scope())).toBe('/srv');
  });

  it('joins, resolves and takes folders as node:path does (posix)', () => {
    expect(pathExpression('path.join(__dirname, "..", "dist", "index.html")', scope())).toBe('/app/dist/index.html');
    expect(pathExpression('join(__dirname, `env.js`)', scope())).toBe('/app/scripts/env.js');
    expect(pathExpression("path.resolve('public', 'env.js')", scope())).toBe('/srv/public/env.js');
    expect(pathExpression("path.resolve(__dirname, '/etc', 'x')", scope())).toBe('/etc/x');
    expect(pathExpression('path.dirname(fileURLToPath(import.meta.url))', scope())).toBe('/app/scripts');
    expect(pathExpression('path.posix.join(\n  __dirname,\n  "a"\n)', scope())).toBe('/app/scripts/a');
    expect(pathExpression('path.join("build", "index.html")', scope())).toBe('build/index.html');
  });

  it('fills template literals and + from what it knows', () => {
    expect(pathExpression('`${__dirname}/index.html`', scope())).toBe('/app/scripts/index.html');
    expect(pathExpression('__dirname + "/index.html"', scope())).toBe('/app/scripts/index.html');
    expect(pathExpression('(outDir + "/env.js")', scope({ outDir: '/app/out' }))).toBe('/app/out/env.js');
    expect(pathExpression('`${outDir}/config/${"env"}.js`', scope({ outDir: '/o' }))).toBe('/o/config/env.js');
  });

  it('gives up on what only run time knows', () => {
    expect(pathExpression('process.env.OUT', scope())).toBeUndefined();
    expect(pathExpression('path.join(process.env.OUT_DIR, "env.js")', scope())).toBeUndefined();
    expect(pathExpression('`${process.env.HOME}/x`', scope())).toBeUndefined();
    expect(pathExpression('pickPath()', scope())).toBeUndefined();
    expect(pathExpression('unknownName', scope())).toBeUndefined();
    expect(pathExpression('path.join(a)(b)', scope({ a: '/x' }))).toBeUndefined();
    expect(pathExpression('__dirname + suffix', scope())).toBeUndefined();
    expect(pathExpression('', scope())).toBeUndefined();
  });
});

describe('node start file writes through names', () => {
  const run = async (script: string) => {
    const { result } = await hardenTree(
      {
        'build/index.html': '<html></html>\n',
        'start.js': script,
        Dockerfile: 'FROM node:22-alpine\nWORKDIR /app\nCOPY build/ ./build/\nCOPY start.js ./\nCMD ["node", "start.js"]\n',
      },
      ['dockerfile/non-root-user'],
    );
    return result.engine.findings.map((f) => f.message).join('\n');
  };

  it('follows a name bound once, also through another name', async () => {
    const messages = await run("const path = require('path');\nconst dir = path.join(__dirname, 'build');\nconst target = `${dir}/index.html`;\nrequire('fs').writeFileSync(target, 'x');\n");
    expect(messages).toContain('writeFileSync(target), which is /app/build/index.html');
  });

  it('does not follow a name assigned again, with = or +=', async () => {
    for (const again of ["target = '/tmp/x';", "target += '.bak';"]) {
      const messages = await run(`const path = require('path');\nlet target = path.join(__dirname, 'build', 'index.html');\nif (process.env.X) ${again}\nrequire('fs').writeFileSync(target, 'x');\n`);
      expect(messages).not.toContain('which is');
    }
  });

  it('compares are not assignments', async () => {
    const messages = await run("const path = require('path');\nconst target = path.join(__dirname, 'build', 'index.html');\nif (target <= 'a' || target != 'b' || target === 'c') {}\nrequire('fs').writeFileSync(target, 'x');\n");
    expect(messages).toContain('which is /app/build/index.html');
  });
});
