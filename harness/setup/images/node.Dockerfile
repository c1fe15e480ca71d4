# Node with npm for the service image: the very node binary (and npm) the local backend runs,
# copied from this machine (context: a temp dir setup fills), on the Debian 12 base, with this
# machine's CA bundle (npm in a build must trust what npm here trusts, e.g. a TLS-inspecting proxy's CA).
FROM brownout/debian:bookworm
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && node --version && npm --version
CMD ["node"]
