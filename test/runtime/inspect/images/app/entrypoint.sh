#!/bin/sh
# Writes at start: a rendered config and a pid file, then waits.
set -e
mkdir -p /var/cache/app
echo "mode=$1" > /var/cache/app/rendered.conf
echo $$ > /var/cache/app/app.pid
exec sleep 2147483647
