# The cdk8s-gateway runtime image: one bundled JavaScript file on a small Node base, run as a non-root user.
# Build from the repository root: docker build -t ghcr.io/cdk8s-gateway/cdk8s-gateway:$(node -p "require('./package.json').version") .

FROM node:24-alpine AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx projen bundle:gateway

FROM node:24-alpine
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /src/dist/gateway/ /app/
# uid/gid 1000 is the image's unprivileged `node` user; the GatewayDeployment construct runs it with a read-only root
# filesystem, so the gateway writes nothing to disk.
USER 1000:1000
EXPOSE 80 443 9901
# The Node flags bound V8's young generation (Node 24 grows it to 2 x 64 MB under load) and the old generation's growth
# between major collections: GATEWAY_NODE_FLAGS in src/dataplane/memory.ts, which GatewayDeployment's container
# command repeats.
ENTRYPOINT ["node", "--max-semi-space-size=4", "--heap-growing-percent=50", "/app/cdk8s-gateway.js"]
CMD ["serve", "--routes", "/etc/cdk8s-gateway/routes", "--admin", "0.0.0.0:9901"]
