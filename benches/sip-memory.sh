#!/usr/bin/env bash
# Porter's memory around a burst of SIP traffic (issue 19): RSS once N door-phone accounts
# are registered, right after 120,000 REGISTERs at 10,000/s and 30,000 calls at 2,000/s,
# and WAIT seconds later (past Timer J, 32 s, when the burst's transactions are gone).
#
#   benches/sip-memory.sh                 (N=10000 WAIT=45; needs sip-tester)
#
# A shorter check than sip-bench.sh's ladder, whose last lines say the same of the ladder.
# Stops only what it started, by PID.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p porter -p porter-sim >&2
W=$(mktemp -d)
P=bench-password-1
PORTER_ADMIN_PASSWORD=$P target/release/porter serve --data-dir $W/data --admin-listen 127.0.0.1:55471 \
  --gateway-listen 127.0.0.1:0 --gateway-ws-listen 127.0.0.1:0 --https-listen 127.0.0.1:0 --portal-listen 127.0.0.1:0 \
  --sip-listen 127.0.0.1:55460 --sip-tls-listen 127.0.0.1:0 --sip-ws-listen 127.0.0.1:0 --log warn > $W/porter.log 2>&1 &
PID=$!
sipp -sf sip/tests/sipp/bench_answer.xml -t u1 -i 127.0.0.1 -p 56998 -nostdin -timeout 600s > /dev/null 2>&1 &
UAS=$!
trap 'kill $PID $UAS; wait $PID $UAS 2>/dev/null; rm -rf $W' EXIT
for _ in $(seq 300); do grep -q "admin listening" $W/porter.log && break; sleep 0.1; done
PORTER_SIM_USER=admin PORTER_SIM_PASSWORD=$P target/release/porter-sim --admin http://127.0.0.1:55471 --provision --no-run --door-phones ${N:-10000} --save $W/d.json >/dev/null 2>&1
python3 - $W <<'PY'
import json,sys
w=sys.argv[1]
d=json.load(open(f"{w}/d.json"))
a=[(x['sip_number'],x['sip_password']) for x in d]
au=lambda n,p: f"{n};[authentication username={n} password={p}]"
open(f"{w}/r.csv","w").write("SEQUENTIAL\n"+"".join(au(*x)+"\n" for x in a))
open(f"{w}/c.csv","w").write("SEQUENTIAL\n"+"".join(f"{au(*a[i])};{a[i+1][0]}\n" for i in range(0,len(a)-1,2)))
PY
rss() { awk '/VmRSS/ {print $2}' /proc/$PID/status; }
reg() { sipp 127.0.0.1:55460 -sf sip/tests/sipp/bench_register.xml -inf $W/r.csv -t u1 -i 127.0.0.1 -p 0 -key uas 127.0.0.1:56998 -r $1 -m $2 -nostdin -timeout 120s > /dev/null 2>&1 || true; }
reg 2000 ${N:-10000}
echo "rss_registered $(rss)"
reg 10000 120000
sipp 127.0.0.1:55460 -sf sip/tests/sipp/door_call_answered.xml -inf $W/c.csv -t u1 -i 127.0.0.1 -p 0 -r 2000 -l 20000 -m 30000 -nostdin -timeout 120s > /dev/null 2>&1 || true
echo "rss_after_burst $(rss)"
sleep ${WAIT:-45}
echo "rss_${WAIT:-45}s_later $(rss)"
