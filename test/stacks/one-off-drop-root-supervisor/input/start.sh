#!/bin/sh
# gogs's shape: a one-off mkdir as the app user, then the supervisor runs on as root.
for d in /data/app /data/ssh; do
  test -d "$d" || su-exec app mkdir -p "$d"
done
exec "$@"
