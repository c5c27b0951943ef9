#!/bin/sh
# What the official image's /docker-entrypoint.d/20-envsubst-on-templates.sh
# does (nginx/docker-nginx, entrypoint/): every *.template under
# /etc/nginx/templates, at any depth, is rendered with the environment's
# variables into the same relative path under /etc/nginx/conf.d, without the
# suffix. When conf.d is not writable (a read-only root) it only logs an error
# and nginx starts without the rendered files.
set -e
template_dir="${NGINX_ENVSUBST_TEMPLATE_DIR:-/etc/nginx/templates}"
suffix="${NGINX_ENVSUBST_TEMPLATE_SUFFIX:-.template}"
output_dir="${NGINX_ENVSUBST_OUTPUT_DIR:-/etc/nginx/conf.d}"
[ -d "$template_dir" ] || exit 0
if [ ! -w "$output_dir" ]; then
  echo "$0: ERROR: $template_dir exists, but $output_dir is not writable"
  exit 0
fi
# Only the variables the environment defines are replaced; nginx's own $host and the like stay.
defined=$(env | sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)=.*/${\1}/p' | tr '\n' ' ')
find "$template_dir" -follow -type f -name "*$suffix" | while read -r template; do
  relative="${template#"$template_dir/"}"
  output="$output_dir/${relative%"$suffix"}"
  mkdir -p "$(dirname "$output")"
  echo "$0: rendering $template to $output"
  envsubst "$defined" < "$template" > "$output"
done
