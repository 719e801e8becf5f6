# syntax=docker/dockerfile:1
# One image for the API, the worker and the migration Job; the command chooses:
#   docker run aquastream-event                      → api (GraphQL + gRPC)
#   docker run aquastream-event worker               → graphile-worker
#   docker run aquastream-event migrate              → npm run db:migrate, then exit
#
# Node 24 from the official image; production dependencies only (tsx runs the
# TypeScript sources directly, so there is no build step to get wrong).

FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --omit=dev: no test tools, no embedded PostgreSQL binaries are used in
# production (DATABASE_URL is required there), no Node-from-npm either.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force

FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    HTTP_HOST=0.0.0.0 \
    GRPC_HOST=0.0.0.0 \
    MIGRATE_ON_START=false
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json .gmrc tsconfig.json ./
COPY db ./db
COPY proto ./proto
COPY src ./src
COPY tasks ./tasks
COPY docker/entrypoint.sh /usr/local/bin/entrypoint
USER node
# 9464: the worker's /metrics and /healthz (WORKER_METRICS_PORT)
EXPOSE 8080 50051 9464
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.HTTP_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["entrypoint"]
CMD ["api"]
