#!/bin/sh
set -e
# the data volume may come from an older release that ran as root
mkdir -p /var/lib/api
chown -R api:api /var/lib/api
exec gosu api "$@"
