#!/bin/sh
set -eu
  if [ "$(id -u)" = 0 ]; then
    exec su-exec "${WORKER_USER}:${WORKER_USER}" python3 /opt/worker/worker.py
  else
    exec python3 /opt/worker/worker.py
  fi
