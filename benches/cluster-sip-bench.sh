#!/usr/bin/env bash
# SIP in cluster mode (issue 18): server CPU per REGISTER and per call on three nodes (one
# PostgreSQL, one NATS) against one node on its embedded store, in the same run, all on this
# machine (release builds), with the same sipp load:
#   - REGISTER with digest: ACCOUNTS door-phone accounts register at RATE/s (on node 2 of the
#     cluster; CPU counted over all three nodes, which learn the accounts over NATS);
#   - calls at CALL_RATE/s (INVITE, 407, INVITE, 200, ACK, BYE) from half the accounts to the
#     other half: in the cluster once through node 1, so each call is forwarded to node 2
#     where the callee registered ("cross"), and once through node 2 itself ("local").
#
#   benches/cluster-sip-bench.sh          (needs postgresql, nats-server and sip-tester)
#   ACCOUNTS=4000 RATE=1000 CALLS=4000 CALL_RATE=300 benches/cluster-sip-bench.sh
#
# Prints "key value" lines; docs/BENCHMARKS.md ("Cluster mode") records runs.
set -euo pipefail

cd "$(dirname "$0")/.."
ulimit -n "$(ulimit -Hn)"
ACCOUNTS=${ACCOUNTS:-2000}
RATE=${RATE:-500}
CALLS=${CALLS:-2000}
CALL_RATE=${CALL_RATE:-200}
command -v sipp >/dev/null || { echo "needs sipp (apt-get install sip-tester)" >&2; exit 1; }
# shellcheck source=benches/cluster-lib.sh
. benches/cluster-lib.sh
SCENARIOS=sip/tests/sipp
UAS=127.0.0.1:56100

start_node 1
start_node 2
start_node 3
start_single 4
CLUSTER_PIDS="${NODE_PIDS[0]} ${NODE_PIDS[1]} ${NODE_PIDS[2]}"
SINGLE_PID=${NODE_PIDS[3]}

# The same number of door phones on the cluster (made through node 1) and on the single node.
for i in 1 4; do
  PORTER_SIM_USER=admin PORTER_SIM_PASSWORD=$PASSWORD $SIM --admin "http://$(admin_of $i)" \
    --provision --no-run --door-phones "$ACCOUNTS" --save "$WORK/devices-$i.json" >&2
  python3 - "$WORK/devices-$i.json" "$WORK" "$i" <<'PY'
import json, sys
devices, work, node = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
accounts = [(d["sip_number"], d["sip_password"]) for d in devices]
auth = lambda n, p: f"{n};[authentication username={n} password={p}]"
with open(f"{work}/register-{node}.csv", "w") as f:
    f.write("SEQUENTIAL\n" + "".join(auth(*a) + "\n" for a in accounts))
with open(f"{work}/call-{node}.csv", "w") as f:
    f.write("SEQUENTIAL\n")
    for k in range(0, len(accounts) - 1, 2):
        f.write(f"{auth(*accounts[k])};{accounts[k + 1][0]}\n")
PY
done
sipp -sf "$SCENARIOS/bench_answer.xml" -t u1 -i 127.0.0.1 -p "${UAS##*:}" -nostdin \
  -timeout 3600s > /dev/null 2>&1 &
PIDS+=("$!")
# Writes reach the other nodes within a second; the accounts must be there before they
# register on node 2.
sleep 3

cpu_of() { local t=0 p; for p in "$@"; do t=$((t + $(cpu_ticks "$p"))); done; echo "$t"; }

# phase NAME SERVER SCENARIO CSV COUNT RATE PIDS...: one sipp client; prints the phase's
# operations, failures, rate and server CPU per operation.
phase() {
  local name=$1 server=$2 scenario=$3 csv=$4 count=$5 rate=$6
  shift 6
  local c0 c1 t0 t1
  c0=$(cpu_of "$@")
  t0=$(date +%s.%N)
  sipp "$server" -sf "$SCENARIOS/$scenario" -inf "$csv" -t u1 -i 127.0.0.1 -p 0 \
    -key uas "$UAS" -r "$rate" -m "$count" -nostdin -timeout 600s -trace_stat \
    -stf "$WORK/$name.csv" -trace_err -error_file "$WORK/$name.err" > /dev/null 2>&1 || true
  t1=$(date +%s.%N)
  c1=$(cpu_of "$@")
  python3 - "$WORK/$name.csv" "$name" "$count" "$t0" "$t1" "$((c1 - c0))" "$(getconf CLK_TCK)" <<'PY'
import csv, sys
stats, name, count, t0, t1, ticks, hz = sys.argv[1:]
rows = list(csv.reader(open(stats), delimiter=";"))
head, last = rows[0], rows[-1]
failed = int(last[head.index("FailedCall(C)")])
cpu = int(ticks) / int(hz)
wall = float(t1) - float(t0)
print(f"{name}_ops {count}\n{name}_failed {failed}\n{name}_per_sec {int(count) / wall:.0f}")
print(f"{name}_server_cpu_secs {cpu:.2f}\n{name}_server_cpu_us_per_op {cpu * 1e6 / int(count):.0f}")
PY
}

echo "accounts $ACCOUNTS"
# What the nodes spend doing nothing (heartbeats, presence, the change log's catch-up), to
# set against each phase's CPU.
idle() {
  local c0 c1
  c0=$(cpu_of "$@")
  sleep 10
  c1=$(cpu_of "$@")
  echo "scale=4; ($c1 - $c0) / ($(getconf CLK_TCK) * 10)" | bc
}
echo "single_idle_cpu_secs_per_sec $(idle "$SINGLE_PID")"
# shellcheck disable=SC2086
echo "cluster_idle_cpu_secs_per_sec $(idle $CLUSTER_PIDS)"
echo "== one node (embedded store)"
phase single_register "$(sip_of 4)" bench_register.xml "$WORK/register-4.csv" "$ACCOUNTS" "$RATE" "$SINGLE_PID"
phase single_call "$(sip_of 4)" door_call_answered.xml "$WORK/call-4.csv" "$CALLS" "$CALL_RATE" "$SINGLE_PID"
echo "== three nodes"
# shellcheck disable=SC2086
phase cluster_register "$(sip_of 2)" bench_register.xml "$WORK/register-1.csv" "$ACCOUNTS" "$RATE" $CLUSTER_PIDS
# Node 1 must know every account node 2 holds before calls are routed through it.
for _ in $(seq 100); do
  known=$(curl -s "http://$(admin_of 1)/metrics" | awk '/^porter_cluster_sip_accounts_elsewhere / {print $2}')
  [ "${known:-0}" -ge "$ACCOUNTS" ] && break
  sleep 0.2
done
echo "node1_knows_accounts_elsewhere ${known:-0}"
# shellcheck disable=SC2086
phase cluster_call_cross "$(sip_of 1)" door_call_answered.xml "$WORK/call-1.csv" "$CALLS" "$CALL_RATE" $CLUSTER_PIDS
# shellcheck disable=SC2086
phase cluster_call_local "$(sip_of 2)" door_call_answered.xml "$WORK/call-1.csv" "$CALLS" "$CALL_RATE" $CLUSTER_PIDS
