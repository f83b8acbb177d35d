#!/usr/bin/env bash
# Season planning throughput: kneadtime's import + plan of the 18-week example beside
# Python's icalendar + recurring_ical_events expanding the same file, in the same run.
# The machine is shared and its speed drifts, so the two are measured in alternating
# rounds and the ratio is reported per round and as the median of the rounds.
# usage: bench/plan.sh [PYTHON] [ROUNDS]   (default: a venv under target/, 5 rounds)
set -euo pipefail
cd "$(dirname "$0")/.."
file=examples/marathon-18-weeks.ics
py=${1:-}
rounds=${2:-5}
if [ -z "$py" ]; then
  python3 -m venv target/bench-venv
  target/bench-venv/bin/pip install --quiet icalendar recurring-ical-events
  py=target/bench-venv/bin/python
fi
cargo bench --locked -p kneadtime-import --bench plan --no-run 2>/dev/null
# Divan's median column, in seconds.
median() {
  echo "$2" | grep "$1" | awk -F'│' '{print $3}' | python3 -c '
import sys
v, unit = sys.stdin.read().split()
print(float(v) * {"ns": 1e-9, "µs": 1e-6, "ms": 1e-3, "s": 1.0}[unit])'
}
ratios=()
for round in $(seq 1 "$rounds"); do
  out=$(cargo bench --locked -p kneadtime-import --bench plan 2>/dev/null)
  [ "$round" = 1 ] && echo "$out" | tail -6
  base=$("$py" bench/python_plan_baseline.py "$file" 30)
  ours=$(median import_and_plan "$out")
  theirs=$(echo "$base" | awk '/python_median_s/ {print $2}')
  ratio=$(python3 -c "print(f'{$theirs/$ours:.0f}')")
  ratios+=("$ratio")
  python3 -c "print(f'round $round: import + plan {$ours*1e6:.0f} µs; Python expansion alone {$theirs*1e3:.1f} ms; ratio $ratio x')"
done
python3 -c "
import statistics, sys
r = sorted(int(x) for x in sys.argv[1:])
print(f'median ratio over {len(r)} rounds: {statistics.median(r):.0f}x (range {r[0]}x to {r[-1]}x)')" "${ratios[@]}"
