#!/usr/bin/env bash
# SIP cost in instructions (issue 19): Porter under callgrind, which counts the
# instructions Porter itself executes (user space, every thread), the same count for the
# same build and load whatever else this noisy machine is doing. Wall-clock ladders
# (sip-bench.sh) move by ±15 % between runs; an instruction count per REGISTER and per call
# shows what a change to the SIP path saves, to the percent, and where the rest goes.
#
#   benches/sip-callgrind.sh                  (target/release/porter)
#   PORTER=/tmp/porter-old benches/sip-callgrind.sh
#   ACCOUNTS=2000 REGISTERS=2000 CALLS=1000 RATE=40 benches/sip-callgrind.sh
#
# Steps: ACCOUNTS door phones provisioned (Porter started natively); Porter restarted under
# callgrind with instrumentation off; every account registered once; then, instrumented, an
# idle IDLE_SECS (timers and readers alone), REGISTERS REGISTER+digest at RATE/s and CALLS
# calls (INVITE, 407, INVITE, 180, 200, ACK, BYE, answered by a sipp UAS) at RATE/s, each
# dumped apart. Prints instructions per operation with the idle cost per second taken off,
# and leaves the dumps in OUT (default /tmp/sip-callgrind) for callgrind_annotate.
# Stops only what it started, by PID. Needs valgrind and sipp (sip-tester).
set -euo pipefail

cd "$(dirname "$0")/.."
ACCOUNTS=${ACCOUNTS:-2000}
REGISTERS=${REGISTERS:-2000}
CALLS=${CALLS:-1000}
RATE=${RATE:-40}
IDLE_SECS=${IDLE_SECS:-10}
OUT=${OUT:-/tmp/sip-callgrind}
PORTER=${PORTER:-target/release/porter}
SIM=${SIM:-target/release/porter-sim}
command -v sipp >/dev/null || { echo "needs sipp (apt-get install sip-tester)" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "needs valgrind" >&2; exit 1; }
[ -n "${NO_BUILD:-}" ] || cargo build --release -p porter -p porter-sim >&2

SCENARIOS=sip/tests/sipp
WORK=$(mktemp -d)
PASSWORD=bench-password-1
ADMIN=127.0.0.1:55181
SIP_PORT=55080
UAS_PORT=56100
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
rm -rf "$OUT"
mkdir -p "$OUT"

# start_porter LOG WAIT-TENTHS [COMMAND PREFIX...]: sets STARTED_PID.
start_porter() {
  local log=$1 wait=$2
  : > "$log"
  shift 2
  PORTER_ADMIN_PASSWORD=$PASSWORD "$@" "$PORTER" serve --data-dir "$WORK/data" --admin-listen "$ADMIN" \
    --gateway-listen 127.0.0.1:0 --gateway-ws-listen 127.0.0.1:0 --https-listen 127.0.0.1:0 --portal-listen 127.0.0.1:0 \
    --sip-listen 127.0.0.1:$SIP_PORT --sip-tls-listen 127.0.0.1:0 --sip-ws-listen 127.0.0.1:0 \
    --log warn >> "$log" 2>&1 &
  STARTED_PID=$!
  PIDS+=("$STARTED_PID")
  for _ in $(seq 1 "$wait"); do grep -q "admin listening" "$log" && return 0; sleep 0.1; done
  echo "porter did not start:" >&2
  cat "$log" >&2
  exit 1
}

start_porter "$WORK/porter.log" 300
export HOME="$WORK/home"
echo "$PASSWORD" | $PORTER admin --server "http://$ADMIN" login --username admin >&2
$PORTER admin --server "http://$ADMIN" installer create --username bench \
  --email bench@example.com --password "$PASSWORD" >/dev/null
PORTER_SIM_USER=bench PORTER_SIM_PASSWORD=$PASSWORD $SIM --admin "http://$ADMIN" \
  --provision --no-run --door-phones "$ACCOUNTS" --mac-tag 9 --save "$WORK/devices.json" >&2
kill "$STARTED_PID"
wait "$STARTED_PID" 2>/dev/null || true

python3 - "$WORK" <<'PY'
import json, sys
work = sys.argv[1]
accounts = [(d["sip_number"], d["sip_password"]) for d in json.load(open(f"{work}/devices.json"))]
auth = lambda n, p: f"{n};[authentication username={n} password={p}]"
with open(f"{work}/register.csv", "w") as f:
    f.write("SEQUENTIAL\n")
    for n, p in accounts:
        f.write(auth(n, p) + "\n")
with open(f"{work}/call.csv", "w") as f:
    f.write("SEQUENTIAL\n")
    for i in range(0, len(accounts) - 1, 2):
        (n, p), callee = accounts[i], accounts[i + 1][0]
        f.write(f"{auth(n, p)};{callee}\n")
PY

sipp -sf "$SCENARIOS/bench_answer.xml" -t u1 -i 127.0.0.1 -p $UAS_PORT -nostdin -timeout 3600s \
  > /dev/null 2>&1 &
PIDS+=("$!")
start_porter "$WORK/porter-cg.log" 3000 valgrind --tool=callgrind --instr-atstart=no \
  --callgrind-out-file="$OUT/callgrind.out.%p"
CG_PID=$STARTED_PID

# sipp_run SCENARIO CSV COUNT RATE: every operation must succeed.
sipp_run() {
  sipp 127.0.0.1:$SIP_PORT -sf "$SCENARIOS/$1" -inf "$WORK/$2" -t u1 -i 127.0.0.1 -p 0 \
    -key uas "127.0.0.1:$UAS_PORT" -r "$4" -l $(($4 * 10)) -m "$3" -nostdin -timeout 900s \
    -trace_stat -stf "$WORK/stat-$1.csv" > /dev/null 2> "$WORK/sipp-$1.err" || true
  python3 - "$WORK/stat-$1.csv" "$1" <<'PY' >&2
import sys
rows = [l.rstrip("\n").split(";") for l in open(sys.argv[1]) if l.strip()]
head, last = rows[0], rows[-1]
ok, failed = (int(last[head.index(c)]) for c in ("SuccessfulCall(C)", "FailedCall(C)"))
print(f"{sys.argv[2]}: {ok} succeeded, {failed} failed")
PY
  rm -f "$WORK/stat-$1.csv"
}
sipp_run bench_register.xml register.csv "$ACCOUNTS" 100

cg() { callgrind_control "$@" "$CG_PID" > /dev/null; }
cg -i on
cg -z
sleep "$IDLE_SECS"
cg -d idle
t0=$(date +%s.%N)
sipp_run bench_register.xml register.csv "$REGISTERS" "$RATE"
t1=$(date +%s.%N)
cg -d register
sipp_run door_call_answered.xml call.csv "$CALLS" "$RATE"
t2=$(date +%s.%N)
cg -d call
cg -i off

# total Ir of the dump whose trigger names PART.
ir_of() {
  local f
  f=$(grep -l "^desc: Trigger: dump $1\$" "$OUT"/callgrind.out.* | head -1)
  awk '/^summary:/ {print $2}' "$f"
}
python3 - "$(ir_of idle)" "$IDLE_SECS" "$(ir_of register)" "$REGISTERS" \
  "$(python3 -c "print($t1 - $t0)")" "$(ir_of call)" "$CALLS" "$(python3 -c "print($t2 - $t1)")" <<'PY'
import sys
idle, idle_s, reg, regs, reg_s, call, calls, call_s = map(float, sys.argv[1:])
per_s = idle / idle_s
print(f"idle: {per_s:,.0f} instructions per second")
print(f"register: {(reg - per_s * reg_s) / regs:,.0f} instructions per REGISTER ({regs:.0f} in {reg_s:.0f} s)")
print(f"call: {(call - per_s * call_s) / calls:,.0f} instructions per call ({calls:.0f} in {call_s:.0f} s)")
PY
echo "dumps: $(ls "$OUT" | tr '\n' ' ')(callgrind_annotate --inclusive=yes FILE)"
