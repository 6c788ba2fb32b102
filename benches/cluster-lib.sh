# Shared by the cluster benchmarks (sourced): one PostgreSQL and one NATS of their own, and
# `porter serve` nodes on 127.0.0.2-4 (release builds). Stops only the processes it
# started, by their PIDs, and removes its directories.
#
# After sourcing: PORTER, SIM, WORK, PASSWORD, PG, NATS_PORT; start_node I (cluster node I on
# 127.0.0.(I+1)); start_single I (a node on its own embedded store at 127.0.0.(I+1), not in
# the cluster); admin_of / gateway_of / sip_of I; NODE_PIDS (by start order); cpu_ticks PID.

cargo build --release -p porter -p porter-sim -p porter-benches >&2
PORTER=target/release/porter
SIM=target/release/porter-sim
WORK=$(mktemp -d)
# Its own directory: PostgreSQL runs as the postgres user, who cannot enter $WORK.
PG_DIR=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  # Until they are gone: a run that follows binds the same ports.
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  scripts/postgres-for-tests.sh stop "$PG_DIR"
  rm -rf "$WORK"
}
trap cleanup EXIT
PASSWORD=bench-password-1

PG=$(scripts/postgres-for-tests.sh start "$PG_DIR")
NATS_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
nats-server -a 127.0.0.1 -p "$NATS_PORT" > "$WORK/nats.log" 2>&1 &
PIDS+=("$!")
head -c 32 /dev/urandom > "$WORK/sealing.key"
head -c 32 /dev/urandom > "$WORK/url-signing.key"

admin_of() { echo "127.0.0.$(($1 + 1)):$((55280 + $1))"; }
gateway_of() { echo "127.0.0.$(($1 + 1)):$((55290 + $1))"; }
sip_of() { echo "127.0.0.$(($1 + 1)):$((55270 + $1))"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
NODE_PIDS=()

# launch I FLAGS...: `porter serve` on 127.0.0.(I+1) with FLAGS, waiting until its admin
# API listens.
launch() {
  local i=$1 host="127.0.0.$(($1 + 1))"
  shift
  env PORTER_ADMIN_PASSWORD=$PASSWORD $PORTER serve --data-dir "$WORK/n$i" "$@" \
    --admin-listen "$(admin_of "$i")" --gateway-listen "$(gateway_of "$i")" \
    --gateway-ws-listen "$host:0" --https-listen "$host:0" --portal-listen "$host:0" \
    --sip-listen "$(sip_of "$i")" --sip-tls-listen "$host:0" --sip-ws-listen "$host:0" \
    --log warn > "$WORK/n$i.log" 2>&1 &
  PIDS+=("$!")
  NODE_PIDS+=("$!")
  for _ in $(seq 600); do
    grep -q "porter: admin listening" "$WORK/n$i.log" && return 0
    sleep 0.1
  done
  echo "node $i did not start:" >&2
  cat "$WORK/n$i.log" >&2
  exit 1
}

start_node() {
  local i=$1
  mkdir -p "$WORK/n$i"
  if [ "$i" != 1 ]; then
    cp "$WORK/n1/gateway-cert.pem" "$WORK/n1/gateway-key.pem" "$WORK/n$i/"
  fi
  launch "$i" --node-id "node$i" --store "$PG" --sealing-key-file "$WORK/sealing.key" \
    --url-signing-key-file "$WORK/url-signing.key" \
    --cluster-nats "nats://127.0.0.1:$NATS_PORT"
}

start_single() {
  mkdir -p "$WORK/n$1"
  launch "$1"
}
