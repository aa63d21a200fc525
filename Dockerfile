# The service's container image: the npm package exactly as `npm pack` makes it, installed the way its users install
# it, run by node as a non-root user. How to build, run and check it: docs/container.md.
#
# Stage "build" has the compilers (better-sqlite3 is a native module); the runtime stage gets only the installed
# package and its production dependencies: no sources, no dev dependencies, no npm cache, no compiler.

ARG NODE_VERSION=20

FROM node:${NODE_VERSION}-bookworm AS build
WORKDIR /src
# The lockfile's dependencies first, so that this layer is rebuilt only when they change.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# prepack builds dist/ (the JavaScript and the declaration files): the tarball is what `npm publish` would upload.
RUN npm pack --pack-destination /tmp/pack
# Installed as a user installs it: in an empty folder, production dependencies only, at the versions of the
# npm-shrinkwrap.json the package carries (the project's lockfile).
WORKDIR /app
RUN echo '{"private": true}' > package.json \
 && npm install --omit=dev --no-audit --no-fund /tmp/pack/graph-profile-phones-*.tgz \
 && npm cache clean --force

FROM node:${NODE_VERSION}-bookworm-slim
# Development identity on 0.0.0.0 is still refused unless the one who runs the image allows it
# (ALLOW_DEV_IDENTITY_ON_NETWORK=true): the image does not decide that for them.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/data \
    PATH=/app/node_modules/.bin:$PATH
COPY --from=build /app /app
# The data folder belongs to the user the service runs as; a named volume takes this ownership when first mounted.
RUN mkdir /data && chown node:node /data
USER node
WORKDIR /app
VOLUME /data
EXPOSE 8080
# node, since the slim image has no curl. 127.0.0.1 reaches HOST=0.0.0.0 (and ::); https when TLS is on (the
# development certificate is self-signed, and this only asks the service itself whether it is up).
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "const s=process.env.TLS==='true'||!!process.env.TLS_CERT;require(s?'node:https':'node:http').get({host:'127.0.0.1',port:process.env.PORT||8080,path:'/health',rejectUnauthorized:false,timeout:4000},(r)=>process.exit(r.statusCode===200?0:1)).on('timeout',function(){this.destroy()}).on('error',()=>process.exit(1))"]
# node itself is PID 1: it installs SIGTERM and SIGINT handlers (close-with-grace), so `docker stop` drains and
# exits 0. Arguments after the image name are settings (`--log-level debug`) or a command (`token --user ...`).
ENTRYPOINT ["node", "/app/node_modules/graph-profile-phones/dist/main.js"]
