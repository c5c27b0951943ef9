#!/bin/sh
set -e
if [ "$(id -u)" = 0 ]; then exec setpriv --reuid=kv --regid=kv --init-groups "$0" "$@"; fi
exec "$@"
