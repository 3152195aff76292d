# syntax=docker/dockerfile:1
# Berth's image: `docker build -t berth .` then `docker run -p 5000:5000 -v berth-data:/data berth`.
# docs/deploy.md explains the settings for several nodes. deploy/check-dockerfile.sh runs these
# steps on a host without Docker; test/deploy checks that it mirrors them.

# Node 24 LTS: what users deploy (Node 20 reached end of life in April 2026).
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
# node-gyp's toolchain: better-sqlite3 compiles from source when no prebuilt binary matches.
# (@node-rs/argon2 ships prebuilt per platform and needs none of it.)
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# The lockfile alone first, so the slow dependency layer is reused while only src/ changes.
COPY package.json package-lock.json ./
# --ignore-scripts: the package's "prepare" script builds, and src/ is not here yet.
# `npm rebuild` then runs the dependencies' install scripts (the native addon) without it.
RUN npm ci --ignore-scripts --no-audit --no-fund && npm rebuild
COPY tsconfig.json ./
COPY src ./src
COPY bin ./bin
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
# A numeric user that owns nothing but the data folder: the code itself stays read-only to it.
RUN groupadd --gid 10001 berth \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin berth \
 && mkdir /data && chown 10001:10001 /data
WORKDIR /app
ENV BERTH_DATA=/data
# What `npm pack` would ship ("files" in package.json) plus the production dependencies.
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist/src ./dist/src
COPY --from=build /src/bin ./bin
# Numeric, so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
USER 10001:10001
VOLUME ["/data"]
EXPOSE 5000
# Alive, not ready: /readyz would mark the container unhealthy while PostgreSQL or S3 is down,
# and restarting Berth fixes neither. Plain HTTP on BERTH_LISTEN's port (slim has no curl);
# with TLS on, override the check.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + ((process.env.BERTH_LISTEN || '').split(':').pop() || '5000') + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node runs as PID 1 (the base image's entrypoint execs it): Berth installs its own SIGTERM and
# SIGINT handlers, so the signals the kernel would otherwise ignore for PID 1 reach it, and it
# starts no child processes to reap. `docker run --init` adds tini anyway if you prefer.
CMD ["node", "bin/berth.js", "serve"]
