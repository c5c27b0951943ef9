#!/usr/bin/env sh
exec node /app/index.js
