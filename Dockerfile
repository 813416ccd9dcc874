# One image for the four stages and the demo tools; compose picks the program per service.

# --- build: every dependency, then tsc -b of all workspaces -------------------------------
FROM node:20-slim AS build
WORKDIR /app
# Package files first: the npm ci layer is reused until a package.json or the lock changes.
COPY package.json package-lock.json ./
COPY shared/package.json shared/
COPY services/receiver/package.json services/receiver/
COPY services/expander/package.json services/expander/
COPY services/publisher/package.json services/publisher/
COPY services/reporter/package.json services/reporter/
COPY tools/package.json tools/
RUN npm ci --no-audit --no-fund
COPY tsconfig.base.json ./
COPY shared/ shared/
COPY services/ services/
COPY tools/ tools/
RUN npm run build

# --- runtime: production dependencies and the built JavaScript only -----------------------
FROM node:20-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
COPY shared/package.json shared/
COPY services/receiver/package.json services/receiver/
COPY services/expander/package.json services/expander/
COPY services/publisher/package.json services/publisher/
COPY services/reporter/package.json services/reporter/
COPY tools/package.json tools/
RUN npm ci --omit=dev --workspaces --include-workspace-root --no-audit --no-fund \
    && npm cache clean --force
COPY --from=build /app/shared/dist shared/dist
COPY --from=build /app/services/receiver/dist services/receiver/dist
COPY --from=build /app/services/expander/dist services/expander/dist
COPY --from=build /app/services/publisher/dist services/publisher/dist
COPY --from=build /app/services/reporter/dist services/reporter/dist
COPY --from=build /app/tools/dist tools/dist
# Files stay root-owned and read-only for the process: it runs as the image's `node` user.
USER node
# compose.yaml sets the command of each service; this default runs the receiver.
CMD ["node", "services/receiver/dist/main.js"]
