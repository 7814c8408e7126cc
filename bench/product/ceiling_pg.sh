#!/usr/bin/env bash
# ceiling_pg.sh start N [WORKERS] | stop -- the shared Flask ceiling with /table on PostgreSQL
# (ceiling_pg.py), on 127.0.0.1:${PORT:-8004}, pid file /tmp/product/ceiling-pg.pid, same
# gunicorn flags as every system. Database relq_bench_ceiling<N/1000>k on the server of
# DATABASE_URL (default: the benchmark's own cluster, pg.sh), made on first use from the
# harness's SQLite file (../shared/bench/ceiling/setup.sh makes that).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
SHARED=${BENCH_SHARED:-$(cd "$REPO/../shared/bench" && pwd)}
PORT=${PORT:-8004}
PID=/tmp/product/ceiling-pg.pid
if [[ ${1:-} == stop ]]; then
  if [[ -f $PID ]]; then kill "$(cat $PID)" 2>/dev/null || true
    for _ in $(seq 50); do [[ -f $PID ]] || break; sleep 0.2; done; fi
  exit 0
fi
[[ ${1:-} == start ]] || { echo "usage: ceiling_pg.sh start N [WORKERS] | stop" >&2; exit 2; }
N=${2:?usage: ceiling_pg.sh start N [WORKERS]}
WORKERS=${3:-4}
source "$HERE/lib.sh"
DATABASE_URL=${DATABASE_URL:-$(bash "$HERE/pg.sh" url)}
db_for "$N"
[[ $DB_KIND == postgresql ]] || { echo "DATABASE_URL must be PostgreSQL" >&2; exit 2; }
NAME=relq_bench_ceiling$((N / 1000))k
export CEILING_PG_URL=${DB_URL%/*}/$NAME BENCH_SHARED=$SHARED
[[ -f /tmp/ceiling/data/cases$((N / 1000))k.sqlite3 ]] || bash "$SHARED/ceiling/setup.sh" >/dev/null
if [[ "$(psql_admin -tA -c "SELECT 1 FROM pg_database WHERE datname = '$NAME'")" != 1 ]]; then
  psql_admin -c "CREATE DATABASE $NAME"
  (cd "$HERE" && $VENV/bin/python ceiling_pg.py seed "$N")
fi
$VENV/bin/gunicorn ceiling_pg:app --chdir "$HERE" -w "$WORKERS" -k sync \
  -b 127.0.0.1:$PORT --timeout 120 --access-logfile /dev/null \
  --error-logfile /tmp/product/ceiling-pg.log --pid $PID --daemon
for _ in $(seq 100); do
  curl -s -o /dev/null "http://127.0.0.1:$PORT/hello" && exit 0; sleep 0.2; done
echo "gunicorn did not come up; see /tmp/product/ceiling-pg.log" >&2; exit 1
