#!/bin/sh
mkdir -p /var/lib/app/cache
