# The Toxiproxy server built by make setup from the pinned Go module (context: its folder in the tools cache, see harness/setup/versions.env), started
# as the official image starts it.
FROM brownout/debian:bookworm
COPY toxiproxy-server /toxiproxy
EXPOSE 8474
ENTRYPOINT ["/toxiproxy"]
CMD ["-host=0.0.0.0"]
