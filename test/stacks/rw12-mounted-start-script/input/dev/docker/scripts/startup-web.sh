#!/bin/bash
set -euo pipefail
cd /app/clients
pnpm install --frozen-lockfile
exec pnpm exec node server.js
