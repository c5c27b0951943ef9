#!/bin/sh
# Writes at start: a rendered config and a pid file, then serves on 8080.
set -e
mkdir -p /var/cache/app
echo "mode=$1" > /var/cache/app/rendered.conf
echo $$ > /var/cache/app/app.pid
exec busybox httpd -f -p 8080 -h /srv/app
