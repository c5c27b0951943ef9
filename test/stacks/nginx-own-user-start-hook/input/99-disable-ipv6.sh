#!/bin/sh
set -e
if [ "$DISABLE_IPV6" = "true" ]; then
  sed -i '/listen \[::\]/d' /etc/nginx/nginx.conf
fi
