ARG BASE=acme/docs:latest
FROM ${BASE}
COPY license.txt /etc/docs/license.txt
