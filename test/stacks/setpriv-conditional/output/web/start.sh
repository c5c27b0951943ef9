#!/usr/bin/env bash
set -euo pipefail
echo "starting as $(id -u)"
if [ "$(id -u)" = 0 ]; then
  exec setpriv --reuid=1000 --regid=1000 --init-groups node server.js
else
  exec node server.js
fi
