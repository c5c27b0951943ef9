#!/bin/sh
cd /app/api && go test ./... -coverprofile=coverage.txt
