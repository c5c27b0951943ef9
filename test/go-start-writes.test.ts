// What the Go program an image starts writes in fixed paths (src/go-start-writes.ts): paperless-gpt's binary makes
// `prompts` and `db` in its WORKDIR /app at start (review row #175); the binary is followed back to the builder stage's
// `go build` and its package main read from the repository. What is and is not followed.
import { describe, it, expect } from 'vitest';
import { blankGoComments, goPathExpression } from '../src/go-start-writes.js';
import { hardenTree } from './helpers.js';

describe('goPathExpression', () => {
  const names = (bound: Record<string, string>) => (n: string) => bound[n];
  it('works out literals, names bound to fixed paths, filepath.Join and +', () => {
    expect(goPathExpression('"prompts"', names({}))).toBe('prompts');
    expect(goPathExpression('`/var/lib/app`', names({}))).toBe('/var/lib/app');
    expect(goPathExpression('filepath.Join(dataDir, "app.db")', names({ dataDir: '"/data"' }))).toBe('/data/app.db');
    expect(goPathExpression('path.Join("a", base+"/b")', names({ base: '"x"' }))).toBe('a/x/b');
  });
  it('does not follow the environment, a function result or an unknown name', () => {
    expect(goPathExpression('os.Getenv("DATA_DIR")', names({}))).toBeUndefined();
    expect(goPathExpression('filepath.Join(os.Getenv("HOME"), ".app")', names({}))).toBeUndefined();
    expect(goPathExpression('dir', names({ dir: 'os.Getenv("DIR")' }))).toBeUndefined();
    expect(goPathExpression('cfg.DataDir', names({}))).toBeUndefined();
    expect(goPathExpression('"a\\nb"', names({}))).toBeUndefined();
  });
  it('blanks comments but keeps strings that look like them', () => {
    const text = 'x := "file://a" // os.MkdirAll("no")\n/* os.Create("no") */ y := `//z`\n';
    const blanked = blankGoComments(text);
    expect(blanked).toContain('"file://a"');
    expect(blanked).toContain('`//z`');
    expect(blanked).not.toContain('MkdirAll');
    expect(blanked).not.toContain('Create');
    expect(blanked.length).toBe(text.length);
  });
});

describe('go start writes through non-root-user', () => {
  const multiStage = [
    'FROM golang:1.22 AS build',
    'WORKDIR /src',
    'COPY go.mod ./',
    'COPY . .',
    'RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/server ./cmd/server',
    '',
    'FROM debian:bookworm-slim',
    'WORKDIR /srv',
    'COPY --from=build /out/server /usr/local/bin/server',
    'CMD ["/usr/local/bin/server"]',
    '',
  ].join('\n');
  const harden = (files: Record<string, string>, dockerfile = multiStage) => hardenTree({ Dockerfile: dockerfile, 'go.mod': 'module example.com/app\n\ngo 1.22\n', ...files }, ['dockerfile/non-root-user']);

  it('chowns a relative MkdirAll in the runtime WORKDIR, a const joined path and a sqlite file: URL (CRLF source)', async () => {
    const { result, changed } = await harden({
      'cmd/server/main.go': [
        'package main',
        '',
        'import (',
        '\t"database/sql"',
        '\t"os"',
        '\t"path/filepath"',
        ')',
        '',
        'const cacheDir = "cache"',
        '',
        'func main() {',
        '\tos.MkdirAll(filepath.Join(cacheDir, "thumbs"), 0o755)',
        '\tdb, _ := sql.Open("sqlite3", "file:/var/lib/app/app.db?cache=shared")',
        '\t_ = db',
        '}',
        '',
      ].join('\r\n'),
    });
    expect(changed.Dockerfile).toMatch(/chown 1000:1000 [^\n]*\/srv\/cache\/thumbs/);
    expect(changed.Dockerfile).toMatch(/chown 1000:1000 [^\n]*\/var\/lib\/app[ \n]/);
    const messages = result.engine.findings.map((f) => f.message).join('\n');
    expect(messages).toContain('os.MkdirAll(filepath.Join(cacheDir, "thumbs")), which is /srv/cache/thumbs (main.go line 12, in the Go program /usr/local/bin/server built at Dockerfile line 5');
  });

  it('reads the packages of the module the main package imports', async () => {
    const { changed } = await harden({
      'cmd/server/main.go': 'package main\n\nimport "example.com/app/internal/store"\n\nfunc main() { store.Open() }\n',
      'internal/store/store.go': 'package store\n\nimport "os"\n\nfunc Open() { f, _ := os.Create("/var/lib/app/last-run"); f.Close() }\n',
    });
    expect(changed.Dockerfile).toMatch(/chown 1000:1000 [^\n]*\/var\/lib\/app\/last-run/);
  });

  it('does not count an environment path, a read, an OpenFile without O_CREATE, a test file or a comment', async () => {
    const { changed } = await harden({
      'cmd/server/main.go': [
        'package main',
        '',
        'import "os"',
        '',
        'func main() {',
        '\tdir := os.Getenv("DATA_DIR")',
        '\tos.MkdirAll(dir, 0o755)',
        '\tos.MkdirAll(filepath.Join(os.Getenv("HOME"), "x"), 0o755)',
        '\tb, _ := os.ReadFile("config.yml")',
        '\tf, _ := os.OpenFile("/etc/app.conf", os.O_RDONLY, 0)',
        '\t// os.MkdirAll("/commented", 0o755)',
        '\t_, _ = b, f',
        '}',
        '',
      ].join('\n'),
      'cmd/server/main_test.go': 'package main\n\nimport "os"\n\nfunc TestX() { os.MkdirAll("testdata/out", 0o755) }\n',
    });
    expect(changed.Dockerfile).toContain('mkdir -p /home/app && chown 1000:1000 /home/app\n');
  });

  it('counts OpenFile with O_CREATE and gorm sqlite.Open, and a name bound to the same path in two functions', async () => {
    const { changed } = await harden(
      {
        'main.go': [
          'package main',
          '',
          'import (',
          '\t"os"',
          '\t"gorm.io/driver/sqlite"',
          '\t"gorm.io/gorm"',
          ')',
          '',
          'func logs() { p := "logs/app.log"; os.OpenFile(p, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644) }',
          'func db() { dbDir := "db"; os.MkdirAll(dbDir, 0o755); gorm.Open(sqlite.Open(filepath.Join(dbDir, "x.db")), &gorm.Config{}) }',
          'func other() { dbDir := "db"; _ = dbDir }',
          'func main() { logs(); db() }',
          '',
        ].join('\n'),
      },
      'FROM golang:1.22 AS builder\nWORKDIR /app\nCOPY *.go go.mod ./\nRUN go build -o gotify-app .\n\nFROM alpine:3.20\nWORKDIR /app\nCOPY --from=builder /app/gotify-app .\nCMD ["./gotify-app"]\n',
    );
    expect(changed.Dockerfile).toMatch(/chown 1000:1000 [^\n]*\/app\/db[ \n]/);
    expect(changed.Dockerfile).toMatch(/chown 1000:1000 [^\n]*\/app\/logs\/app\.log/);
  });

  it('reads one Go text once per run but works out each image\'s paths, names and lines for itself', async () => {
    // The same main.go in two images (go-start-writes keeps what a text says for the run, keyed on the text): each
    // resolves it against its own WORKDIR and names its own Dockerfile.
    const main = 'package main\n\nimport "os"\n\nfunc main() { os.MkdirAll("data", 0o755) }\n';
    const dockerfile = (wd: string) => `FROM golang:1.22 AS b\nWORKDIR /src\nCOPY . .\nRUN go build -o /out/app .\n\nFROM alpine:3.20\nWORKDIR ${wd}\nCOPY --from=b /out/app ./app\nCMD ["./app"]\n`;
    const { result, changed } = await hardenTree(
      {
        'one/Dockerfile': dockerfile('/srv'),
        'one/main.go': main,
        'one/go.mod': 'module example.com/one\n',
        'two/Dockerfile': dockerfile('/opt/two'),
        'two/main.go': main,
        'two/go.mod': 'module example.com/two\n',
      },
      ['dockerfile/non-root-user'],
    );
    expect(changed['one/Dockerfile']).toMatch(/chown 1000:1000 [^\n]*\/srv\/data[ \n]/);
    expect(changed['two/Dockerfile']).toMatch(/chown 1000:1000 [^\n]*\/opt\/two\/data[ \n]/);
    expect(changed['two/Dockerfile']).not.toContain('/srv/data');
    const messages = result.engine.findings.map((f) => f.message).join('\n');
    expect(messages).toContain('which is /srv/data (main.go line 5, in the Go program /srv/app built at one/Dockerfile line 4');
    expect(messages).toContain('which is /opt/two/data (main.go line 5, in the Go program /opt/two/app built at two/Dockerfile line 4');
  });

  it('follows nothing when the binary is not built here or is started by a bare name from PATH', async () => {
    const main = { 'main.go': 'package main\n\nimport "os"\n\nfunc main() { os.MkdirAll("data", 0o755) }\n' };
    const fromPath = await harden(main, 'FROM golang:1.22 AS b\nWORKDIR /app\nCOPY . .\nRUN go build -o /usr/local/bin/app .\n\nFROM alpine:3.20\nWORKDIR /app\nCOPY --from=b /usr/local/bin/app /usr/local/bin/app\nCMD ["app"]\n');
    expect(fromPath.changed.Dockerfile).toContain('mkdir -p /home/app && chown 1000:1000 /home/app\n');
    const notBuilt = await harden(main, 'FROM alpine:3.20\nWORKDIR /app\nCOPY --from=ghcr.io/x/app:1 /app /app/app\nCMD ["/app/app"]\n');
    expect(notBuilt.changed.Dockerfile).toContain('mkdir -p /home/app && chown 1000:1000 /home/app\n');
  });
});
