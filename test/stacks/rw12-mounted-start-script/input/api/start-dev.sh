#!/bin/sh
mkdir -p /var/lib/api/cache
exec python -m http.server 8000
