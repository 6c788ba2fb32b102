#!/usr/bin/env bash
# SIP benchmarks (issue 5), Porter against Kamailio in the same run on this machine:
#   (1) REGISTER with digest authentication: ACCOUNTS accounts registered by PARALLEL sipp
#       processes, which leaves ACCOUNTS bindings in place;
#   (2) calls with those bindings in place: INVITE (407, then with credentials) → 180 → 200 →
#       ACK → BYE, from half the accounts to the other half, answered by sipp UAS processes.
# Both servers get the same accounts (Porter's door phones, made through the admin API; for
# Kamailio the same numbers and passwords in an htable) and the same sipp load. Reported per
# phase: wall-clock rate, server CPU seconds and operations per server CPU second (the
# figure that a noisy 2-core machine shared with sipp reproduces), failed operations.
#
#   benches/sip-bench.sh [ACCOUNTS]      (default 100000)
#   PARALLEL=4 CALLS=20000 RATE=4000 benches/sip-bench.sh
#
# Results go to stdout as "key value" lines; docs/BENCHMARKS.md records a run. Needs
# sip-tester and kamailio (Debian packages).
set -euo pipefail

cd "$(dirname "$0")/.."
ulimit -n "$(ulimit -Hn)"
ACCOUNTS=${1:-100000}
PARALLEL=${PARALLEL:-4}
CALLS=${CALLS:-20000}
RATE=${RATE:-4000}
CONCURRENT=${CONCURRENT:-400}

command -v sipp >/dev/null || { echo "needs sipp (apt-get install sip-tester)" >&2; exit 1; }
command -v kamailio >/dev/null || { echo "needs kamailio (apt-get install kamailio)" >&2; exit 1; }
cargo build --release -p porter -p porter-sim >&2

PORTER=target/release/porter
SIM=target/release/porter-sim
SCENARIOS=sip/tests/sipp
WORK=$(mktemp -d)
# Only what this script started is stopped, by PID (its background jobs; Kamailio's main
# process, which stops its own children): never by name, which on a shared machine could
# end someone else's sipp or Kamailio.
KAM_MAIN=
trap 'kill $(jobs -p) 2>/dev/null || true; [ -n "$KAM_MAIN" ] && kill "$KAM_MAIN" 2>/dev/null; [ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"' EXIT
PASSWORD=bench-password-1
ADMIN=127.0.0.1:55171
SIP_PORT=55060
UAS_BASE=56000

# --- accounts -------------------------------------------------------------------------
start_porter() {
  : > "$WORK/porter.log"
  PORTER_ADMIN_PASSWORD=$PASSWORD $PORTER serve --data-dir "$WORK/data" --admin-listen $ADMIN \
    --gateway-listen 127.0.0.1:0 --gateway-ws-listen 127.0.0.1:0 --https-listen 127.0.0.1:0 --portal-listen 127.0.0.1:0 \
    --sip-listen 127.0.0.1:$SIP_PORT --sip-tls-listen 127.0.0.1:0 --sip-ws-listen 127.0.0.1:0 \
    --log warn >> "$WORK/porter.log" 2>&1 &
  PORTER_PID=$!
  for _ in $(seq 1 300); do grep -q "admin listening" "$WORK/porter.log" && break; sleep 0.1; done
}
start_porter
# An installer has 99,999 device SIP numbers (the manual's numbering), so the accounts are
# made 50,000 at a time under installer accounts of their own.
export HOME="$WORK/home"
echo "$PASSWORD" | $PORTER admin --server "http://$ADMIN" login --username admin >&2
left=$ACCOUNTS
batch=0
while [ "$left" -gt 0 ]; do
  n=$(( left < 50000 ? left : 50000 ))
  $PORTER admin --server "http://$ADMIN" installer create --username "bench$batch" \
    --email "bench$batch@example.com" --password "$PASSWORD" >/dev/null
  PORTER_SIM_USER="bench$batch" PORTER_SIM_PASSWORD=$PASSWORD $SIM --admin "http://$ADMIN" \
    --provision --no-run --door-phones "$n" --mac-tag $((batch * 16 + 7)) \
    --save "$WORK/devices-$batch.json" >&2
  left=$((left - n))
  batch=$((batch + 1))
done

mkdir -p "$WORK/kamailio-db"
# Injection files: partition p registers its accounts with their contact at UAS p; callers
# (even places) dial the account next to them (odd places, the same community).
python3 - "$WORK" "$PARALLEL" "$CALLS" <<'EOF'
import json, sys
work, parallel, calls = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
import glob
devices = [d for f in sorted(glob.glob(f"{work}/devices-*.json"), key=lambda f: int(f.split("-")[-1].split(".")[0])) for d in json.load(open(f))]
accounts = [(d["sip_number"], d["sip_password"]) for d in devices]
auth = lambda n, p: f"{n};[authentication username={n} password={p}]"
for p in range(parallel):
    with open(f"{work}/register-{p}.csv", "w") as f:
        f.write("SEQUENTIAL\n")
        for i in range(p, len(accounts), parallel):
            f.write(auth(*accounts[i]) + "\n")
pairs = [(accounts[i], accounts[i + 1][0]) for i in range(0, len(accounts) - 1, 2)]
for p in range(parallel):
    with open(f"{work}/call-{p}.csv", "w") as f:
        f.write("SEQUENTIAL\n")
        for k in range(p, min(calls, len(pairs)), parallel):
            (n, pw), callee = pairs[k % len(pairs)]
            f.write(f"{auth(n, pw)};{callee}\n")
# Kamailio's credentials, loaded into an htable at start.
with open(f"{work}/kamailio-db/version", "w") as f:
    f.write("table_name(str) table_version(int)\nhtable:2\n")
with open(f"{work}/kamailio-db/htable", "w") as f:
    f.write("id(int,auto) key_name(str) key_type(int) value_type(int) key_value(str) expires(int)\n")
    for i, (n, pw) in enumerate(accounts, 1):
        f.write(f"{i}:{n}:0:0:{pw}:0\n")
EOF
cat > "$WORK/kamailio.cfg" <<EOF
#!KAMAILIO
debug=0
log_stderror=yes
children=4
listen=udp:127.0.0.1:$SIP_PORT
alias=127.0.0.1:$SIP_PORT
auto_aliases=no
mpath="/usr/lib/x86_64-linux-gnu/kamailio/modules/"
loadmodule "db_text.so"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "siputils.so"
loadmodule "textops.so"
loadmodule "htable.so"
loadmodule "auth.so"
modparam("usrloc", "db_mode", 0)
modparam("usrloc", "hash_size", 16)
modparam("htable", "db_url", "text://$WORK/kamailio-db")
modparam("htable", "htable", "creds=>size=16;dbtable=htable;")
modparam("auth", "nonce_expire", 300)
request_route {
  if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
  if (has_totag()) {
    if (loose_route()) { t_relay(); exit; }
    if (is_method("ACK")) { if (t_check_trans()) { t_relay(); } exit; }
    sl_send_reply("404", "Not here"); exit;
  }
  if (is_method("CANCEL")) { if (t_check_trans()) { t_relay(); } exit; }
  t_check_trans();
  if (is_method("REGISTER")) {
    if (!pv_auth_check("\$fd", "\$sht(creds=>\$tU)", "0", "1")) { www_challenge("\$fd", "0"); exit; }
    if (!save("location")) { sl_reply_error(); }
    exit;
  }
  if (is_method("INVITE")) {
    if (!pv_auth_check("\$fd", "\$sht(creds=>\$fU)", "0", "1")) { proxy_challenge("\$fd", "0"); exit; }
    consume_credentials();
    record_route();
  }
  if (!lookup("location")) { sl_send_reply("404", "Not Found"); exit; }
  t_relay();
}
EOF

# --- measuring ------------------------------------------------------------------------
cpu_of() { # CPU seconds (user + system) of the given pids
  local t=0
  for pid in "$@"; do
    t=$((t + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
  done
  awk -v t="$t" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.2f", t / hz}'
}

# Runs one phase: PARALLEL sipp clients on scenario $2 with csv prefix $3, N operations; the
# server's pids in SERVER_PIDS. Prints "<server> <phase>_* " lines.
phase() {
  local server=$1 scenario=$2 csv=$3 total=$4 name=$5
  local per=$((total / PARALLEL)) rate=$((RATE / PARALLEL)) limit=$((CONCURRENT / PARALLEL))
  local cpu0 t0 pids=() failed=0
  cpu0=$(cpu_of $SERVER_PIDS)
  t0=$(date +%s.%N)
  for p in $(seq 0 $((PARALLEL - 1))); do
    sipp 127.0.0.1:$SIP_PORT -sf "$SCENARIOS/$scenario" -inf "$WORK/$csv-$p.csv" -t u1 \
      -i 127.0.0.1 -p $((57000 + p)) -key uas "127.0.0.1:$((UAS_BASE + p))" \
      -r "$rate" -l "$limit" -m "$per" -nostdin -timeout 600s -trace_stat \
      -stf "$WORK/$server-$name-$p.csv" -trace_err -error_file "$WORK/$server-$name-$p.err" \
      > /dev/null 2>&1 &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || true; done
  local t1 cpu1
  t1=$(date +%s.%N)
  cpu1=$(cpu_of $SERVER_PIDS)
  for p in $(seq 0 $((PARALLEL - 1))); do
    # The last statistics line: FailedCall(C) and SuccessfulCall(C) columns.
    f=$(python3 -c "
import csv,sys
rows=list(csv.reader(open(sys.argv[1]), delimiter=';'))
h=rows[0]; last=rows[-1]
print(int(last[h.index('FailedCall(C)')]), int(last[h.index('SuccessfulCall(C)')]))" "$WORK/$server-$name-$p.csv")
    failed=$((failed + ${f% *}))
  done
  if [ "$failed" -gt 0 ]; then
    echo "$server $name: $failed failed; the first sipp errors:" >&2
    head -n 30 "$WORK/$server-$name-0.err" >&2 || true
  fi
  awk -v s="$server" -v n="$name" -v total="$((per * PARALLEL))" -v a="$t0" -v b="$t1" \
    -v c0="$cpu0" -v c1="$cpu1" -v failed="$failed" 'BEGIN {
      wall = b - a; cpu = c1 - c0;
      printf "%s_%s_ops %d\n%s_%s_failed %d\n%s_%s_wall_secs %.2f\n%s_%s_per_sec %.0f\n%s_%s_server_cpu_secs %.2f\n%s_%s_per_server_cpu_sec %.0f\n",
        s, n, total, s, n, failed, s, n, wall, s, n, total / wall, s, n, cpu, s, n, (cpu > 0 ? total / cpu : 0)
    }'
}

UAS_PIDS=()
start_uas() {
  UAS_PIDS=()
  for p in $(seq 0 $((PARALLEL - 1))); do
    sipp -sf "$SCENARIOS/bench_answer.xml" -t u1 -i 127.0.0.1 -p $((UAS_BASE + p)) \
      -nostdin -timeout 900s > /dev/null 2>&1 &
    UAS_PIDS+=($!)
  done
}

stop_uas() {
  kill "${UAS_PIDS[@]}" 2>/dev/null || true
  wait "${UAS_PIDS[@]}" 2>/dev/null || true
  UAS_PIDS=()
}

run_server() {
  local server=$1
  start_uas
  sleep 0.5
  phase "$server" bench_register.xml register "$ACCOUNTS" register
  echo "${server}_rss_kb_after_register $(awk '/VmRSS/ {s += $2} END {print s}' $(printf '/proc/%s/status ' $SERVER_PIDS))"
  phase "$server" door_call_answered.xml call "$CALLS" call
  stop_uas
  sleep 0.5
}

# A fresh process for the measurements: provisioning's garbage would hide what the bindings
# cost.
kill $PORTER_PID; wait $PORTER_PID 2>/dev/null || true
start_porter

echo "accounts $ACCOUNTS"
echo "parallel_sipp $PARALLEL"
SERVER_PIDS=$PORTER_PID
echo "porter_rss_kb_before_register $(awk '/VmRSS/ {print $2}' /proc/$PORTER_PID/status)"
run_server porter
[ -n "${PORTER_ONLY:-}" ] && exit 0
kill $PORTER_PID; wait $PORTER_PID 2>/dev/null || true

kamailio -f "$WORK/kamailio.cfg" -DD -E -m 1024 -M 32 > "$WORK/kamailio.log" 2>&1 &
KAM_MAIN=$!
for _ in $(seq 1 100); do grep -q "listening on" "$WORK/kamailio.log" 2>/dev/null && break; sleep 0.1; done
sleep 1
SERVER_PIDS="$KAM_MAIN $(pgrep -P "$KAM_MAIN" | tr '\n' ' ' || true)"
if ! kill -0 "$KAM_MAIN" 2>/dev/null; then
  echo "kamailio did not start:" >&2
  cat "$WORK/kamailio.log" >&2
  exit 1
fi
echo "kamailio_processes $(echo $SERVER_PIDS | wc -w)"
run_server kamailio
