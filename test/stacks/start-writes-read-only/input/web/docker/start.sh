#!/bin/sh
set -e
STATE_DIR=/var/lib/web
mkdir -p /run/web /var/cache/web/thumbs
# settings come from the environment of this deployment
envsubst < /app/config.template.json > /etc/web/config.json
sed -i "s|__API_URL__|${API_URL}|" /app/static/env.js
sqlite3 "$STATE_DIR/app.db" 'PRAGMA journal_mode=WAL;'
exec python -m http.server 8080 --directory /app/static
