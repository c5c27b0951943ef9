#!/bin/sh
cd "$(dirname "$0")"
docker compose --env-file prod.env -f compose.yaml up -d
