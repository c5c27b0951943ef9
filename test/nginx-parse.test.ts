import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  detectEol,
  indentAt,
  isFullNginxConfig,
  parseListen,
  parseNginx,
  walkNginx,
  type NginxConfig,
  type NginxDirective,
} from '../src/parse/nginx.js';

function all(config: NginxConfig): NginxDirective[] {
  const out: NginxDirective[] = [];
  walkNginx(config.directives, (d) => out.push(d));
  return out;
}

function find(config: NginxConfig, name: string): NginxDirective[] {
  return all(config).filter((d) => d.name === name);
}

function one(config: NginxConfig, name: string): NginxDirective {
  const ds = find(config, name);
  expect(ds, `exactly one '${name}'`).toHaveLength(1);
  return ds[0]!;
}

function values(d: NginxDirective): string[] {
  return d.args.map((a) => a.value);
}

/** Every offset we hand out must index the original text. */
function expectOffsetsSliceBack(text: string, config: NginxConfig): void {
  for (const d of all(config)) {
    const nameRaw = text.slice(d.nameStart, d.nameEnd);
    // Names are rarely quoted (map entries); unquoted, unescaped ones are as written.
    if (/^["']/.test(nameRaw)) expect(nameRaw.slice(1, -1)).toBe(d.name);
    else if (!nameRaw.includes('\\')) expect(nameRaw).toBe(d.name);
    expect(d.start).toBe(d.nameStart);
    for (const a of d.args) expect(text.slice(a.start, a.end)).toBe(a.raw);
    expect(d.line).toBe(text.slice(0, d.start).split('\n').length);
    if (d.blockOpen !== undefined) expect(text[d.blockOpen]).toBe('{');
    if (d.blockClose !== undefined) {
      expect(text[d.blockClose]).toBe('}');
      expect(d.end).toBe(d.blockClose + 1);
    } else if (d.blockOpen === undefined && config.errors.length === 0) {
      expect(text[d.end - 1]).toBe(';');
    }
  }
}

const FULL_CONF = `user  nginx;
worker_processes  auto;

error_log  /var/log/nginx/error.log notice;
pid        /var/run/nginx.pid;


events {
    worker_connections  1024;
}


http {
    include       /etc/nginx/mime.types;
    default_type  application/octet-stream;

    log_format  main  '$remote_addr - $remote_user [$time_local] "$request" '
                      '$status $body_bytes_sent "$http_referer" '
                      '"$http_user_agent" "$http_x_forwarded_for"';

    access_log  /var/log/nginx/access.log  main;

    sendfile        on;
    #tcp_nopush     on;

    keepalive_timeout  65;

    server {
        listen       80;
        listen  [::]:80;
        server_name  localhost;

        location / {
            root   /usr/share/nginx/html;
            index  index.html index.htm;
            try_files $uri $uri/ /index.html;
        }
    }

    include /etc/nginx/conf.d/*.conf;
}
`;

describe('parseNginx: structure', () => {
  it('parses the stock full nginx.conf', () => {
    const c = parseNginx(FULL_CONF);
    expect(c.errors).toEqual([]);
    expect(c.directives.map((d) => d.name)).toEqual(['user', 'worker_processes', 'error_log', 'pid', 'events', 'http']);
    expect(isFullNginxConfig(c)).toBe(true);
    expect(values(one(c, 'user'))).toEqual(['nginx']);
    expect(one(c, 'pid').line).toBe(5);
    const http = one(c, 'http');
    expect(http.block!.map((d) => d.name)).toEqual([
      'include', 'default_type', 'log_format', 'access_log', 'sendfile', 'keepalive_timeout', 'server', 'include',
    ]);
    expect(values(http.block![0]!)).toEqual(['/etc/nginx/mime.types']);
    const logFormat = one(c, 'log_format');
    expect(logFormat.args).toHaveLength(4);
    expect(logFormat.args[1]!.value).toBe('$remote_addr - $remote_user [$time_local] "$request" ');
    expect(logFormat.args[1]!.quoted).toBe(true);
    const tryFiles = one(c, 'try_files');
    expect(values(tryFiles)).toEqual(['$uri', '$uri/', '/index.html']);
    expect(tryFiles.parent!.name).toBe('location');
    expect(tryFiles.parent!.parent!.name).toBe('server');
    expect(tryFiles.parent!.parent!.parent).toBe(http);
    expect(http.parent).toBeUndefined();
    expect(FULL_CONF.slice(http.start, http.end)).toMatch(/^http \{[\s\S]*\}$/);
    expect(c.comments.map((m) => FULL_CONF.slice(m.start, m.end))).toEqual(['#tcp_nopush     on;']);
    expectOffsetsSliceBack(FULL_CONF, c);
  });

  it('treats a conf.d server snippet as not a full config', () => {
    const text = 'server {\n  listen 80;\n  server_name _;\n  location / { proxy_pass http://api:3000; }\n}\n';
    const c = parseNginx(text);
    expect(c.errors).toEqual([]);
    expect(isFullNginxConfig(c)).toBe(false);
    expect(one(c, 'proxy_pass').args[0]!.value).toBe('http://api:3000');
    expectOffsetsSliceBack(text, c);
  });

  it('needs a top-level events/http block to call it full', () => {
    expect(isFullNginxConfig(parseNginx('events {}\n'))).toBe(true);
    expect(isFullNginxConfig(parseNginx('worker_processes 1;\nhttp { }'))).toBe(true);
    // A directive merely named http (not a block) or nested http does not count.
    expect(isFullNginxConfig(parseNginx('http on;\n'))).toBe(false);
    expect(isFullNginxConfig(parseNginx('server { location /http { } }'))).toBe(false);
  });

  it('records block offsets and end for nested blocks', () => {
    const text = 'a { b { c 1; } d 2; }';
    const c = parseNginx(text);
    const [a] = c.directives;
    expect(a!.blockOpen).toBe(2);
    expect(a!.blockClose).toBe(text.length - 1);
    expect(a!.end).toBe(text.length);
    const b = a!.block![0]!;
    expect(text.slice(b.start, b.end)).toBe('b { c 1; }');
    const cDir = b.block![0]!;
    expect(text.slice(cDir.start, cDir.end)).toBe('c 1;');
    expect(all(c).map((d) => d.name)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('handles empty input, only comments, no final newline', () => {
    expect(parseNginx('')).toEqual({ directives: [], errors: [], comments: [] });
    expect(parseNginx('# nothing\n  # here').directives).toEqual([]);
    const c = parseNginx('listen 80;');
    expect(c.errors).toEqual([]);
    expect(c.directives[0]!.end).toBe(10);
  });

  it('parses blocks and directives with no whitespace around braces', () => {
    const text = 'server{listen 80;location /{return 200;}}';
    const c = parseNginx(text);
    expect(c.errors).toEqual([]);
    expect(all(c).map((d) => d.name)).toEqual(['server', 'listen', 'location', 'return']);
    expect(values(one(c, 'location'))).toEqual(['/']);
    expectOffsetsSliceBack(text, c);
  });
});

describe('parseNginx: comments', () => {
  it('ends comments at end of line, between args and after braces', () => {
    const text = [
      '# leading comment',
      'server { # open',
      '  listen 80 # the port',
      '    default_server; # trailing',
      '  # location / { nope; }',
      '} # close',
    ].join('\n');
    const c = parseNginx(text);
    expect(c.errors).toEqual([]);
    expect(all(c).map((d) => d.name)).toEqual(['server', 'listen']);
    expect(values(one(c, 'listen'))).toEqual(['80', 'default_server']);
    expect(c.comments).toHaveLength(6);
    expectOffsetsSliceBack(text, c);
  });

  it('keeps # inside quotes and inside a word, as nginx does', () => {
    const text = `add_header X-A "a # b";\nadd_header X-B 'c#d';\nrewrite ^/x#y /z;\nreturn 200 "# not a comment";`;
    const c = parseNginx(text);
    expect(c.errors).toEqual([]);
    expect(c.comments).toEqual([]);
    const [a, b, r, ret] = c.directives;
    expect(values(a!)).toEqual(['X-A', 'a # b']);
    expect(values(b!)).toEqual(['X-B', 'c#d']);
    expect(values(r!)).toEqual(['^/x#y', '/z']);
    expect(values(ret!)).toEqual(['200', '# not a comment']);
  });

  it('parses regex locations and a comment right after them', () => {
    const text = 'location ~* \\.(?:css|js)$ { # static assets\n  expires 1y;\n}\nlocation ~ ^/(a|b)/\\d+$ {}\n';
    const c = parseNginx(text);
    expect(c.errors).toEqual([]);
    const [css, re] = c.directives;
    expect(values(css!)).toEqual(['~*', '\\.(?:css|js)$']);
    expect(css!.block!.map((d) => d.name)).toEqual(['expires']);
    expect(values(re!)).toEqual(['~', '^/(a|b)/\\d+$']);
    expect(c.comments).toHaveLength(1);
    expectOffsetsSliceBack(text, c);
  });

  it('a # in a comment with quotes does not open a string', () => {
    const c = parseNginx("# it's \"unbalanced { here\nlisten 80;\n");
    expect(c.errors).toEqual([]);
    expect(c.directives.map((d) => d.name)).toEqual(['listen']);
  });
});

describe('parseNginx: quoting and variables', () => {
  it('unquotes values with spaces and escaped quotes, keeps raw', () => {
    const text = `return 200 "He said \\"hi\\" to me";\nadd_header X 'it\\'s';\nset $x "tab\\there";\nlocation "/a b" {}\n`;
    const c = parseNginx(text);
    expect(c.errors).toEqual([]);
    const [ret, hdr, set, loc] = c.directives;
    expect(ret!.args[1]!.value).toBe('He said "hi" to me');
    expect(ret!.args[1]!.raw).toBe('"He said \\"hi\\" to me"');
    expect(hdr!.args[1]!.value).toBe("it's");
    expect(set!.args[1]!.value).toBe('tab\there');
    expect(loc!.args[0]).toMatchObject({ value: '/a b', quoted: true });
    expectOffsetsSliceBack(text, c);
  });

  it('keeps backslashes that are not nginx escapes (regexes)', () => {
    const c = parseNginx('rewrite ^/a\\.php$ /b last;');
    expect(c.directives[0]!.args[0]!.value).toBe('^/a\\.php$');
  });

  it('keeps ${var} as one token even with braces', () => {
    const text = 'listen ${NGINX_PORT};\nserver_name ${HOST}.example.com;\nproxy_pass http://$upstream;\n';
    const c = parseNginx(text);
    expect(c.errors).toEqual([]);
    expect(c.directives.map((d) => values(d))).toEqual([
      ['${NGINX_PORT}'],
      ['${HOST}.example.com'],
      ['http://$upstream'],
    ]);
  });

  it('tokenizes if conditions like nginx (parens stay on the words)', () => {
    const text = 'server {\n  if ($host = x) { return 301 https://$host$request_uri; }\n  if ($http_x ~* "a b") {}\n}';
    const c = parseNginx(text);
    expect(c.errors).toEqual([]);
    const ifs = find(c, 'if');
    expect(values(ifs[0]!)).toEqual(['($host', '=', 'x)']);
    expect(values(one(c, 'return'))).toEqual(['301', 'https://$host$request_uri']);
    expect(one(c, 'return').parent).toBe(ifs[0]);
    expect(values(ifs[1]!)).toEqual(['($http_x', '~*', 'a b', ')']);
    expectOffsetsSliceBack(text, c);
  });

  it('parses map blocks with regex and quoted entries', () => {
    const text = 'map $a $b {\n  default 0;\n  ~^x 1;\n  "~*y z" 2;\n  hostnames;\n}\n';
    const c = parseNginx(text);
    expect(c.errors).toEqual([]);
    const map = one(c, 'map');
    expect(values(map)).toEqual(['$a', '$b']);
    expect(map.block!.map((d) => [d.name, ...values(d)])).toEqual([
      ['default', '0'],
      ['~^x', '1'],
      ['~*y z', '2'],
      ['hostnames'],
    ]);
    const quoted = map.block![2]!;
    expect(text.slice(quoted.nameStart, quoted.nameEnd)).toBe('"~*y z"');
  });

  it('parses include with globs', () => {
    const c = parseNginx('include /etc/nginx/conf.d/*.conf;\ninclude mime.types;');
    expect(find(c, 'include').map((d) => d.args[0]!.value)).toEqual(['/etc/nginx/conf.d/*.conf', 'mime.types']);
  });
});

describe('parseNginx: lua blocks', () => {
  it('skips *_by_lua_block content as opaque, including braces in strings and comments', () => {
    const text = [
      'location /lua {',
      '  set_by_lua_block $res { return "}" }',
      '  content_by_lua_block {',
      '    local t = { a = { 1, 2 } }  -- } in a comment',
      "    ngx.say('{ not a block')",
      '    local s = [[ } ]] --[==[ } ]==]',
      '    ngx.say("listen 80;")',
      '  }',
      '  access_log off;',
      '}',
    ].join('\n');
    const c = parseNginx(text);
    expect(c.errors).toEqual([]);
    expect(all(c).map((d) => d.name)).toEqual(['location', 'set_by_lua_block', 'content_by_lua_block', 'access_log']);
    const lua = one(c, 'content_by_lua_block');
    expect(lua.rawBlock).toBe(true);
    expect(lua.block).toBeUndefined();
    expect(text.slice(lua.blockOpen!, lua.blockClose! + 1)).toMatch(/^\{\n[\s\S]*\n {2}\}$/);
    expect(values(one(c, 'set_by_lua_block'))).toEqual(['$res']);
    expect(find(c, 'listen')).toEqual([]);
    expectOffsetsSliceBack(text, c);
  });

  it('reports an unterminated lua block', () => {
    const c = parseNginx('http {\n  init_by_lua_block {\n    x = { 1\n}\n');
    expect(c.errors.map((e) => [e.line, e.message])).toContainEqual([2, expect.stringContaining('init_by_lua_block')]);
  });
});

describe('parseNginx: CRLF and BOM', () => {
  const lf = 'server {\n\tlisten 80; # c\n\tadd_header X "a b";\n}\n';

  it('offsets index the original CRLF + BOM text', () => {
    const text = '\uFEFF' + lf.replace(/\n/g, '\r\n');
    const c = parseNginx(text);
    expect(c.errors).toEqual([]);
    expect(c.directives[0]!.nameStart).toBe(1);
    expect(c.directives[0]!.line).toBe(1);
    const listen = one(c, 'listen');
    expect(listen.line).toBe(2);
    expect(text.slice(listen.start, listen.end)).toBe('listen 80;');
    const hdr = one(c, 'add_header');
    expect(text.slice(hdr.args[1]!.start, hdr.args[1]!.end)).toBe('"a b"');
    // The comment ends before the CR, so removing it keeps the line break intact.
    expect(text.slice(c.comments[0]!.start, c.comments[0]!.end)).toBe('# c');
    expectOffsetsSliceBack(text, c);
    expect(detectEol(text)).toBe('\r\n');
    expect(indentAt(text, listen.start)).toBe('\t');
  });

  it('parses CRLF without a final newline and a BOM-only prefix', () => {
    const text = '\uFEFFlisten 80;\r\nlisten 81;';
    const c = parseNginx(text);
    expect(c.errors).toEqual([]);
    expect(c.directives.map((d) => [d.line, d.args[0]!.value])).toEqual([[1, '80'], [2, '81']]);
    expect(indentAt(text, 3)).toBe('');
  });
});

describe('parseNginx: errors', () => {
  it('reports an unclosed block at its "{" line and still returns the directives', () => {
    const text = 'http {\n  server {\n    listen 80;\n  \n}\n';
    const c = parseNginx(text);
    expect(c.errors).toHaveLength(1);
    expect(c.errors[0]).toMatchObject({ line: 1, column: 6 });
    expect(c.errors[0]!.message).toMatch(/unclosed 'http'/);
    expect(one(c, 'listen').args[0]!.value).toBe('80');
    const http = one(c, 'http');
    expect(http.blockClose).toBeUndefined();
    expect(http.end).toBe(text.length);
    expect(one(c, 'server').blockClose).toBe(text.lastIndexOf('}'));
  });

  it('reports an extra "}" at its line and keeps going', () => {
    const text = 'server {\n  listen 80;\n}\n}\nlisten 81;\n';
    const c = parseNginx(text);
    expect(c.errors.map((e) => [e.line, e.column, e.message])).toEqual([[4, 1, "unexpected '}'"]]);
    expect(c.directives.map((d) => d.name)).toEqual(['server', 'listen']);
  });

  it('reports a missing ";" at EOF and before "}"', () => {
    const eof = parseNginx('listen 80');
    expect(eof.errors).toHaveLength(1);
    expect(eof.errors[0]).toMatchObject({ offset: 9, line: 1, column: 10 });
    expect(eof.directives[0]!).toMatchObject({ name: 'listen', end: 9 });

    const brace = parseNginx('server {\n  listen 80\n}\n');
    expect(brace.errors.map((e) => [e.line, e.message])).toEqual([[2, "missing ';' before '}'"]]);
    expect(one(brace, 'listen').parent!.name).toBe('server');
  });

  it('reports unterminated quotes without throwing', () => {
    const text = 'server {\n  return 200 "oops;\n}\n';
    const c = parseNginx(text);
    expect(c.errors.map((e) => e.line)).toContain(2);
    expect(c.errors.some((e) => e.message.includes('unterminated quoted string'))).toBe(true);
    const ret = one(c, 'return');
    expect(ret.args[1]!.raw).toBe('"oops;\n}\n');
  });

  it('reports a stray ";" and "{" with no name, keeping braces balanced', () => {
    const c = parseNginx('server {\n  ;\n  { listen 80; }\n}\nlisten 81;');
    expect(c.errors.map((e) => e.line)).toEqual([2, 3]);
    expect(all(c).map((d) => [d.name, d.parent?.name])).toEqual([
      ['server', undefined],
      ['listen', 'server'],
      ['listen', undefined],
    ]);
    expect(c.directives[0]!.blockClose).toBeDefined();
  });

  it('reports text glued to a closing quote', () => {
    const c = parseNginx('return 200 "a"b;');
    expect(c.errors).toHaveLength(1);
    expect(c.errors[0]!.column).toBe(15);
  });

  it('never throws on garbage', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('{', '}', ';', '"', "'", '\\', '#', '$', ' ', '\n', '\r', 'a', '_by_lua_block', '[[', '--') }), (text) => {
        const c = parseNginx(text);
        for (const d of all(c)) {
          expect(text.slice(d.nameStart, d.nameEnd).length).toBeGreaterThan(0);
          for (const a of d.args) expect(text.slice(a.start, a.end)).toBe(a.raw);
        }
        for (const e of c.errors) expect(e.offset).toBeLessThanOrEqual(text.length);
      }),
      { numRuns: 500 },
    );
  });
});

describe('parseListen', () => {
  function listen(src: string) {
    const text = `listen ${src};`;
    const d = parseNginx(text).directives[0]!;
    const spec = parseListen(d);
    return { spec, port: text.slice(spec.portStart, spec.portEnd) };
  }

  it('plain ports and addresses', () => {
    expect(listen('80')).toMatchObject({ spec: { port: 80, address: undefined, ipv6: false, params: [] }, port: '80' });
    expect(listen('8080').spec.port).toBe(8080);
    expect(listen('127.0.0.1:80')).toMatchObject({ spec: { port: 80, address: '127.0.0.1' }, port: '80' });
    expect(listen('localhost:80')).toMatchObject({ spec: { port: 80, address: 'localhost' }, port: '80' });
    expect(listen('*:80')).toMatchObject({ spec: { port: 80, address: '*' }, port: '80' });
  });

  it('IPv6 with params', () => {
    const { spec, port } = listen('[::]:80 default_server ipv6only=on');
    expect(spec).toMatchObject({ address: '[::]', port: 80, ipv6: true, params: ['default_server', 'ipv6only=on'] });
    expect(port).toBe('80');
    const bare = listen('[::1]');
    expect(bare.spec).toMatchObject({ address: '[::1]', port: undefined, ipv6: true });
    expect(bare.spec.portStart).toBe(bare.spec.portArg.end);
  });

  it('443 ssl http2', () => {
    expect(listen('443 ssl http2').spec).toMatchObject({ port: 443, params: ['ssl', 'http2'] });
  });

  it('unix sockets', () => {
    const { spec } = listen('unix:/var/run/nginx.sock');
    expect(spec).toMatchObject({ unixSocket: true, port: undefined, address: 'unix:/var/run/nginx.sock' });
    expect(spec.portStart).toBe(spec.portEnd);
  });

  it('variables', () => {
    expect(listen('${PORT}')).toMatchObject({ spec: { hasVariable: true, port: undefined, address: undefined }, port: '${PORT}' });
    expect(listen('$PORT')).toMatchObject({ spec: { hasVariable: true }, port: '$PORT' });
    expect(listen('${HOST}:${PORT} ssl')).toMatchObject({ spec: { address: '${HOST}', hasVariable: true, params: ['ssl'] }, port: '${PORT}' });
    expect(listen('0.0.0.0:${NGINX_PORT}')).toMatchObject({ spec: { address: '0.0.0.0' }, port: '${NGINX_PORT}' });
  });

  it('hostname only implies port 80', () => {
    const { spec } = listen('example.com');
    expect(spec).toMatchObject({ address: 'example.com', port: undefined, hasVariable: false });
    expect(spec.portStart).toBe(spec.portArg.end);
  });

  it('quoted args map port offsets into the raw text', () => {
    expect(listen('"127.0.0.1:80"')).toMatchObject({ spec: { port: 80, address: '127.0.0.1' }, port: '80' });
    expect(listen("'8080'")).toMatchObject({ spec: { port: 8080 }, port: '8080' });
  });

  it('port offsets allow a surgical rewrite in a real file', () => {
    const text = '\uFEFFserver {\r\n    listen 80 default_server;\r\n    listen [::]:80 default_server;\r\n    listen 443 ssl;\r\n}';
    const c = parseNginx(text);
    let out = text;
    for (const d of find(c, 'listen').reverse()) {
      const { port, portStart, portEnd } = parseListen(d);
      const to = port === 80 ? '8080' : port === 443 ? '8443' : undefined;
      if (to) out = out.slice(0, portStart) + to + out.slice(portEnd);
    }
    expect(out).toBe('\uFEFFserver {\r\n    listen 8080 default_server;\r\n    listen [::]:8080 default_server;\r\n    listen 8443 ssl;\r\n}');
  });

  it('a listen without args does not throw', () => {
    const d = parseNginx('listen;').directives[0]!;
    expect(parseListen(d)).toMatchObject({ port: undefined, portStart: 6, portEnd: 6 });
  });
});

describe('detectEol and indentAt', () => {
  it('detectEol', () => {
    expect(detectEol('a;\r\nb;\nc;')).toBe('\r\n');
    expect(detectEol('a;\nb;\r\n')).toBe('\n');
    expect(detectEol('a;')).toBe('\n');
    expect(detectEol('')).toBe('\n');
  });

  it('indentAt', () => {
    const text = 'http {\n    server {\n\t  listen 80;\n';
    expect(indentAt(text, text.indexOf('listen') + 3)).toBe('\t  ');
    expect(indentAt(text, text.indexOf('server'))).toBe('    ');
    expect(indentAt(text, 0)).toBe('');
    expect(indentAt('\n  x', 0)).toBe('');
    expect(indentAt('\uFEFF  x', 3)).toBe('  ');
    expect(indentAt(text, text.length)).toBe('');
  });
});

describe('property: concatenated snippets', () => {
  // Each snippet is valid nginx on its own; `count` is how many directives it holds.
  const snippets: { text: string; count: number }[] = [
    { text: 'listen 80;', count: 1 },
    { text: 'listen [::]:80 default_server ipv6only=on;', count: 1 },
    { text: 'server_name "a b" \'c\\\'d\';', count: 1 },
    { text: 'location ~* \\.(?:css|js)$ { expires 1y; }', count: 2 },
    { text: 'if ($host = x) { return 301 https://$host$request_uri; }', count: 2 },
    { text: 'map $a $b { default 0; ~^x 1; }', count: 3 },
    { text: 'content_by_lua_block { local t = { "}" } }', count: 1 },
    { text: 'add_header X-Frame "SAME#ORIGIN";', count: 1 },
    { text: 'listen ${PORT};', count: 1 },
    { text: 'server {\n\tlisten 443 ssl http2;\n\tlocation / { try_files $uri /index.html; }\n}', count: 4 },
    { text: 'include /etc/nginx/conf.d/*.conf;', count: 1 },
    { text: 'return 200 "é ☃ 😀";', count: 1 },
  ];
  const separators = [' ', '\n', '\r\n', '\t', ' # comment { " \n', '\r\n# ; }\r\n', '\n\n'];

  it('every name and arg offset slices back to its raw text', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(fc.tuple(fc.integer({ min: 0, max: snippets.length - 1 }), fc.constantFrom(...separators)), { maxLength: 12 }),
        (bom, parts) => {
          const text = (bom ? '\uFEFF' : '') + parts.map(([k, sep]) => snippets[k]!.text + sep).join('');
          const c = parseNginx(text);
          expect(c.errors).toEqual([]);
          expect(all(c)).toHaveLength(parts.reduce((n, [k]) => n + snippets[k]!.count, 0));
          expect(c.directives).toHaveLength(parts.length);
          for (const d of all(c)) {
            const nameRaw = text.slice(d.nameStart, d.nameEnd);
            expect(nameRaw).toBe(d.name);
            for (const a of d.args) expect(text.slice(a.start, a.end)).toBe(a.raw);
            expect(d.line).toBe(text.slice(0, d.start).split('\n').length);
            expect(text[d.end - 1]).toMatch(/[;}]/);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
