#!/bin/sh
set -e
# allow the container to be started with `--user`
if [ "$(id -u)" = '0' ]; then
	find /data \! -user svc -exec chown svc '{}' +
	exec gosu svc "$0" "$@"
fi
exec "$@"
