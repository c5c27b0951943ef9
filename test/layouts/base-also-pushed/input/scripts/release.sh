#!/bin/sh
set -eu
docker build -t acme/gui:latest .
docker push acme/gui:latest
