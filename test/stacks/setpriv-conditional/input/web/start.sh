#!/usr/bin/env bash
set -euo pipefail
echo "starting as $(id -u)"
exec setpriv --reuid=1000 --regid=1000 --init-groups node server.js
