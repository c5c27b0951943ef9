#!/bin/sh
# the version banner, rendered at start
envsubst < /usr/share/nginx/html/banner.tpl > /usr/share/nginx/html/banner.html
