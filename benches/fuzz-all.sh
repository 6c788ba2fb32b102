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
  cargo +nightly fuzz run "$t" "corpus/$t" "${seeds[@]}" -- \
    -max_total_time=$((MINUTES * 60)) "${parallel[@]}" -print_final_stats=1 \
    -rss_limit_mb=2048 2>&1 | grep -E '^(stat::|==|SUMMARY|Done)|panicked|ERROR' || true
  echo "== $t: ran $(( ($(date +%s) - start) / 60 )) min, corpus $(ls "corpus/$t" | wc -l) inputs"
done
