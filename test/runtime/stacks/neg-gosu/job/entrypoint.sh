#!/bin/sh
# Give the job its data folder, then run it as worker.
set -e
chown -R worker /var/lib/job
exec gosu worker "$@"
