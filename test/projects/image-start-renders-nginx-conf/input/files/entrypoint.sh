#!/usr/bin/env bash
export BACKEND_URI=${BACKEND_URI:-http://backend:6060};
envsubst "\$BACKEND_URI" < /etc/nginx/nginx.conf.template > /etc/nginx/nginx.conf
exec "$@";
