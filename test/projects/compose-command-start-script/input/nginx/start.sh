#!/bin/sh
envsubst '$APP_ADDR' < /tmp/default.conf > /etc/nginx/conf.d/default.conf && exec nginx -g 'daemon off;'
