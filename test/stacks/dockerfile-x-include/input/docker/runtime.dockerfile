FROM ruby:3.4-alpine AS runtime
WORKDIR /usr/src/app
RUN apk add --no-cache s6-overlay
COPY . .
ENV PUID=0
ENV PGID=0
EXPOSE 3214
ENTRYPOINT ["/init"]
