#!/usr/bin/env bash
# Seeds each fuzz target's corpus from testdata/realdata and the examples.
set -euo pipefail
cd "$(dirname "$0")"
real=../testdata/realdata
for t in ics csv fit tcx gpx strava profile; do mkdir -p "corpus/$t"; done
cp "$real"/*.ics ../examples/*.ics corpus/ics/ 2>/dev/null || true
cp "$real"/*.csv ../examples/*.csv corpus/csv/ 2>/dev/null || true
cp "$real"/*.fit corpus/fit/ 2>/dev/null || true
cp "$real"/*.tcx corpus/tcx/ 2>/dev/null || true
cp "$real"/*.gpx corpus/gpx/ 2>/dev/null || true
cp "$real"/*strava*.csv corpus/strava/ 2>/dev/null || true
printf 'Activity ID,Activity Date,Activity Name,Activity Type,Elapsed Time,Distance,Filename\n1,"Apr 25, 2027, 8:00:00 AM",Marathon,Run,11000,42.2,\n' > corpus/strava/minimal.csv
cargo run --quiet --manifest-path ../Cargo.toml --locked -p kneadtime -- profile show > corpus/profile/default.toml
