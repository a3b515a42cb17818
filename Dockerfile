# Gatehouse production image. Node 24 LTS; better-sqlite3 is compiled in the build stage, which has the
# toolchain (python3, make, g++); the runtime stage has only the bundled app (dist/bundle) and production dependencies.
# Build: docker build -t gatehouse .   Run: see docker-compose.yml (PostgreSQL) or mount a volume on /app/data (SQLite).

FROM node:24-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Dependencies first, so they are cached while only the source changes. Lifecycle scripts are skipped here
# (`prepare` would build before the source is copied); better-sqlite3's own install (prebuilt binary or
# node-gyp build) runs explicitly.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && npm rebuild better-sqlite3
COPY . .
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -rf src scripts tsconfig*.json

FROM node:24-slim
ENV NODE_ENV=production \
    GATEHOUSE_HOST=0.0.0.0 \
    GATEHOUSE_PORT=8080
WORKDIR /app
# Code and dependencies belong to root and are read-only for the app; only data/ (the SQLite file and the
# development key file, when used) is writable by the unprivileged `node` user.
COPY --from=build /app /app
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 8080
VOLUME ["/app/data"]
# Readiness is on the management listener (127.0.0.1:9464 by default, so inside the container only).
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=5 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.GATEHOUSE_MANAGEMENT_PORT || 9464) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The serving processes' Node flags (src/http/serverNodeFlags.ts; cluster workers get them from the primary).
CMD ["node", "--max-semi-space-size=8", "bin/gatehouse.js", "serve"]
