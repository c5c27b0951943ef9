#!/bin/sh
set -e
# Extra plugins named by the deployment.
if [ -n "$EXTRA_PACKAGES" ]; then
    python3 -m pip install --no-cache-dir $EXTRA_PACKAGES
fi
exec "$@"
