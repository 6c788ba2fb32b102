#!/usr/bin/env bash
# The whole test suite, on a fresh machine: installs what the tests need, then runs every
# Rust test (unit, integration against a real server, crash test) and the external-client
# tests (Python grpcio through gRPC reflection), then the web portal's browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."

# External clients the tests drive the server with (not part of this repository): curl
# opens remote-control links over HTTPS; sipp (Debian's sip-tester) and baresip are real SIP
# peers; node runs JsSIP, a SIP-over-WebSocket client, from npm; Debian's Chromium is the
# browser the portal's tests drive (playwright-core, never a downloaded browser); libfaketime
# (Debian's faketime) starts a server a month ahead for the portal's password-reminder test;
# PostgreSQL (Debian's, started here as a throwaway cluster) is the cluster mode's store;
# nats-server (Debian's) carries presence and commands between cluster nodes (the cluster
# tests start their own).
missing=()
command -v curl >/dev/null || missing+=(curl)
command -v sipp >/dev/null || missing+=(sip-tester)
command -v baresip >/dev/null || missing+=(baresip-core)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
command -v chromium >/dev/null || missing+=(chromium)
compgen -G '/usr/lib/*/faketime/libfaketimeMT.so.1' >/dev/null || missing+=(faketime)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
command -v nats-server >/dev/null || missing+=(nats-server)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update
  apt-get install -y "${missing[@]}"
fi
(cd tests-external/jssip && npm ci --no-audit --no-fund --loglevel=error)
(cd web && npm ci --no-audit --no-fund --loglevel=error)

# The portal's committed build (web/dist, embedded in the binary) must be what web/ builds.
if ! (cd web && npm run --silent check-dist); then
  echo "web/dist differs from what web/ builds: run 'cd web && npm run build' and commit web/dist" >&2
  exit 1
fi
# aiosmtpd is the real SMTP server the mail tests send to.
if ! python3 -c 'import grpc, grpc_reflection, google.protobuf, openpyxl, aiosmtpd' 2>/dev/null; then
  python3 -m pip install --quiet --disable-pip-version-check \
    'grpcio>=1.60' 'grpcio-reflection>=1.60' 'protobuf>=4.25' 'openpyxl>=3.1' 'aiosmtpd>=1.4'
fi

# A one-off build gains nothing from incremental caches, which would double its disk use.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
cargo build --workspace --all-targets --locked

PG_DIR=$(mktemp -d)
trap 'scripts/postgres-for-tests.sh stop "$PG_DIR"' EXIT
PORTER_TEST_POSTGRES=$(scripts/postgres-for-tests.sh start "$PG_DIR")
export PORTER_TEST_POSTGRES

cargo test --workspace --locked -- --test-threads=2
# The store's suite again, every store on PostgreSQL (tests/common picks the backend).
PORTER_STORE_SUITE=postgres cargo test -p porter-store --locked --tests -- --test-threads=2
python3 tests-external/admin_api_client.py
(cd web && npm test)
