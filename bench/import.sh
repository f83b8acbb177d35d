#!/usr/bin/env bash
# Bulk-import benchmark: a large time-shifted export, read by kneadtime (all cores, and
# one core) and by the Python libraries, in the same run.
# usage: bench/import.sh [COPIES]   (default 130 copies x 16 files = 2,080 activities)
set -euo pipefail
cd "$(dirname "$0")/.."
copies=${1:-130}
corpus=target/bench-corpus
rm -rf "$corpus"
python3 bench/make_corpus.py "$corpus" "$copies"
python3 -m pip install --quiet fitdecode gpxpy python-tcxparser
cargo build --release --locked -p kneadtime
bin=target/release/kneadtime
files=$(find "$corpus" -type f | wc -l)
bytes=$(du -sb "$corpus" | cut -f1)

run() {
  local label=$1; shift
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >/dev/null
  t1=$(date +%s.%N)
  python3 -c "import sys; s=$t1-$t0; print(f'$label: $files files, {$bytes/1e6:.1f} MB in {s:.2f} s: {$files/s:.0f} files/s, {$bytes/1e6/s:.1f} MB/s')"
}

# The Python side is the slow one: one run of it, three of each kneadtime variant around it.
for i in 1 2 3; do
  run "kneadtime (all cores)  run $i" $bin load --history "$corpus" --format json --tz UTC
  RAYON_NUM_THREADS=1 run "kneadtime (one core)   run $i" $bin load --history "$corpus" --format json --tz UTC
  [ "$i" = 2 ] && python3 bench/python_baseline.py "$corpus"
done
$bin load --history "$corpus" --format json --tz UTC | python3 -c "import json,sys; v=json.load(sys.stdin); print('imported', v['imported'], 'duplicates', v['duplicates'], 'failed', len(v['failed']), 'skipped', len(v['skipped']))"
