#!/usr/bin/env bash
# Checks the prerequisites, optionally builds the release binary, and runs benches/run.py.
#
#   benches/run.sh [--build] [run.py options...]
#
#   --build   run `cargo build --release` first
#   BIN       server binary (default $CARGO_TARGET_DIR/release/partnerships,
#             CARGO_TARGET_DIR defaulting to $HOME/.cache/partnerships/target)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"

if [[ "${1:-}" == "--build" ]]; then
  shift
  (cd "$repo" && cargo build --release)
fi
export BIN="${BIN:-${CARGO_TARGET_DIR:-$HOME/.cache/partnerships/target}/release/partnerships}"

missing=0
need() { # need <command> <hint>
  if ! command -v "$1" >/dev/null 2>&1 && [[ ! -x "$1" ]]; then
    echo "missing: $1 — $2" >&2
    missing=1
  fi
}
need python3 "Python 3.11 or later"
need wrk "apt-get install -y wrk"
need sqlite3 "apt-get install -y sqlite3 (without it the SQLite baseline is skipped)"
need psql "apt-get install -y postgresql-client-15"
need "${PGBENCH:-/usr/lib/postgresql/15/bin/pgbench}" "PostgreSQL 15 server package (or pass --pgbench)"
[[ -x "$BIN" ]] || { echo "missing: server binary $BIN — cargo build --release (or set BIN)" >&2; missing=1; }
if command -v pg_isready >/dev/null 2>&1 || [[ -x /usr/lib/postgresql/15/bin/pg_isready ]]; then
  isready="$(command -v pg_isready || echo /usr/lib/postgresql/15/bin/pg_isready)"
  "$isready" -q -h "${PGHOST:-127.0.0.1}" -p "${PGPORT:-5432}" \
    || echo "warning: PostgreSQL does not answer on ${PGHOST:-127.0.0.1}:${PGPORT:-5432}" >&2
fi
if (( missing )); then
  echo "install what is missing (or use --db sqlite / --phases to skip what needs it)" >&2
fi

exec python3 "$here/run.py" "$@"
