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
  # A port nobody is listening on, unless one is asked for.
  pg_port=${KNEADTIME_PG_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
  pg_stop() {
    pg_as "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$pg_dir"
  }
  trap pg_stop EXIT
  pg_as "$pg_bin/initdb" -D "$pg_dir/data" -A trust -U kneadtime -E UTF8 --no-sync >/dev/null
  if ! pg_as "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w \
    -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off" start >/dev/null; then
    cat "$pg_dir/server.log"
    exit 1
  fi
  export KNEADTIME_TEST_POSTGRES_URL="postgres://kneadtime@127.0.0.1:$pg_port/postgres"
  echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') for the tests at $KNEADTIME_TEST_POSTGRES_URL"
fi
