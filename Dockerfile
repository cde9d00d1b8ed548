# Multi-stage build: compile in the Rust image, run the single binary as a non-root user.
#   docker build -t partnerships .
#   docker run -p 8080:8080 -e DATABASE_URL=postgres://user:pass@db:5432/partnerships partnerships
# Without DATABASE_URL the embedded SQLite file is /var/lib/partnerships/data/partnerships.db
# (mount a volume there to keep it).

FROM rust:1.95-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libsqlite3-dev libpq-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY migrations ./migrations
COPY crates ./crates
COPY src ./src
RUN cargo build --release --locked --bin partnerships

FROM debian:bookworm-slim
# Runtime libraries of the binary only: SQLite, libpq (and the TLS roots it uses).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libsqlite3-0 libpq5 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --create-home --home-dir /var/lib/partnerships partnerships
COPY --from=build /src/target/release/partnerships /usr/local/bin/partnerships
USER partnerships
WORKDIR /var/lib/partnerships
ENV HOST=0.0.0.0 \
    PORT=8080 \
    RUST_LOG=info
EXPOSE 8080
VOLUME ["/var/lib/partnerships/data"]
ENTRYPOINT ["/usr/local/bin/partnerships"]
CMD ["serve"]
