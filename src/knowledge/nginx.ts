// Where each kind of nginx install keeps its configuration, and what it reads
// by default: the official nginx.org images, and the nginx packages of Debian
// (and Ubuntu) and Alpine installed into another base. A transform follows a
// container's configuration through these facts; what the layout does not say
// is not guessed.
export type NginxLayoutId = 'nginx.org' | 'debian' | 'alpine';

export interface NginxLayout {
  id: NginxLayoutId;
  /** Files the image or package ships under /etc/nginx (not listed as configs the repository provides). */
  stockFiles: ReadonlySet<string>;
  /** What the stock /etc/nginx/nginx.conf includes. */
  mainIncludes: readonly string[];
  /**
   * Server blocks the package enables by default, listening on port 80: nginx
   * reads them unless the Dockerfile replaces or removes them. `target` is the
   * file a stock symlink points to (Debian's sites-enabled/default).
   */
  defaultSites: readonly { path: string; target?: string }[];
  /** The package's own nginx.conf, as shipped: what a non-root user cannot write. */
  stockMain?: { pid: string; tempDir: string; user: string };
  /** Where the package writes its logs by default (compiled-in paths). */
  logDir?: string;
  /** Modules the package loads from its prefix (Alpine: /var/lib/nginx/modules, mode 750 nginx:nginx). */
  modulePrefix?: string;
  source: string;
}

const under = (files: string[]) => new Set(files.map((f) => `/etc/nginx/${f}`));

/** nginx.org images (nginx, nginx-unprivileged): docker-nginx mainline/debian/Dockerfile and its nginx.conf. */
export const NGINX_ORG_LAYOUT: NginxLayout = {
  id: 'nginx.org',
  stockFiles: under(['nginx.conf', 'mime.types', 'fastcgi_params', 'scgi_params', 'uwsgi_params', 'koi-utf', 'koi-win', 'win-utf', 'conf.d/default.conf']),
  mainIncludes: ['/etc/nginx/mime.types', '/etc/nginx/conf.d/*.conf'],
  defaultSites: [],
  source: 'https://github.com/nginx/docker-nginx/blob/master/mainline/debian/nginx.conf',
};

/**
 * The server block the nginx.org images ship in conf.d/default.conf (read through the stock
 * nginx.conf's `include /etc/nginx/conf.d/*.conf`): it listens on 80 in nginx, and on 8080 in
 * nginx-unprivileged, whose Dockerfile rewrites that listen line. An image that keeps it changes
 * container port with the swap even when no file of the repository says 80.
 */
export const NGINX_ORG_DEFAULT_SITE = {
  path: '/etc/nginx/conf.d/default.conf',
  port: 80,
  unprivilegedPort: 8080,
  source: 'https://github.com/nginxinc/docker-nginx-unprivileged/blob/main/mainline/debian/Dockerfile',
} as const;

/**
 * Debian and Ubuntu `nginx` (nginx-common): read from the package installed in
 * debian:bookworm-slim (nginx 1.22.1-9+deb12u11): `user www-data;`, `pid
 * /run/nginx.pid;`, temp files in /var/lib/nginx (root 755), logs in
 * /var/log/nginx (root:adm 755), error log compiled to stderr, and
 * sites-enabled/default (a link to sites-available/default) listening on 80.
 */
export const DEBIAN_NGINX_LAYOUT: NginxLayout = {
  id: 'debian',
  stockFiles: under([
    'nginx.conf', 'mime.types', 'fastcgi.conf', 'fastcgi_params', 'proxy_params', 'scgi_params', 'uwsgi_params', 'koi-utf', 'koi-win',
    'win-utf', 'snippets/fastcgi-php.conf', 'snippets/snakeoil.conf', 'sites-available/default', 'sites-enabled/default',
  ]),
  mainIncludes: ['/etc/nginx/modules-enabled/*.conf', '/etc/nginx/mime.types', '/etc/nginx/conf.d/*.conf', '/etc/nginx/sites-enabled/*'],
  defaultSites: [{ path: '/etc/nginx/sites-enabled/default', target: '/etc/nginx/sites-available/default' }],
  stockMain: { pid: '/run/nginx.pid', tempDir: '/var/lib/nginx', user: 'www-data' },
  logDir: '/var/log/nginx',
  source: 'https://salsa.debian.org/nginx-team/nginx/-/blob/debian/1.22.1-9/debian/conf/nginx.conf',
};

/**
 * Alpine `nginx` (aports main/nginx): `user nginx;`, no pid line (compiled
 * /run/nginx/nginx.pid), temp files in /var/tmp/nginx (700 nginx), prefix
 * /var/lib/nginx (750 nginx) holding the modules link, logs in /var/log/nginx,
 * servers in http.d/*.conf (3.14 and later; conf.d/*.conf before), with a
 * default.conf listening on 80.
 */
export const ALPINE_NGINX_LAYOUT: NginxLayout = {
  id: 'alpine',
  stockFiles: under(['nginx.conf', 'mime.types', 'fastcgi.conf', 'fastcgi_params', 'scgi_params', 'uwsgi_params', 'http.d/default.conf', 'conf.d/default.conf']),
  mainIncludes: ['/etc/nginx/modules/*.conf', '/etc/nginx/conf.d/*.conf', '/etc/nginx/mime.types', '/etc/nginx/http.d/*.conf'],
  defaultSites: [{ path: '/etc/nginx/http.d/default.conf' }, { path: '/etc/nginx/conf.d/default.conf' }],
  stockMain: { pid: '/run/nginx/nginx.pid', tempDir: '/var/tmp/nginx', user: 'nginx' },
  logDir: '/var/log/nginx',
  modulePrefix: '/var/lib/nginx',
  source: 'https://gitlab.alpinelinux.org/alpine/aports/-/blob/master/main/nginx/APKBUILD',
};

/** Package names that install the nginx server (Debian flavours, Alpine's one). */
const DEBIAN_PACKAGES = /^nginx(-(light|full|extras|core))?$/;
const ALPINE_PACKAGES = /^nginx$/;

/** The layout a package install gives: `apk add nginx` -> Alpine, `apt-get install nginx-full` -> Debian. */
export function packageLayout(manager: 'apk' | 'apt', pkg: string): NginxLayout | undefined {
  const name = pkg.replace(/[=~<>].*$/, '');
  if (manager === 'apk') return ALPINE_PACKAGES.test(name) ? ALPINE_NGINX_LAYOUT : undefined;
  return DEBIAN_PACKAGES.test(name) ? DEBIAN_NGINX_LAYOUT : undefined;
}
