# The tools image of HoldCell's capture helper container: strace and a shell, nothing else.
# Build: docker build -t holdcell/tracer:1 -f docker/tracer.Dockerfile docker
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends strace \
 && rm -rf /var/lib/apt/lists/*
CMD ["sleep", "2147483647"]
