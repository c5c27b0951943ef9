#!/bin/sh
set -e
ORG=${GITHUB_REPOSITORY_OWNER:-"acme"}
cd "$(dirname "$0")/.."
docker build -t "$ORG/app:latest" .
