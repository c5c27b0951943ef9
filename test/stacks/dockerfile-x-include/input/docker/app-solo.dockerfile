# syntax = devthefuture/dockerfile-x
# manyfold3d/manyfold docker/manyfold-solo.dockerfile: `runtime` is a stage of the included runtime.dockerfile (s6-overlay /init as root).
INCLUDE docker/runtime.dockerfile

FROM runtime as solo
RUN apk add --no-cache redis
ENV DATABASE_URL=sqlite3:/config/manyfold.sqlite3
