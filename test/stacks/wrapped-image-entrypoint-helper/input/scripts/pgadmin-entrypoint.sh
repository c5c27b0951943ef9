#!/usr/bin/env bash
set -euo pipefail
if [ ! -s /var/lib/pgadmin/pgadmin4.db ]; then
  echo "first start"
fi
exec /entrypoint.sh
