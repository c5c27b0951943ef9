#!/bin/sh
set -eu
  exec su-exec "${WORKER_USER}:${WORKER_USER}" python3 /opt/worker/worker.py
