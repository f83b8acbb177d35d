#!/usr/bin/env bash
# The clinic server under load: 50 therapists, 1,000 clients, a year of bookings; slot
# search alone (1 and 16 clients), booking alone and a realistic mix (64 clients), an
# open-loop mix offered at 300 requests/s, statements per booking, beside raw
# single-row transactional SQLite inserts measured in the same run. On PostgreSQL too
# when KNEADTIME_TEST_POSTGRES_URL is set (a fresh schema is used).
# Usage: bench/load.sh [CLIENTS] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
clients=${1:-64}
seconds=${2:-20}
cargo build --release --locked -p kneadtime-server --example load
bin=target/release/examples/load
"$bin" "$clients" "$seconds"
if [ -n "${KNEADTIME_TEST_POSTGRES_URL:-}" ]; then
  schema="kt_load_$$"
  psql "$KNEADTIME_TEST_POSTGRES_URL" -qc "CREATE SCHEMA $schema" >/dev/null
  trap 'psql "$KNEADTIME_TEST_POSTGRES_URL" -qc "DROP SCHEMA $schema CASCADE" >/dev/null' EXIT
  sep='?'; case "$KNEADTIME_TEST_POSTGRES_URL" in *\?*) sep='&';; esac
  "$bin" "$clients" "$seconds" "${KNEADTIME_TEST_POSTGRES_URL}${sep}options=-c%20search_path%3D${schema}"
fi
