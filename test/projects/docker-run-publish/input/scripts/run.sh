#!/bin/sh
set -e
docker build -t acme/web:latest .
docker run -d --name web \
  --publish=127.0.0.1:80:80 \
  acme/web:latest
