#!/bin/sh
set -e
docker build --build-arg BASE=registry.example.com/mirror/nginx:stable -t example/web:latest .
docker run -d -p 8080:80 example/web:latest
