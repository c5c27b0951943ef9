#!/bin/sh
exec python -m http.server 8000
