#!/usr/bin/env sh
# Hands over to the next step, as NPMplus' entrypoint.sh does (exec envs.sh, which execs start.sh).
export ENABLE_PRERUN="${ENABLE_PRERUN:-false}"
exec envs.sh
