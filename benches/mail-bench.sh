#!/usr/bin/env bash
# Email at scale (issue 17): a site of APARTMENTS apartments (default 100,000), each with a
# resident who has an email. Two drains to a local SMTP server (aiosmtpd, discarding what it
# takes), each measured from the server's own sent counter and its RSS:
#   1. the residents' account invitations, queued while the site was built without SMTP;
#   2. the expiration notices: the server restarted two days ahead (libfaketime) queues one
#      "expired 1 day ago" notice per resident, then sends them.
# The peer, in the same run: Python's smtplib sending PEER messages over one connection to
# the same aiosmtpd, the SMTP server's own ceiling.
#
#   benches/mail-bench.sh [APARTMENTS]          (needs python3 -m pip install aiosmtpd, faketime)
#
# Results: "key value" lines.
set -euo pipefail

cd "$(dirname "$0")/.."
APARTMENTS=${1:-100000}
PEER=${PEER:-20000}
RATE=${RATE:-100000}

cargo build --release -p porter -p porter-benches >&2
PORTER=target/release/porter
BENCH=target/release/mail-bench
FAKETIME_LIB=$(compgen -G '/usr/lib/*/faketime/libfaketimeMT.so.1' | head -1)
WORK=$(mktemp -d)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"' EXIT
PASSWORD=bench-password-1
ADMIN=127.0.0.1:55171
SMTP_PORT=55125

python3 -m aiosmtpd -n -l 127.0.0.1:$SMTP_PORT -c aiosmtpd.handlers.Sink > "$WORK/smtp.log" 2>&1 &
SMTP_PID=$!
PIDS+=("$SMTP_PID")

# start_server [EXTRA_ENV...]: porter serve on the bench's data directory; $SERVER its PID.
start_server() {
  : > "$WORK/server.log"
  env PORTER_ADMIN_PASSWORD=$PASSWORD "$@" $PORTER serve --data-dir "$WORK/data" --admin-listen $ADMIN \
    --gateway-listen 127.0.0.1:0 --gateway-ws-listen 127.0.0.1:0 --https-listen 127.0.0.1:0 \
    --portal-listen 127.0.0.1:0 --sip-listen 127.0.0.1:0 --sip-tls-listen 127.0.0.1:0 \
    --sip-ws-listen 127.0.0.1:0 --log warn $SERVER_FLAGS >> "$WORK/server.log" 2>&1 &
  SERVER=$!
  PIDS+=("$SERVER")
  for _ in $(seq 1 600); do grep -q "admin listening" "$WORK/server.log" && break; sleep 0.1; done
}
stop_server() { kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; }

# The site, mail queued but not sent.
SERVER_FLAGS=""
start_server
$BENCH setup "http://$ADMIN" $PASSWORD "$APARTMENTS"
stop_server

SERVER_FLAGS="--smtp-url smtp://127.0.0.1:$SMTP_PORT --mail-rate $RATE"
echo "# invitations"
start_server
$BENCH watch $ADMIN "$SERVER" "$APARTMENTS"
stop_server

echo "# expiration notices"
start_server LD_PRELOAD="$FAKETIME_LIB" FAKETIME=+2d FAKETIME_DONT_FAKE_MONOTONIC=1
$BENCH watch $ADMIN "$SERVER" "$APARTMENTS"
stop_server

echo "# peer: smtplib to the same aiosmtpd, one connection"
python3 - "$SMTP_PORT" "$PEER" <<'PY'
import smtplib, sys, time
from email.message import EmailMessage
port, count = int(sys.argv[1]), int(sys.argv[2])
m = EmailMessage()
m["From"] = "Porter <porter@localhost>"
m["Subject"] = "Your app service expired"
m.set_content("Hello,\n\n" + "The service of apartment 101 (B1, Mail bench) expired on 2026-12-04.\n" * 8)
m.add_alternative("<p>Hello,</p>" + "<p>The service of apartment 101 expired.</p>" * 8, subtype="html")
s = smtplib.SMTP("127.0.0.1", port)
t0 = time.monotonic()
for i in range(count):
    del m["To"]
    m["To"] = f"r{i}@bench.example"
    s.send_message(m)
elapsed = time.monotonic() - t0
s.quit()
print(f"peer_messages {count}")
print(f"peer_messages_per_sec {count / elapsed:.0f}")
PY
