FROM golang:1.23 AS build
WORKDIR /src
COPY . .
RUN go build -o /out/server ./cmd/server

FROM debian:bookworm-slim AS server
COPY --from=build /out/server /usr/local/bin/server
EXPOSE 8080
RUN { getent group 1000 >/dev/null || groupadd --system --gid 1000 "$(getent group app >/dev/null && echo app-1000 || echo app)"; } \
    && { getent passwd 1000 >/dev/null || useradd --system --no-log-init --uid 1000 --gid 1000 --no-create-home --home-dir /home/app --shell /usr/sbin/nologin "$(getent passwd app >/dev/null && echo app-1000 || echo app)"; } \
    && mkdir -p /home/app && chown 1000:1000 /home/app
ENV HOME=/home/app
USER 1000:1000
ENTRYPOINT ["/usr/local/bin/server"]

FROM build AS tools
RUN go install github.com/golangci/golangci-lint/cmd/golangci-lint@latest
