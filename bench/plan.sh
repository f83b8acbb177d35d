#!/usr/bin/env bash
# Season planning throughput: kneadtime's import + plan of the 18-week example beside
# Python's icalendar + recurring_ical_events expanding the same file, in the same run.
# usage: bench/plan.sh [PYTHON]   (default: a venv under target/ with both libraries)
set -euo pipefail
cd "$(dirname "$0")/.."
file=examples/marathon-18-weeks.ics
py=${1:-}
if [ -z "$py" ]; then
  python3 -m venv target/bench-venv
  target/bench-venv/bin/pip install --quiet icalendar recurring-ical-events
  py=target/bench-venv/bin/python
fi
out=$(cargo bench --locked -p kneadtime-import --bench plan 2>/dev/null)
echo "$out" | tail -6
base=$("$py" bench/python_plan_baseline.py "$file" 30)
echo "$base"
# Divan's median column, in seconds.
median() {
  echo "$out" | grep "$1" | awk -F'│' '{print $3}' | python3 -c '
import sys
v, unit = sys.stdin.read().split()
print(float(v) * {"ns": 1e-9, "µs": 1e-6, "ms": 1e-3, "s": 1.0}[unit])'
}
ours=$(median import_and_plan)
theirs=$(echo "$base" | awk '/python_median_s/ {print $2}')
python3 -c "print(f'import + plan: {$ours*1e6:.0f} µs; Python expansion alone: {$theirs*1e3:.1f} ms; ratio {$theirs/$ours:.0f}x')"
