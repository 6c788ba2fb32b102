#!/usr/bin/env bash
# Runs every fuzz target in fuzz/ for MINUTES each (default 5), one after another, seeded
# from fuzz/seeds/<target>/ and sip/tests/corpus/ (SIP targets); the corpus each run grows is
# kept in fuzz/corpus/<target>/ (not committed) so later runs go on from it. Needs nightly
# and cargo-fuzz (cargo install cargo-fuzz). A finding stops the script with the crashing
# input in fuzz/artifacts/<target>/: make it a unit test, fix it, and run again.
#
#   benches/fuzz-all.sh 60            # an hour per target
#   TARGETS="sip_server device_session" benches/fuzz-all.sh 10
#
# Record the minutes and any finding in docs/ARCHITECTURE.md's fuzzing table.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
MINUTES=${1:-5}
ALL="parse_datagram stream_framer header_values dtmf_info sip_server device_frame device_session autop_commands upload_tables template_import firmware_header download_headers"
TARGETS=${TARGETS:-$ALL}
# More than one job runs that many processes per target (their output goes to
# fuzz-N.log files).
JOBS=${JOBS:-1}
# NICE=19 lets the fuzzers take only the CPU nothing else wants; the CPU minutes each
# target really got are printed at its end (that is the figure for the table, not the
# wall-clock MINUTES).
NICE=${NICE:-0}
parallel=()
[ "$JOBS" -gt 1 ] && parallel=(-jobs="$JOBS" -workers="$JOBS")

cargo +nightly fuzz build
for t in $TARGETS; do
  mkdir -p "corpus/$t"
  seeds=()
  [ -d "seeds/$t" ] && seeds+=("seeds/$t")
  case $t in
    parse_datagram|stream_framer|header_values|sip_server)
      seeds+=(../sip/tests/corpus/valid ../sip/tests/corpus/invalid) ;;
  esac
  echo "== $t: $MINUTES min"
  start=$(date +%s)
  cpu=$(mktemp)
  /usr/bin/time -o "$cpu" -f '%U %S' nice -n "$NICE" \
    cargo +nightly fuzz run "$t" "corpus/$t" "${seeds[@]}" -- \
    -max_total_time=$((MINUTES * 60)) "${parallel[@]}" -print_final_stats=1 \
    -rss_limit_mb=2048 2>&1 | grep -E '^(stat::|==|SUMMARY|Done)|panicked|ERROR' || true
  cpu_min=$(awk '/^[0-9.]+ [0-9.]+$/ { printf "%.1f", ($1 + $2) / 60 }' "$cpu")
  rm -f "$cpu"
  echo "== $t: ran $(( ($(date +%s) - start) / 60 )) min wall, ${cpu_min:-?} CPU min," \
    "corpus $(ls "corpus/$t" | wc -l) inputs"
  if [ -n "$(ls -A "artifacts/$t" 2>/dev/null)" ]; then
    echo "== $t: FINDING in fuzz/artifacts/$t/" >&2
    exit 1
  fi
done
