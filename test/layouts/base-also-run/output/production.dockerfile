ARG BASE=acme/docs:latest
FROM ${BASE}
COPY license.txt /etc/docs/license.txt
RUN { getent group 1000 >/dev/null || groupadd --system --gid 1000 "$(getent group app >/dev/null && echo app-1000 || echo app)"; } \
    && { getent passwd 1000 >/dev/null || useradd --system --no-log-init --uid 1000 --gid 1000 --no-create-home --home-dir /home/app --shell /usr/sbin/nologin "$(getent passwd app >/dev/null && echo app-1000 || echo app)"; } \
    && mkdir -p /home/app && chown 1000:1000 /home/app
ENV HOME=/home/app
USER 1000:1000
