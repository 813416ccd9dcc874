# One image for the four stages, the operator CLI and the demo profile's GitHub stand-in and
# orchestrator; compose picks the program per service. No bench and no test support: those
# stay in the repository (tools/bench, the stand-in's harness, test/).

# --- build: every dependency, then tsc -b of all workspaces -------------------------------
FROM node:22-slim AS build
WORKDIR /app
# Package files first: the npm ci layer is reused until a package.json or the lock changes.
COPY package.json package-lock.json ./
COPY shared/package.json shared/
COPY services/receiver/package.json services/receiver/
COPY services/expander/package.json services/expander/
COPY services/publisher/package.json services/publisher/
COPY services/reporter/package.json services/reporter/
COPY tools/cli/package.json tools/cli/
COPY tools/github-standin/package.json tools/github-standin/
COPY tools/bench/package.json tools/bench/
# npm can end 0 without finishing the install (seen: "Exit handler never called!" when the
# network failed): each install is checked here, so the build fails at this step, saying why.
RUN npm ci --no-audit --no-fund \
    && npm ls --all >/dev/null && test -x node_modules/.bin/tsc \
    || { echo 'npm ci did not install every dependency (npm ls or node_modules/.bin/tsc): see the npm output above (the registry unreachable?)' >&2; exit 1; }
COPY tsconfig.base.json ./
COPY shared/ shared/
COPY services/ services/
COPY tools/ tools/
# Of the stand-in's package the image runs only its programs (dist/main.js, the GitHub
# stand-in; dist/demo-orchestrator.js): the pipeline harness and `npm run demo` are dev only.
RUN npm run build \
    && rm -r tools/github-standin/dist/harness tools/github-standin/dist/demo.*

# --- runtime: production dependencies and the built JavaScript only -----------------------
FROM node:22-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
COPY shared/package.json shared/
COPY services/receiver/package.json services/receiver/
COPY services/expander/package.json services/expander/
COPY services/publisher/package.json services/publisher/
COPY services/reporter/package.json services/reporter/
COPY tools/cli/package.json tools/cli/
COPY tools/github-standin/package.json tools/github-standin/
# tools/bench is absent: npm installs the workspaces present, so none of its dependencies.
RUN npm ci --omit=dev --workspaces --include-workspace-root --no-audit --no-fund \
    && npm ls --omit=dev --all --workspaces --include-workspace-root >/dev/null \
    || { echo 'npm ci --omit=dev did not install every production dependency (npm ls): see the npm output above (the registry unreachable?)' >&2; exit 1; }; \
    npm cache clean --force
COPY --from=build /app/shared/dist shared/dist
COPY --from=build /app/services/receiver/dist services/receiver/dist
COPY --from=build /app/services/expander/dist services/expander/dist
COPY --from=build /app/services/publisher/dist services/publisher/dist
COPY --from=build /app/services/reporter/dist services/reporter/dist
COPY --from=build /app/tools/cli/dist tools/cli/dist
COPY --from=build /app/tools/github-standin/dist tools/github-standin/dist
# The App manifest the receiver's setup page registers (services/receiver reads ../../app.yml).
COPY app.yml ./
# compose's `credentials` volume: a new named volume takes this directory's owner and mode, so
# the receiver (as `node`) can write what its setup page registers, and nobody else read it.
RUN mkdir -m 0700 /credentials && chown node:node /credentials
# Files stay root-owned and read-only for the process: it runs as the image's `node` user.
USER node
# compose.yaml sets the command of each service; this default runs the receiver.
CMD ["node", "services/receiver/dist/main.js"]
