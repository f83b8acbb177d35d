#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 20), seeded from testdata/realdata
# and the examples. cargo-fuzz needs nightly flags: RUSTC_BOOTSTRAP=1 lets the stable
# toolchain take them. A crash fails the run and leaves its input in fuzz/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked --quiet
fi
fuzz/seed.sh
export RUSTC_BOOTSTRAP=1
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for t in ics csv fit tcx gpx strava profile; do
  echo "fuzzing $t for ${seconds}s"
  if ! (cd fuzz && cargo fuzz run --release "$t" "corpus/$t" -- \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1) >"$log" 2>&1; then
    tail -60 "$log"
    echo "fuzz target $t failed; inputs that crash it are in fuzz/artifacts/$t/"
    exit 1
  fi
  grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' "$log" || true
done
