#!/usr/bin/env sh
set -e
usermod -o -u "$PUID" npm
chown -R "$PUID:$PGID" /data
exec su-exec "$PUID:$PGID" launch.sh
