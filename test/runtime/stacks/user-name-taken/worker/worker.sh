#!/bin/sh
# Takes jobs from the spool and leaves a heartbeat there.
set -e
mkdir -p /var/spool/worker
echo "worker: $(runtime-version), uid $(id -u)"
while true; do
  date +%s > /var/spool/worker/heartbeat
  sleep 2
done
