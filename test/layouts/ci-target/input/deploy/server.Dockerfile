FROM golang:1.23 AS build
WORKDIR /src
COPY . .
RUN go build -o /out/server ./cmd/server

FROM debian:bookworm-slim AS server
COPY --from=build /out/server /usr/local/bin/server
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/server"]

FROM build AS tools
RUN go install github.com/golangci/golangci-lint/cmd/golangci-lint@latest
