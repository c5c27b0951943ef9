#!/bin/sh
set -e
# Prepares, then runs the next step from the working directory.
sh ./scripts/prepare.sh
. ./scripts/run.sh
