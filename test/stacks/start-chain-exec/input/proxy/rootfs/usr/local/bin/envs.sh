#!/usr/bin/env sh
export PUID="${PUID:-911}"
export PGID="${PGID:-911}"
exec start.sh
