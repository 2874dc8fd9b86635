# syntax=docker/dockerfile:1
#
# The edgar image: `edgar worker` by default, any edgar command otherwise
# (docker compose run --rm coordinator edgar coordinate ...). See docs/DOCKER.md.
#
# Debian slim rather than Alpine: the size gap is ~40 MB, and musl's resolver has known
# differences (search domains, no TCP fallback) on the Docker DNS that every service name
# here goes through. glibc is also what the tests run on.
ARG NODE_IMAGE=node:20-bookworm-slim

# ---------------------------------------------------------------- build
# Dev dependencies and the TypeScript compiler live only in this stage.
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: the `prepare` script would compile before the sources are copied;
# the build step below does it once they are.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# ---------------------------------------------------------------- runtime
FROM ${NODE_IMAGE} AS runtime
# tini is PID 1: it forwards SIGTERM to node (which drains the worker, see `edgar worker
# --grace`) and reaps the child processes of `load-graph --workers`. The image then stops
# cleanly under plain `docker run` and Kubernetes too, not only under compose's `init: true`.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production \
    QUEUE_DIR=/app/data/queue \
    FILINGS_DIR=/app/data/filings \
    GRAPH_DIR=/app/data/graph \
    LLM_CACHE_DIR=/app/data/llm-cache \
    PATH=/app/bin:$PATH
COPY package.json package-lock.json ./
# Production dependencies only. None of them has an install script or a native part
# (package-lock.json; test/deploy checks it), so --ignore-scripts loses nothing and keeps
# `prepare` (tsc, a dev dependency that is not here) from running.
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts \
 && npm cache clean --force
COPY bin ./bin
COPY --from=build /src/dist ./dist
# Every mount point exists and belongs to the runtime user: Docker gives a new named volume
# the ownership of the folder it is mounted on, so a non-root worker can write to it. Not
# chown -R: that would copy every file below into one more layer.
RUN mkdir -p data/queue data/graph data/llm-cache data/filings \
 && chown node:node data data/queue data/graph data/llm-cache data/filings
# The fictitious demo filings only (accession numbers 9999999999-*, which EDGAR does not
# use): .dockerignore keeps whatever `edgar download` put in data/filings out of the
# context. An empty `filings` volume is seeded with them on its first mount, so
# `edgar coordinate --year 2010` has work on a fresh set-up.
COPY --chown=node:node data/filings ./data/filings
USER node
# Alive and claiming: the worker's heartbeat record is fresh, its process exists, and the
# queue folders are writable from here (src/queue/health.ts).
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD ["edgar", "healthcheck"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["edgar", "worker"]
