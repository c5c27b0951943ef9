#!/usr/bin/env bash
# Builds under a temporary tag from the script's own folder, then re-tags (documenso's docker/build.sh).
SCRIPT_DIR="$(readlink -f "$(dirname "$0")")"
MONOREPO_ROOT="$(readlink -f "$SCRIPT_DIR/../")"
docker build -f "$SCRIPT_DIR/Dockerfile" -t "app-base" "$MONOREPO_ROOT"
docker tag "app-base" "org/app:latest"
docker rmi "app-base"
