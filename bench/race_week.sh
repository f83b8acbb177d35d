#!/usr/bin/env bash
# Race week on a clinic's database: enrol a field of runners, read and solve the
# allocation, book it in one transaction, book again. On SQLite, and on PostgreSQL too
# when KNEADTIME_TEST_POSTGRES_URL is set (a fresh schema is used).
# Usage: bench/race_week.sh [RUNNERS]
set -euo pipefail
cd "$(dirname "$0")/.."
runners=${1:-5000}
cargo build --release --locked -p kneadtime-server --example race_week
bin=target/release/examples/race_week
"$bin" "$runners"
if [ -n "${KNEADTIME_TEST_POSTGRES_URL:-}" ]; then
  schema="kt_race_$$"
  psql "$KNEADTIME_TEST_POSTGRES_URL" -qc "CREATE SCHEMA $schema" >/dev/null
  trap 'psql "$KNEADTIME_TEST_POSTGRES_URL" -qc "DROP SCHEMA $schema CASCADE" >/dev/null 2>&1' EXIT
  sep='?'; case "$KNEADTIME_TEST_POSTGRES_URL" in *\?*) sep='&';; esac
  "$bin" "$runners" "${KNEADTIME_TEST_POSTGRES_URL}${sep}options=-c%20search_path%3D${schema}"
fi
