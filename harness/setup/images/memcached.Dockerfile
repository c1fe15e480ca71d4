# memcached 1.6 from Debian 12 (the local backend's server).
FROM brownout/debian:bookworm
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends memcached >/dev/null \
 && rm -rf /var/lib/apt/lists/*
EXPOSE 11211
USER memcache
CMD ["memcached", "-l", "0.0.0.0", "-U", "0"]
