#!/usr/bin/env bash
# Porter's server CPU per REGISTER (with digest) at RATE/s, measured over 10 s after DELAY s
# of the same load (past Timer J, 32 s, the transaction table is at its steady size), with
# N door-phone accounts; PERF=1 also records a profile (perf, cpu-clock) to /tmp/perf.data.
#
#   DELAY=35 RATE=8000 N=4000 benches/sip-register-cpu.sh     (needs sip-tester; perf for PERF=1)
#
# Stops only what it started, by PID.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p porter -p porter-sim >&2
W=$(mktemp -d)
P=bench-password-1
PORTER_ADMIN_PASSWORD=$P target/release/porter serve --data-dir $W/data --admin-listen 127.0.0.1:55371 \
  --gateway-listen 127.0.0.1:0 --gateway-ws-listen 127.0.0.1:0 --https-listen 127.0.0.1:0 --portal-listen 127.0.0.1:0 \
  --sip-listen 127.0.0.1:55360 --sip-tls-listen 127.0.0.1:0 --sip-ws-listen 127.0.0.1:0 ${EXTRA:-} --log warn > $W/porter.log 2>&1 &
PID=$!
trap 'kill $PID; wait $PID 2>/dev/null; rm -rf $W' EXIT
for _ in $(seq 300); do grep -q "admin listening" $W/porter.log && break; sleep 0.1; done
PORTER_SIM_USER=admin PORTER_SIM_PASSWORD=$P target/release/porter-sim --admin http://127.0.0.1:55371 --provision --no-run --door-phones ${N:-4000} --save $W/d.json >/dev/null 2>&1
python3 - $W <<'PY'
import json,sys
w=sys.argv[1]
d=json.load(open(f"{w}/d.json"))
with open(f"{w}/r.csv","w") as f:
    f.write("SEQUENTIAL\n")
    for x in d: f.write(f"{x['sip_number']};[authentication username={x['sip_number']} password={x['sip_password']}]\n")
PY
sipp 127.0.0.1:55360 -sf sip/tests/sipp/bench_register.xml -inf $W/r.csv -t u1 -i 127.0.0.1 -p 0 -key uas 127.0.0.1:56999 -r ${RATE:-8000} -m $(( ${RATE:-8000} * (${DELAY:-2} + 12) )) -nostdin -timeout 120s > /dev/null 2>&1 &
S=$!
sleep ${DELAY:-2}
C0=$(awk '{print $14+$15}' /proc/$PID/stat)
if [ -n "${PERF:-}" ]; then perf record -e cpu-clock -F 1999 ${PERF_CALLGRAPH:--g} -p $PID -o /tmp/perf.data -- sleep 10 > /dev/null 2>&1; else sleep 10; fi
C1=$(awk '{print $14+$15}' /proc/$PID/stat)
echo "cpu_us_per_register $(( (C1 - C0) * 1000000 / $(getconf CLK_TCK) / (${RATE:-8000} * 10) ))"
wait $S || true
