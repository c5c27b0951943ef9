#!/bin/sh
set -e
if [ "$(id -u)" = "0" ]; then
  chown -R app /data
  exec gosu app "$@"
fi
exec "$@"
