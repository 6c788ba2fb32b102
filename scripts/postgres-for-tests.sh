#!/usr/bin/env bash
# Starts a throwaway PostgreSQL for the tests and prints its URL; `stop DIR` stops it.
# initdb refuses root, so the cluster runs as the `postgres` user (Debian's package makes
# it), in a temporary directory, on a free loopback port, trusting local connections.
#
#   url=$(scripts/postgres-for-tests.sh start /tmp/pg)   ...   scripts/postgres-for-tests.sh stop /tmp/pg
#
# `halt DIR` stops the server and keeps its data; `resume DIR` starts it again on the same
# port (for tests of a database outage).
set -euo pipefail

bin=$(dirname "$(compgen -G '/usr/lib/postgresql/*/bin/initdb' | sort -V | tail -1)")
as_postgres() { runuser -u postgres -- "$@"; }

case "${1:-}" in
  start)
    dir=$2
    mkdir -p "$dir"
    chown postgres "$dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_postgres "$bin/initdb" -D "$dir/data" -A trust -U porter --no-sync >/dev/null
    echo "$port" > "$dir/port"
    "$0" resume "$dir"
    echo "postgres://porter@127.0.0.1:$port/postgres"
    ;;
  resume)
    dir=$2
    as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
      -o "-p $(cat "$dir/port") -k $dir -c listen_addresses=127.0.0.1 -c max_connections=400" \
      start >/dev/null
    ;;
  halt)
    as_postgres "$bin/pg_ctl" -D "$2/data" -m fast -w stop >/dev/null
    ;;
  stop)
    as_postgres "$bin/pg_ctl" -D "$2/data" -m fast -w stop >/dev/null || true
    rm -rf "$2"
    ;;
  *)
    echo "usage: $0 start DIR | stop DIR | halt DIR | resume DIR" >&2
    exit 2
    ;;
esac
