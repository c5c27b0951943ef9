#!/bin/bash
set -euo pipefail
echo "Running migrations"
sudo -E -u nobody /app/bin/migrate
exec "$@"
