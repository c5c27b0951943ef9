#!/bin/sh
set -e
openssl rand -hex 16 > cluster_secret
exec sleep infinity
