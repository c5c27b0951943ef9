// Programs that keep files under the user's HOME through the XDG base directory variables, with what they keep there
// and where that is documented. A non-root user whose HOME it cannot write (scratch's 65534, HOME `/`) loses those
// files: dockerfile/non-root-user names them and the folders to bring in, instead of a general "if the program keeps
// files there".
import path from 'node:path';
import type { StartCommand } from './start-scripts.js';
import { shellCommands } from './knowledge/images.js';

export interface HomeDir {
  /** The variable that moves it (`XDG_DATA_HOME`). */
  variable: string;
  /** Its default under HOME (`.local/share`). */
  underHome: string;
  /** The folder the official image sets the variable to, when it has one (caddy's `/data`). */
  imageDefault?: string;
  /** What the program keeps there. */
  keeps: string;
}

export interface HomeWriter {
  program: string;
  /** The subfolder it makes in each (`caddy`: `$XDG_DATA_HOME/caddy`). */
  subfolder: string;
  dirs: HomeDir[];
  source: string;
}

export const HOME_WRITERS: readonly HomeWriter[] = [
  {
    // Caddy's conventions: the data directory is $XDG_DATA_HOME/caddy, else $HOME/.local/share/caddy on Linux, and holds
    // TLS certificates, private keys and OCSP staples ("must not be treated as a cache"); the configuration directory is
    // $XDG_CONFIG_HOME/caddy, else $HOME/.config/caddy, where it autosaves the last active configuration (autosave.json).
    // The official image sets XDG_CONFIG_HOME=/config and XDG_DATA_HOME=/data (caddyserver/caddy-docker's Dockerfiles).
    program: 'caddy',
    subfolder: 'caddy',
    dirs: [
      { variable: 'XDG_DATA_HOME', underHome: '.local/share', imageDefault: '/data', keeps: 'its TLS certificates and keys' },
      { variable: 'XDG_CONFIG_HOME', underHome: '.config', imageDefault: '/config', keeps: 'its autosaved configuration' },
    ],
    source: 'https://caddyserver.com/docs/conventions#data-directory',
  },
];

/** The program an image's start runs first (its ENTRYPOINT, else its CMD), when it is one of HOME_WRITERS. */
export function homeWriterOf(commands: readonly StartCommand[]): HomeWriter | undefined {
  const first = commands.find((c) => c.via === 'ENTRYPOINT') ?? commands[0];
  if (!first) return undefined;
  const argv = first.argv ?? shellCommands(first.shell ?? '')[0] ?? [];
  const words = argv[0] === 'exec' ? argv.slice(1) : argv;
  const name = words[0] ? path.posix.basename(words[0]) : undefined;
  return HOME_WRITERS.find((w) => w.program === name);
}
