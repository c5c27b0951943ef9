#!/bin/sh
set -e
# The bind-mounted uploads folder belongs to the host user: hand it to node.
sudo -n /usr/bin/chown node:node /srv/uploads
exec "$@"
