#!/usr/bin/env bash
# Device gateway benchmarks (issue 4): (a) idle TLS devices held and the server's RSS per
# connection, (b) a reconnect storm: time until everyone is back and TLS handshakes per
# second of server CPU, (c) unlock round trips through the admin API at a fixed rate with
# everyone connected. porter and porter-sim run as separate processes on loopback; devices
# connect from many 127.0.x.y source addresses.
#
#   benches/gateway-bench.sh [DEVICES]      (default: as many as the fd limit allows)
#
# Results go to stdout as "key value" lines; docs/BENCHMARKS.md records a run.
set -euo pipefail

cd "$(dirname "$0")/.."
ulimit -n "$(ulimit -Hn)"
FD_LIMIT=$(ulimit -n)
# One fd per device on each side, plus room for the store, listeners and clients.
MAX_DEVICES=$((FD_LIMIT - 500))
DEVICES=${1:-$MAX_DEVICES}
if [ "$DEVICES" -gt "$MAX_DEVICES" ]; then
  echo "fd limit $FD_LIMIT allows at most $MAX_DEVICES devices per process; asked for $DEVICES" >&2
  DEVICES=$MAX_DEVICES
fi
UNLOCK_RATE=${UNLOCK_RATE:-1000}
UNLOCK_SECS=${UNLOCK_SECS:-30}
STORMS=${STORMS:-3}

cargo build --release -p porter -p porter-sim -p porter-benches >&2

# The peer, on a quiet machine before the load: rustls alone, in memory (median of 3).
for _ in 1 2 3; do
  target/release/tls-handshake-bench 5000 | awk '/rustls_server/ {print $2}'
done | sort -n | sed -n 2p | sed 's/^/peer_rustls_server_handshakes_per_cpu_sec /'
PORTER=target/release/porter
SIM=target/release/porter-sim
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
PASSWORD=bench-password-1
ADMIN=127.0.0.1:55151
GW=127.0.0.1:58601
# Source addresses: at most 200 devices each, well inside the per-address accept budget.
SOURCES=$(( (DEVICES + 199) / 200 ))

start_server() {
  : > "$WORK/server.log"
  PORTER_ADMIN_PASSWORD=$PASSWORD $PORTER serve --data-dir "$WORK/data" --admin-listen $ADMIN \
    --gateway-listen $GW --gateway-ws-listen 127.0.0.1:0 --https-listen 127.0.0.1:0 --portal-listen 127.0.0.1:0 --sip-listen 127.0.0.1:0 --sip-tls-listen 127.0.0.1:0 --sip-ws-listen 127.0.0.1:0 \
    --gateway-max-connections $((DEVICES + 100)) --log warn >> "$WORK/server.log" 2>&1 &
  for _ in $(seq 1 300); do grep -q "admin listening" "$WORK/server.log" && break; sleep 0.1; done
}
start_server
SERVER=$!

rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$SERVER/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVER/stat"; }
metric() { curl -s "http://$ADMIN/metrics" | awk -v k="$1" '$1 == k {print $2}'; }
online() { metric 'porter_gateway_devices_online{transport="tls",device_type="multi_tenant_door_phone"}'; }
handshakes() { metric 'porter_gateway_handshakes_total{transport="tls",result="ok"}'; }
wait_online() {
  for _ in $(seq 1 1200); do [ "$(online)" = "$1" ] && return 0; sleep 0.25; done
  echo "not all online: $(online) of $1" >&2; return 1
}

t0=$(date +%s.%N)
PORTER_SIM_PASSWORD=$PASSWORD $SIM --admin "http://$ADMIN" --provision --no-run \
  --door-phones "$DEVICES" --mac-tag 1 --save "$WORK/devices.json" >&2
echo "devices $DEVICES"
echo "fd_limit $FD_LIMIT"
echo "provision_secs $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')"

# A fresh process for the measurements: provisioning's garbage would hide connection growth.
kill $SERVER; wait $SERVER 2>/dev/null || true
start_server
SERVER=$!

run_sim() {
  $SIM --devices-file "$WORK/devices.json" --gateway $GW --transport tls \
    --ca "$WORK/data/gateway-cert.pem" --source-ips "$SOURCES" --source-base 127.0.2.1 \
    --connect-window 1024 --json "$@"
}

# (a) Hold: RSS before and with everyone connected and idle.
sleep 2
RSS0=$(rss_kb)
run_sim --mode hold --hold-secs 40 > "$WORK/hold.json" &
SIMPID=$!
wait_online "$DEVICES"
sleep 10
RSS1=$(rss_kb)
echo "rss_before_kb $RSS0"
echo "rss_connected_kb $RSS1"
echo "rss_per_connection_bytes $(( (RSS1 - RSS0) * 1024 / DEVICES ))"
wait $SIMPID
echo "hold_summary $(cat "$WORK/hold.json")"

# (b) Storm: everyone drops and reconnects at once, STORMS times.
H0=$(handshakes); C0=$(cpu_ticks)
run_sim --mode storm --storms "$STORMS" --hold-secs 1 > "$WORK/storm.json"
H1=$(handshakes); C1=$(cpu_ticks)
# Every session of the run, the first connect included, took a full handshake.
HS=$((H1 - H0))
echo "storm_summary $(cat "$WORK/storm.json")"
echo "storm_handshakes $HS"
echo "storm_server_cpu_secs $(awk -v c=$((C1 - C0)) 'BEGIN {printf "%.2f", c / 100}')"
echo "storm_handshakes_per_server_cpu_sec $(( HS * 100 / (C1 - C0) ))"

# (b') The same storms with session resumption (each device keeps its own tickets).
H0=$(handshakes); C0=$(cpu_ticks)
run_sim --mode storm --storms "$STORMS" --hold-secs 1 --resume > "$WORK/storm-resume.json"
H1=$(handshakes); C1=$(cpu_ticks)
echo "storm_resume_summary $(cat "$WORK/storm-resume.json")"
echo "storm_resume_handshakes_per_server_cpu_sec $(( (H1 - H0) * 100 / (C1 - C0) ))"
# Bounded memory: after every storm the server holds what it held with everyone online once.
echo "rss_after_storms_kb $(rss_kb)"

# (c) Unlocks through the admin API while everyone is connected.
run_sim --mode hold --hold-secs "$UNLOCK_SECS" --unlock-rate "$UNLOCK_RATE" \
  --password "$PASSWORD" --admin "http://$ADMIN" > "$WORK/unlock.json"
echo "unlock_summary $(cat "$WORK/unlock.json")"
kill $SERVER
