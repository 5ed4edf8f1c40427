#!/usr/bin/env bash
# A throw-away PostgreSQL server for the results-store tests, on a Unix socket only (no TCP port).
#
#   tests/services/postgres.sh start [DIR]   initdb into DIR (default: a new temporary folder), start the server,
#                                            create the database; prints the store URL on stdout, e.g.
#                                            postgresql+psycopg://postgres@/zerodistrict_test?host=DIR
#   tests/services/postgres.sh stop DIR      stop that server and delete DIR
#
#   export ZERODISTRICT_TEST_POSTGRES_URL=$(tests/services/postgres.sh start /tmp/zd-pg)   # then pytest tests/results
#
# The server refuses to run as root: as root the cluster belongs to Debian's `postgres` user (it exists once the
# `postgresql` package is installed). Needs PostgreSQL's server binaries (Debian: /usr/lib/postgresql/N/bin).
set -euo pipefail

pg_bin() {
  if command -v pg_ctl >/dev/null 2>&1; then dirname "$(readlink -f "$(command -v pg_ctl)")"; return; fi
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$dir" ]; then echo "postgres.sh: no PostgreSQL server found (apt-get install postgresql)" >&2; exit 1; fi
  echo "$dir"
}

as_owner() {  # run a command as the cluster's owner
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cmd=${1:-}
case "$cmd" in
  start)
    dir=${2:-$(mktemp -d /tmp/zerodistrict-pg.XXXXXX)}
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
    bin=$(pg_bin)
    as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust --no-sync -E UTF8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    # fsync off: a test cluster that is thrown away need not survive a power cut
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-k $dir -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null \
      || { cat "$dir/server.log" >&2; exit 1; }
    as_owner "$bin/createdb" -h "$dir" -U postgres zerodistrict_test
    echo "postgresql+psycopg://postgres@/zerodistrict_test?host=$dir"
    ;;
  stop)
    dir=${2:?usage: postgres.sh stop DIR}
    if [ -f "$dir/data/postmaster.pid" ]; then
      as_owner "$(pg_bin)/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: postgres.sh start [DIR] | stop DIR" >&2
    exit 2
    ;;
esac
