#!/bin/sh
set -e
envs=$(ls -t /usr/share/nginx/html/assets/envs*.js | head -n1)
tmpfile=$(mktemp)
envsubst < "$envs" > "$tmpfile"
cat "$tmpfile" > "$envs"
