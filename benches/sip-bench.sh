#!/usr/bin/env bash
# SIP benchmark (issues 5 and 19): Porter against Kamailio on a rate ladder, on this
# machine, with the same accounts and the same sipp load.
#   - ACCOUNTS door-phone accounts (Porter's, made through its admin API; for Kamailio the
#     same numbers and passwords in an htable), every one registered once before the ladder;
#   - REGISTER with digest (qop=auth on both) at REG_STEPS rates, then calls (INVITE, 407,
#     INVITE with credentials, 180, 200, ACK, BYE) at CALL_STEPS rates from half the accounts
#     to the other half, answered by sipp UAS processes; each step STEP_SECS long, run
#     against both servers one after the other (who goes first alternates), the ladder
#     repeated REPEATS times (benches/sip_ladder.py measures and reports);
#   - Porter's RSS fresh, after the registrations, after the ladder, and RSS_WAIT s later.
# Kamailio gets a lean configuration: children=4, usrloc in memory, htable credentials with
# qop, sanity checks, record_route, t_relay. The call rate is set by the rate asked for:
# sipp's cap on calls open at once is ten seconds' worth.
#
#   benches/sip-bench.sh                       (defaults below; needs sip-tester, kamailio)
#   REPEATS=3 STEP_SECS=15 REG_STEPS="4000 8000 12000 16000 20000" benches/sip-bench.sh
#   PORTER_B=/tmp/porter-old benches/sip-bench.sh   (a second Porter build in the same
#     ladder, "porter-b": an A/B of two builds on the same accounts, steps and noise;
#     PORTER_B_ARGS adds flags to it, e.g. PORTER_B=target/release/porter
#     PORTER_B_ARGS="--sip-udp-workers 1" for an A/B of one setting)
#
# Only what this script started is stopped, by PID. Results go to stdout; docs/BENCHMARKS.md
# records runs.
set -euo pipefail

cd "$(dirname "$0")/.."
ulimit -n "$(ulimit -Hn)"
export ACCOUNTS=${ACCOUNTS:-20000}
export PARALLEL=${PARALLEL:-2}
export STEP_SECS=${STEP_SECS:-12}
export REPEATS=${REPEATS:-2}
export REG_STEPS=${REG_STEPS:-4000 8000 12000 16000 20000}
export CALL_STEPS=${CALL_STEPS:-1000 2000 3000 4000}
RSS_WAIT=${RSS_WAIT:-120}

command -v sipp >/dev/null || { echo "needs sipp (apt-get install sip-tester)" >&2; exit 1; }
command -v kamailio >/dev/null || { echo "needs kamailio (apt-get install kamailio)" >&2; exit 1; }
cargo build --release -p porter -p porter-sim >&2

PORTER=target/release/porter
SIM=target/release/porter-sim
export SCENARIOS=sip/tests/sipp
WORK=$(mktemp -d)
export WORK
KAM_MAIN=
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -n "$KAM_MAIN" ] && kill "$KAM_MAIN" 2>/dev/null
  for p in "${PIDS[@]}" $KAM_MAIN; do wait "$p" 2>/dev/null || true; done
  [ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
PASSWORD=bench-password-1
ADMIN=127.0.0.1:55171
SIP_PORT=55060
KAM_PORT=55062
export UAS_BASE=56000

SIP_PORT_B=55064
ADMIN_B=127.0.0.1:55172

# --- accounts -------------------------------------------------------------------------
# start_porter BINARY DATA-DIR ADMIN SIP-PORT LOG [FLAGS...]: sets STARTED_PID.
start_porter() {
  : > "$5"
  local extra=("${@:6}")
  PORTER_ADMIN_PASSWORD=$PASSWORD $1 serve --data-dir "$2" --admin-listen "$3" \
    --gateway-listen 127.0.0.1:0 --gateway-ws-listen 127.0.0.1:0 --https-listen 127.0.0.1:0 --portal-listen 127.0.0.1:0 \
    --sip-listen 127.0.0.1:$4 --sip-tls-listen 127.0.0.1:0 --sip-ws-listen 127.0.0.1:0 \
    --log warn,porter_sip::server::udp=${UDP_LOG:-info} "${extra[@]}" >> "$5" 2>&1 &
  STARTED_PID=$!
  PIDS+=("$STARTED_PID")
  for _ in $(seq 1 300); do grep -q "admin listening" "$5" && break; sleep 0.1; done
}
start_porter "$PORTER" "$WORK/data" "$ADMIN" "$SIP_PORT" "$WORK/porter.log"
PORTER_PID=$STARTED_PID
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
# (even places) dial the account next to them (odd places). Kamailio's credentials go into
# an htable loaded at its start.
python3 - "$WORK" "$PARALLEL" <<'PY'
import glob, json, sys
work, parallel = sys.argv[1], int(sys.argv[2])
files = sorted(glob.glob(f"{work}/devices-*.json"), key=lambda f: int(f.split("-")[-1].split(".")[0]))
accounts = [(d["sip_number"], d["sip_password"]) for f in files for d in json.load(open(f))]
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
        for k in range(p, len(pairs), parallel):
            (n, pw), callee = pairs[k]
            f.write(f"{auth(n, pw)};{callee}\n")
with open(f"{work}/kamailio-db/version", "w") as f:
    f.write("table_name(str) table_version(int)\nhtable:2\n")
with open(f"{work}/kamailio-db/htable", "w") as f:
    f.write("id(int,auto) key_name(str) key_type(int) value_type(int) key_value(str) expires(int)\n")
    for i, (n, pw) in enumerate(accounts, 1):
        f.write(f"{i}:{n}:0:0:{pw}:0\n")
PY
cat > "$WORK/kamailio.cfg" <<CFG
#!KAMAILIO
debug=0
log_stderror=yes
children=4
listen=udp:127.0.0.1:$KAM_PORT
alias=127.0.0.1:$KAM_PORT
auto_aliases=no
mpath="/usr/lib/x86_64-linux-gnu/kamailio/modules/"
loadmodule "db_text.so"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "sanity.so"
loadmodule "siputils.so"
loadmodule "textops.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "htable.so"
loadmodule "auth.so"
modparam("usrloc", "db_mode", 0)
modparam("htable", "db_url", "text://$WORK/kamailio-db")
modparam("htable", "htable", "creds=>size=16;dbtable=htable;")
modparam("auth", "nonce_expire", 300)
request_route {
  if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
  if (!sanity_check()) { exit; }
  if (has_totag()) {
    if (loose_route()) { t_relay(); exit; }
    if (is_method("ACK")) { if (t_check_trans()) { t_relay(); } exit; }
    sl_send_reply("404", "Not here"); exit;
  }
  if (is_method("CANCEL")) { if (t_check_trans()) { t_relay(); } exit; }
  if (is_method("REGISTER")) {
    if (!pv_auth_check("\$fd", "\$sht(creds=>\$tU)", "0", "1")) { www_challenge("\$fd", "1"); exit; }
    if (!save("location")) { sl_reply_error(); }
    exit;
  }
  if (is_method("INVITE")) {
    if (!pv_auth_check("\$fd", "\$sht(creds=>\$fU)", "0", "1")) { proxy_challenge("\$fd", "1"); exit; }
    consume_credentials();
    record_route();
  }
  if (!lookup("location")) { sl_send_reply("404", "Not Found"); exit; }
  t_relay();
}
CFG

# --- the ladder -----------------------------------------------------------------------
# A fresh Porter for the measurements: provisioning's garbage would hide what the bindings
# cost.
kill "$PORTER_PID"
wait "$PORTER_PID" 2>/dev/null || true
[ -z "${PORTER_B:-}" ] || cp -r "$WORK/data" "$WORK/data-b"
start_porter "$PORTER" "$WORK/data" "$ADMIN" "$SIP_PORT" "$WORK/porter.log"
PORTER_PID=$STARTED_PID
PORTER_B_PID=
if [ -n "${PORTER_B:-}" ]; then
  # shellcheck disable=SC2086 # PORTER_B_ARGS is a list of flags
  start_porter "$PORTER_B" "$WORK/data-b" "$ADMIN_B" "$SIP_PORT_B" "$WORK/porter-b.log" ${PORTER_B_ARGS:-}
  PORTER_B_PID=$STARTED_PID
fi
kamailio -f "$WORK/kamailio.cfg" -DD -E -m 1024 -M 32 > "$WORK/kamailio.log" 2>&1 &
KAM_MAIN=$!
for _ in $(seq 1 100); do grep -q "listening on" "$WORK/kamailio.log" 2>/dev/null && break; sleep 0.1; done
sleep 1
if ! kill -0 "$KAM_MAIN" 2>/dev/null; then
  echo "kamailio did not start:" >&2
  cat "$WORK/kamailio.log" >&2
  exit 1
fi
KAM_PIDS="$KAM_MAIN $(pgrep -P "$KAM_MAIN" | tr '\n' ' ' || true)"
echo "accounts $ACCOUNTS"
echo "kamailio_processes $(echo $KAM_PIDS | wc -w)"
echo "porter_udp_receive_buffer $(grep -o 'granted=[0-9]*' "$WORK/porter.log" | head -1)"
for p in $(seq 0 $((PARALLEL - 1))); do
  sipp -sf "$SCENARIOS/bench_answer.xml" -t u1 -i 127.0.0.1 -p $((UAS_BASE + p)) \
    -nostdin -timeout 7200s > /dev/null 2>&1 &
  PIDS+=("$!")
done
rss() { awk '/VmRSS/ {print $2}' "/proc/$PORTER_PID/status"; }
# With KEEP_WORK, where the RSS lies at each point (WORK/smaps-<point>, WORK/threads-<point>).
rss_detail() {
  [ -n "${KEEP_WORK:-}" ] || return 0
  cat "/proc/$PORTER_PID/smaps" > "$WORK/smaps-$1" 2>/dev/null || true
  ls "/proc/$PORTER_PID/task" | wc -l > "$WORK/threads-$1" 2>/dev/null || true
}
echo "porter_rss_kb_fresh $(rss)"
# Every account registered once on each server before the ladder: the call steps need the
# bindings, and Porter's RSS is measured against this.
REG_PIDS=()
for port in $SIP_PORT $KAM_PORT ${PORTER_B_PID:+$SIP_PORT_B}; do
  for p in $(seq 0 $((PARALLEL - 1))); do
    sipp 127.0.0.1:$port -sf "$SCENARIOS/bench_register.xml" -inf "$WORK/register-$p.csv" \
      -t u1 -i 127.0.0.1 -p 0 -key uas "127.0.0.1:$((UAS_BASE + p))" -r 1000 \
      -m $((ACCOUNTS / PARALLEL)) -nostdin -timeout 300s > /dev/null 2>&1 &
    REG_PIDS+=("$!")
  done
done
for p in "${REG_PIDS[@]}"; do wait "$p" || true; done
echo "porter_rss_kb_registered $(rss)"
rss_detail registered
SERVERS=$(printf '{"porter": {"port": %s, "pids": [%s]}, "kamailio": {"port": %s, "pids": [%s]}' \
  "$SIP_PORT" "$PORTER_PID" "$KAM_PORT" "$(echo $KAM_PIDS | tr ' ' ',')")
if [ -n "$PORTER_B_PID" ]; then
  SERVERS="$SERVERS, \"porter-b\": {\"port\": $SIP_PORT_B, \"pids\": [$PORTER_B_PID]}"
fi
SERVERS="$SERVERS}"
export SERVERS
python3 benches/sip_ladder.py
echo "porter_rss_kb_after_ladder $(rss)"
rss_detail after_ladder
sleep "$RSS_WAIT"
echo "porter_rss_kb_${RSS_WAIT}s_after_ladder $(rss)"
rss_detail waited
