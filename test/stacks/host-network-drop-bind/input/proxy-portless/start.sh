#!/bin/sh
# binds 443 as root, then serves as srv
exec su-exec srv /usr/local/bin/server
