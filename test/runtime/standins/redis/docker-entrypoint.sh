#!/bin/sh
set -e
# As upstream: flags are for redis-server; root chowns the data directory and
# re-executes this script as redis through gosu.
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
  set -- redis-server "$@"
fi
if [ "$1" = 'redis-server' ] && [ "$(id -u)" = '0' ]; then
  find . \! -user redis -exec chown redis '{}' +
  exec gosu redis "$0" "$@"
fi
if [ "$1" = 'redis-server' ]; then
  # Upstream compiles protected mode off; Debian's binary has it on.
  shift
  set -- redis-server --protected-mode no "$@"
fi
um="$(umask)"
if [ "$um" = '0022' ]; then
  umask 0077
fi
exec "$@"
