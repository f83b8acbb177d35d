# Sourced by .ci/run: starts a throw-away PostgreSQL cluster in a temporary folder on a
# local port, points the tests at it (KNEADTIME_TEST_POSTGRES_URL), and removes it on exit.
# Without PostgreSQL installed it does nothing and the PostgreSQL tests say they were skipped.

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
if [ -n "$pg_bin" ] && [ -z "${KNEADTIME_TEST_POSTGRES_URL:-}" ]; then
  pg_dir=$(mktemp -d /tmp/kneadtime-pg.XXXXXX)
  chmod 755 "$pg_dir"
  pg_as() {
    if [ "$(id -u)" = 0 ]; then
      chown -R postgres "$pg_dir"
      runuser -u postgres -- "$@"
    else
      "$@"
    fi
  }
  pg_port=${KNEADTIME_PG_PORT:-55432}
  pg_as "$pg_bin/initdb" -D "$pg_dir/data" -A trust -U kneadtime -E UTF8 --no-sync >/dev/null
  pg_as "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w \
    -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off" start >/dev/null
  pg_stop() {
    pg_as "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$pg_dir"
  }
  trap pg_stop EXIT
  export KNEADTIME_TEST_POSTGRES_URL="postgres://kneadtime@127.0.0.1:$pg_port/postgres"
  echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') for the tests at $KNEADTIME_TEST_POSTGRES_URL"
fi
