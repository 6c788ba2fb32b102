#!/usr/bin/env bash
# Cluster mode (issue 18): three `porter serve` nodes on 127.0.0.2-4 with one PostgreSQL and
# one NATS, all on this machine (release builds).
#   1. DOORS porter-sim door phones spread over the three gateways (the i-th on node i mod 3 + 1);
#   2. unlocks at RATE a second for SECS through node 2: devices held by node 2 itself (the
#      peer, in the same run) and devices on nodes 1 and 3 (each a NATS request/reply);
#      with each node's CPU seconds over the phase;
#   3. COUNT writes through node 1, each timed from its acknowledgement until node 2 lists it.
#
#   benches/cluster-bench.sh        (needs Debian's postgresql and nats-server)
#
# Stops only the processes it started, by their PIDs.
set -euo pipefail

cd "$(dirname "$0")/.."
DOORS=${DOORS:-300}
RATE=${RATE:-500}
SECS=${SECS:-20}
COUNT=${COUNT:-200}

cargo build --release -p porter -p porter-sim -p porter-benches >&2
PORTER=target/release/porter
SIM=target/release/porter-sim
BENCH=target/release/cluster-bench
WORK=$(mktemp -d)
# Its own directory: PostgreSQL runs as the postgres user, who cannot enter $WORK.
PG_DIR=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
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
NODE_PIDS=()

# start_node I: node I on 127.0.0.(I+1), waiting until its admin API listens.
start_node() {
  local i=$1 host="127.0.0.$(($1 + 1))"
  mkdir -p "$WORK/n$i"
  if [ "$i" != 1 ]; then
    cp "$WORK/n1/gateway-cert.pem" "$WORK/n1/gateway-key.pem" "$WORK/n$i/"
  fi
  env PORTER_ADMIN_PASSWORD=$PASSWORD $PORTER serve --data-dir "$WORK/n$i" --node-id "node$i" \
    --store "$PG" --sealing-key-file "$WORK/sealing.key" \
    --url-signing-key-file "$WORK/url-signing.key" \
    --cluster-nats "nats://127.0.0.1:$NATS_PORT" \
    --admin-listen "$(admin_of "$i")" --gateway-listen "$(gateway_of "$i")" \
    --gateway-ws-listen "$host:0" --https-listen "$host:0" --portal-listen "$host:0" \
    --sip-listen "$host:0" --sip-tls-listen "$host:0" --sip-ws-listen "$host:0" \
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
start_node 1
start_node 2
start_node 3

$BENCH setup "http://$(admin_of 1)" $PASSWORD "$DOORS" > "$WORK/ids"
DEVICE_ARGS=()
while read -r id; do DEVICE_ARGS+=(--device "$id"); done < "$WORK/ids"
$SIM --admin "http://$(admin_of 1)" --user admin --password $PASSWORD \
  --gateway "$(gateway_of 1),$(gateway_of 2),$(gateway_of 3)" \
  --ca "$WORK/n1/gateway-cert.pem" --server-name porter --hold-secs 3600 \
  "${DEVICE_ARGS[@]}" > "$WORK/sim.log" 2>&1 &
PIDS+=("$!")

# Every door connected: the nodes' gateway connection gauges add up to DOORS.
connected() {
  local sum=0 i n
  for i in 1 2 3; do
    n=$(curl -s "http://$(admin_of "$i")/metrics" | awk '/^porter_gateway_connections[{ ]/ {s += $NF} END {print s + 0}')
    sum=$((sum + n))
  done
  echo "$sum"
}
for _ in $(seq 600); do
  [ "$(connected)" -ge "$DOORS" ] && break
  sleep 0.5
done
echo "doors connected: $(connected) of $DOORS"
# Presence travels once a second; give the nodes a moment to know every session.
sleep 3

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
declare -a BEFORE
for i in 0 1 2; do BEFORE[$i]=$(cpu_ticks "${NODE_PIDS[$i]}"); done
echo "== unlocks through node 2 at $RATE/s for $SECS s"
$BENCH unlocks "http://$(admin_of 2)" $PASSWORD "$RATE" "$SECS" 2 "$WORK/ids"
HZ=$(getconf CLK_TCK)
for i in 0 1 2; do
  after=$(cpu_ticks "${NODE_PIDS[$i]}")
  echo "node$((i + 1)) cpu_s $(echo "scale=2; ($after - ${BEFORE[$i]}) / $HZ" | bc)"
done

echo "== writes through node 1, visible on node 2"
$BENCH visibility "http://$(admin_of 1)" "http://$(admin_of 2)" $PASSWORD "$COUNT"
