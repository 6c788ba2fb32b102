#!/usr/bin/env bash
# Access credentials reaching door phones (issue 16): one community of 10,000 apartments and
# 50,000 RF cards, 1,000 door phones connected through porter-sim (2 public gates holding
# every card, the rest 10 per building holding their building's). Measures the first
# delivery of everyone's whole list, then CHANGES credential changes through the admin API
# (a card added, then withdrawn) at PER_SEC: the time from the API call until every door it
# concerns has applied it; and the server's RSS per connected door phone with its list.
#
#   benches/credential-bench.sh [APARTMENTS DOORS CARDS_PER_APT]   (default 10000 1000 5)
#   CHANGES=200 PER_SEC=5 benches/credential-bench.sh
#   CHANGES=0 benches/credential-bench.sh 10000 1000 0   # the peer: the same doors, no cards
#
# porter and porter-sim run as separate processes on loopback. Results: "key value" lines.
set -euo pipefail

cd "$(dirname "$0")/.."
APARTMENTS=${1:-10000}
DOORS=${2:-1000}
CARDS=${3:-5}
CHANGES=${CHANGES:-200}
PER_SEC=${PER_SEC:-5}
ulimit -n "$(ulimit -Hn)"

cargo build --release -p porter -p porter-sim -p porter-benches >&2
PORTER=target/release/porter
SIM=target/release/porter-sim
BENCH=target/release/credential-push-bench
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
PASSWORD=bench-password-1
ADMIN=127.0.0.1:55161
GW=127.0.0.1:58611

start_server() {
  : > "$WORK/server.log"
  PORTER_ADMIN_PASSWORD=$PASSWORD $PORTER serve --data-dir "$WORK/data" --admin-listen $ADMIN \
    --gateway-listen $GW --gateway-ws-listen 127.0.0.1:0 --https-listen 127.0.0.1:0 --portal-listen 127.0.0.1:0 \
    --sip-listen 127.0.0.1:0 --sip-tls-listen 127.0.0.1:0 --sip-ws-listen 127.0.0.1:0 \
    --gateway-max-connections $((DOORS + 100)) --log warn >> "$WORK/server.log" 2>&1 &
  for _ in $(seq 1 600); do grep -q "admin listening" "$WORK/server.log" && break; sleep 0.1; done
}
start_server
SERVER=$!
$BENCH setup "http://$ADMIN" $PASSWORD "$WORK" "$APARTMENTS" "$DOORS" "$CARDS"

# A fresh process for the measurements, the directory loaded.
kill $SERVER; wait $SERVER 2>/dev/null || true
start_server
SERVER=$!
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$SERVER/status"; }
# glibc's malloc_trim(0) called in the server (gdb attaches for a moment) gives what the
# allocator only kept back, so the RSS after it is what is live.
# malloc_stats() then prints the bytes in use (live allocations, whatever the pages) to
# the server's stderr, which is its log.
trim() {
  command -v gdb >/dev/null || return 0
  gdb -p "$SERVER" -batch -ex 'call (int) malloc_trim(0)' -ex 'call (void) malloc_stats()' \
    >/dev/null 2>&1 || true
  sleep 1
}
in_use_kb() {
  awk '/^Total/ {total = 1} total && /in use bytes/ {n = $NF} END {print int(n / 1024)}' \
    "$WORK/server.log"
}
sleep 2
BASE_KB=$(rss_kb)
trim
BASE_TRIMMED_KB=$(rss_kb)
BASE_IN_USE_KB=$(in_use_kb)

t0=$(date +%s%N)
$SIM --devices-file "$WORK/devices.json" --gateway $GW --transport tls \
  --ca "$WORK/data/gateway-cert.pem" --source-ips 5 --source-base 127.0.3.1 \
  --connect-window 256 --hold-secs 100000 --report-credentials > "$WORK/sim.out" 2>"$WORK/sim.err" &
SIM_PID=$!
online() {
  curl -s "http://$ADMIN/metrics" |
    awk '$1 == "porter_gateway_devices_online{transport=\"tls\",device_type=\"multi_tenant_door_phone\"}" {print $2}'
}
# Everyone holds a whole list once each door has reported one (without credentials, once
# everyone is online: the peer for the memory figure).
for _ in $(seq 1 2400); do
  if [ "$CARDS" -eq 0 ]; then
    [ "$(online)" = "$DOORS" ] && break
  else
    HELD=$(grep '"applied"' "$WORK/sim.out" | grep -o '"mac":"[^"]*"' | sort -u | wc -l || true)
    [ "$HELD" -ge "$DOORS" ] && break
  fi
  sleep 0.25
done
t1=$(date +%s%N)
echo "doors $DOORS"
echo "credentials $((APARTMENTS * CARDS))"
echo "first_whole_lists_secs $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", (b - a) / 1e9}')"
echo "gate_list_size $(grep '"applied"' "$WORK/sim.out" | grep -o '"credentials":[0-9]*' | sort -t: -k2 -n | tail -1 | cut -d: -f2)"
sleep 3
WITH_KB=$(rss_kb)
echo "server_rss_base_mb $((BASE_KB / 1024))"
echo "server_rss_with_doors_mb $((WITH_KB / 1024))"
echo "server_rss_per_door_bytes $(( (WITH_KB - BASE_KB) * 1024 / DOORS ))"
# What of that is live: the same figures with both readings taken after a trim.
if command -v gdb >/dev/null; then
  trim
  TRIMMED_KB=$(rss_kb)
  echo "server_rss_base_trimmed_mb $((BASE_TRIMMED_KB / 1024))"
  echo "server_rss_with_doors_trimmed_mb $((TRIMMED_KB / 1024))"
  echo "server_rss_per_door_trimmed_bytes $(( (TRIMMED_KB - BASE_TRIMMED_KB) * 1024 / DOORS ))"
  IN_USE_KB=$(in_use_kb)
  echo "server_heap_in_use_base_mb $((BASE_IN_USE_KB / 1024))"
  echo "server_heap_in_use_with_doors_mb $((IN_USE_KB / 1024))"
  echo "server_heap_in_use_per_door_bytes $(( (IN_USE_KB - BASE_IN_USE_KB) * 1024 / DOORS ))"
fi

[ "$CHANGES" -gt 0 ] || exit 0
$BENCH changes "http://$ADMIN" $PASSWORD "$WORK" "$CHANGES" "$PER_SEC"
sleep 3
kill $SIM_PID; wait $SIM_PID 2>/dev/null || true
$BENCH report "$WORK" "$WORK/sim.out"
