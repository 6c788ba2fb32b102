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

# shellcheck source=benches/cluster-lib.sh
. benches/cluster-lib.sh
BENCH=target/release/cluster-bench
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
