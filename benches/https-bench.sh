#!/usr/bin/env bash
# HTTPS benchmarks (issue 6), Porter against nginx in the same run on this machine:
#   (1) AutoP: DEVICES devices' files, GET /autop/{MAC}.cfg with each device's Basic
#       credentials, random devices, over kept-alive connections and with a new TLS
#       connection per request (as devices fetch);
#   (2) firmware: downloads of one IMAGE_MIB image by the devices' signed links.
# nginx (Debian's package) serves the same content as static files: the AutoP files as
# Porter rendered them, and the image under every link, with the same certificate, TLS 1.3
# and two worker processes (Porter's runtime has two threads on this 2-core machine). The
# load generator is wrk (Debian's package), with the same script for both servers.
# Reported per phase: requests or MiB per second (wall), server CPU seconds, requests or
# MiB per server CPU second, errors.
#
#   benches/https-bench.sh [DEVICES]            (default 10000)
#   DURATION=15 CONNS=256 IMAGE_MIB=32 benches/https-bench.sh
#
# Results go to stdout as "key value" lines; docs/BENCHMARKS.md records runs. Needs
# nginx and wrk (Debian packages).
set -euo pipefail

cd "$(dirname "$0")/.."
ulimit -n "$(ulimit -Hn)"
DEVICES=${1:-10000}
DURATION=${DURATION:-15}
CONNS=${CONNS:-256}
FW_CONNS=${FW_CONNS:-32}
IMAGE_MIB=${IMAGE_MIB:-32}

command -v nginx >/dev/null || { echo "needs nginx (apt-get install nginx)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }
cargo build --release -p porter -p porter-sim >&2

PORTER=target/release/porter
SIM=target/release/porter-sim
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null; [ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"' EXIT
PASSWORD=bench-password-1
ADMIN=127.0.0.1:55271
PORTER_HTTPS=55443
NGINX_HTTPS=55444

: > "$WORK/porter.log"
PORTER_ADMIN_PASSWORD=$PASSWORD $PORTER serve --data-dir "$WORK/data" --admin-listen $ADMIN \
  --gateway-listen 127.0.0.1:0 --gateway-ws-listen 127.0.0.1:0 \
  --https-listen 127.0.0.1:$PORTER_HTTPS --portal-listen 127.0.0.1:0 --public-url https://127.0.0.1:$PORTER_HTTPS \
  --sip-listen 127.0.0.1:0 --sip-tls-listen 127.0.0.1:0 --sip-ws-listen 127.0.0.1:0 \
  --firmware-max-downloads 10000 --log warn >> "$WORK/porter.log" 2>&1 &
PORTER_PID=$!
for _ in $(seq 1 300); do grep -q "admin listening" "$WORK/porter.log" && break; sleep 0.1; done

export HOME="$WORK/home"
echo "$PASSWORD" | $PORTER admin --server "http://$ADMIN" login --username admin >&2
PORTER_SIM_USER=admin PORTER_SIM_PASSWORD=$PASSWORD $SIM --admin "http://$ADMIN" \
  --provision --no-run --door-phones "$DEVICES" --save "$WORK/devices.json" >&2
head -c $((IMAGE_MIB * 1024 * 1024)) /dev/urandom > "$WORK/image.bin"
$PORTER admin --server "http://$ADMIN" --json firmware upload "$WORK/image.bin" \
  --version 29.30.2.900 --model R29 > "$WORK/firmware.json"

# The devices' requests (path and Authorization) for wrk; nginx's files, as Porter serves
# them. Download links are signed as Porter signs them, with its key.
python3 - "$WORK" "$PORTER_HTTPS" <<'EOF'
import base64, hashlib, hmac, http.client, json, os, ssl, sys, time
work, port = sys.argv[1], int(sys.argv[2])
devices = json.load(open(f"{work}/devices.json"))
sha = json.load(open(f"{work}/firmware.json"))["sha256"]
key = open(f"{work}/data/url-signing.key", "rb").read()
expires = int(time.time()) + 86400
ctx = ssl.create_default_context(cafile=f"{work}/data/gateway-cert.pem")
conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx)
os.makedirs(f"{work}/www/autop", exist_ok=True)
with open(f"{work}/autop.txt", "w") as autop, open(f"{work}/firmware.txt", "w") as fw:
    for d in devices:
        mac, cred = d["spec"]["mac"], d["spec"]["credential"]
        auth = "Basic " + base64.b64encode(f"{mac}:{cred}".encode()).decode()
        conn.request("GET", f"/autop/{mac}.cfg", headers={"Authorization": auth})
        r = conn.getresponse()
        body = r.read()
        assert r.status == 200, (r.status, body)
        open(f"{work}/www/autop/{mac}.cfg", "wb").write(body)
        autop.write(f"/autop/{mac}.cfg {auth}\n")
        tag = hmac.new(key, f"firmware|{d['id']}|{expires}|{sha}".encode(), hashlib.sha256).hexdigest()[:32]
        fw.write(f"/firmware/{d['id']}/{expires}/{tag}/{sha}.bin -\n")
EOF
cp "$WORK/image.bin" "$WORK/www/image.bin"
# nginx's workers run as www-data: let them read the files (never the keys).
chmod a+x "$WORK"
chmod -R a+rX "$WORK/www"

cat > "$WORK/requests.lua" <<'EOF'
-- Each request: a random line of REQUESTS ("path authorization", "-" for none).
local lines = {}
for line in io.lines(os.getenv("REQUESTS")) do
  local path, auth = line:match("^(%S+) (.+)$")
  lines[#lines + 1] = { path = path, auth = auth }
end
local close = os.getenv("CLOSE") == "1"
math.randomseed(os.time() + math.floor(os.clock() * 1000000))
request = function()
  local r = lines[math.random(#lines)]
  local headers = {}
  if r.auth ~= "-" then headers["Authorization"] = r.auth end
  if close then headers["Connection"] = "close" end
  return wrk.format("GET", r.path, headers)
end
done = function(summary, latency, requests)
  io.write(string.format("wrk_requests %d\nwrk_bytes %d\nwrk_errors %d\nwrk_non2xx %d\n",
    summary.requests, summary.bytes,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
  io.write(string.format("wrk_p50_ms %.2f\nwrk_p99_ms %.2f\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
EOF

cat > "$WORK/nginx.conf" <<EOF
worker_processes 2;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log warn;
events { worker_connections 16384; }
http {
  access_log off;
  sendfile on;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$NGINX_HTTPS ssl;
    ssl_certificate $WORK/data/gateway-cert.pem;
    ssl_certificate_key $WORK/data/gateway-key.pem;
    ssl_protocols TLSv1.3;
    root $WORK/www;
    location /autop/ { default_type text/plain; }
    location /firmware/ { default_type application/octet-stream; try_files /image.bin =404; }
  }
}
EOF
nginx -c "$WORK/nginx.conf" -p "$WORK"
for _ in $(seq 1 50); do [ -f "$WORK/nginx.pid" ] && break; sleep 0.1; done
# Both servers answer the same first request alike, or the comparison means nothing.
first=$(head -1 "$WORK/autop.txt")
for port in $PORTER_HTTPS $NGINX_HTTPS; do
  code=$(curl -s -o "$WORK/check-$port" -w '%{http_code}' --cacert "$WORK/data/gateway-cert.pem" \
    -H "Authorization: ${first#* }" "https://127.0.0.1:$port${first%% *}")
  [ "$code" = 200 ] || { echo "port $port answered $code" >&2; exit 1; }
done
cmp -s "$WORK/check-$PORTER_HTTPS" "$WORK/check-$NGINX_HTTPS" || { echo "the AutoP files differ" >&2; exit 1; }

# CPU seconds (user + system) of a process and its threads; nginx: master and workers.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
nginx_ticks() {
  local master total pid
  master=$(cat "$WORK/nginx.pid")
  total=$(cpu_ticks "$master")
  for pid in $(pgrep -P "$master"); do total=$((total + $(cpu_ticks "$pid"))); done
  echo $total
}
HZ=$(getconf CLK_TCK)

# run NAME SERVER PORT REQUESTS CLOSE CONNS
run() {
  local name=$1 server=$2 port=$3 requests=$4 close=$5 conns=$6 before after out
  if [ "$server" = porter ]; then before=$(cpu_ticks $PORTER_PID); else before=$(nginx_ticks); fi
  out=$(REQUESTS="$requests" CLOSE=$close wrk -t2 -c"$conns" -d"${DURATION}s" \
    -s "$WORK/requests.lua" "https://127.0.0.1:$port" | grep '^wrk_')
  if [ "$server" = porter ]; then after=$(cpu_ticks $PORTER_PID); else after=$(nginx_ticks); fi
  python3 - "$name" "$server" "$DURATION" "$HZ" "$before" "$after" <<EOF
import sys
name, server, duration, hz, before, after = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
v = dict(l.split() for l in """$out""".strip().splitlines())
req, byt = int(v["wrk_requests"]), int(v["wrk_bytes"])
cpu = (after - before) / hz
p = f"{server}_{name}"
print(f"{p}_requests {req}")
print(f"{p}_errors {int(v['wrk_errors']) + int(v['wrk_non2xx'])}")
print(f"{p}_per_sec {req / duration:.0f}")
print(f"{p}_mib_per_sec {byt / duration / 1048576:.1f}")
print(f"{p}_p50_ms {v['wrk_p50_ms']}")
print(f"{p}_p99_ms {v['wrk_p99_ms']}")
print(f"{p}_server_cpu_secs {cpu:.2f}")
if cpu > 0:
    print(f"{p}_per_server_cpu_sec {req / cpu:.0f}")
    print(f"{p}_mib_per_server_cpu_sec {byt / cpu / 1048576:.1f}")
EOF
}

echo "devices $DEVICES"
echo "image_mib $IMAGE_MIB"
for server in porter nginx; do
  port=$PORTER_HTTPS; [ $server = nginx ] && port=$NGINX_HTTPS
  run autop_keepalive $server $port "$WORK/autop.txt" 0 "$CONNS"
  run autop_new_connection $server $port "$WORK/autop.txt" 1 "$CONNS"
  run firmware $server $port "$WORK/firmware.txt" 0 "$FW_CONNS"
done
