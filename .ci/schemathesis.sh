#!/usr/bin/env bash
# Hostile HTTP input: schemathesis generates requests from /api/openapi.json against a
# demo server, signed in as the owner, and fails on any 5xx or any response that breaks
# the documented schema, status codes or content types.
# Usage: .ci/schemathesis.sh PATH-TO-KNEADTIME [MAX-EXAMPLES]
set -euo pipefail
bin=$1
examples=${2:-30}
st=${SCHEMATHESIS:-schemathesis}
dir=$(mktemp -d /tmp/kneadtime-st.XXXXXX)
"$bin" serve --demo --addr 127.0.0.1:0 --db "sqlite://$dir/clinic.db" >"$dir/out" 2>"$dir/log" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 300); do
  grep -q '^API description' "$dir/out" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || { cat "$dir/log"; exit 1; }
  sleep 0.1
done
base=$(sed -n 's/^kneadtime clinic server listening on //p' "$dir/out")
token=$(python3 - "$base" <<'PY'
import json, sys, urllib.request
req = urllib.request.Request(sys.argv[1] + "/api/login", method="POST",
    data=json.dumps({"email": "owner@demo.kneadtime.test", "password": "demo-owner-pass"}).encode(),
    headers={"Content-Type": "application/json"})
print(json.load(urllib.request.urlopen(req))["token"])
PY
)
# Signing out would end the session the run uses; everything else is fair game.
"$st" run "$base/api/openapi.json" \
  --header "Authorization: Bearer $token" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --exclude-path /api/logout \
  --max-examples "$examples" --workers 2 --seed 20261122 \
  --suppress-health-check all --report junit --report-dir "${REPORT_DIR:-target/schemathesis}"
echo "server log lines with a 5xx:"
grep -E ' 5[0-9][0-9] ' "$dir/log" || echo "none"
