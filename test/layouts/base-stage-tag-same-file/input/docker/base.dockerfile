# Base images, built and pushed by CI: the slim one, then the full one on top of the pushed slim tag
FROM node:22-bookworm-slim AS base-slim
RUN apt-get update && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/*

FROM example/kuma:base-slim AS base-full
RUN apt-get update && apt-get install -y --no-install-recommends chromium \
    && rm -rf /var/lib/apt/lists/*
