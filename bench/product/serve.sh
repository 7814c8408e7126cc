#!/usr/bin/env bash
# serve.sh start N [WORKERS] | stop  -- relq (RELQ_CONFIG=production) under gunicorn on
# 127.0.0.1:${PORT:-8003}, database /tmp/product/data/relq<N/1000>k.db (seed.sh makes it), or
# with DATABASE_URL=postgresql+psycopg://.../relq_bench* that PostgreSQL database (seed.sh makes
# it too). RELQ_TREE=<dir> serves that copy of relq (bench/product/tree.sh) instead of the
# work tree; BENCH_PAGE_CACHE=off: the case list's page is never kept (bench_wsgi.py).
# Same gunicorn settings as the peer and the ceiling: sync workers, no access log, loopback.
#
# The app object comes from bench/product/bench_wsgi.py: wsgi.py's create_app() with one
# override, SESSION_COOKIE_SECURE=False.  Production marks the session cookie Secure (TLS is
# terminated in front of relq), and a client that speaks plain HTTP to 127.0.0.1 - load.py's
# cookie jar - rightly never sends it back, so the login would not stick.  Nothing else
# differs from `gunicorn wsgi:app`.
#
# The analysis queue is the production default (RELQ_ANALYSIS_QUEUE unset: "thread", analysis in
# each worker when it is idle) unless RELQ_ANALYSIS_QUEUE says otherwise. With
# RELQ_ANALYSIS_QUEUE=rq this also starts one RQ worker (`flask relq worker`, nice ${WORKER_NICE:-0})
# on REDIS_URL (default redis://127.0.0.1:6379/15, emptied first), pid file
# /tmp/product/worker.pid: load.py counts it with the server (--own-pidfile).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
PORT=${PORT:-8003}
ROOT=/tmp/product
PID=$ROOT/gunicorn.pid
WPID=$ROOT/worker.pid
if [[ ${1:-} == stop ]]; then
  if [[ -f $PID ]]; then kill "$(cat $PID)" 2>/dev/null || true
    for _ in $(seq 50); do [[ -f $PID ]] || break; sleep 0.2; done; fi
  if [[ -f $WPID ]]; then kill "$(cat $WPID)" 2>/dev/null || true; rm -f $WPID; fi
  exit 0
fi
[[ ${1:-} == start ]] || { echo "usage: serve.sh start N [WORKERS] | stop" >&2; exit 2; }
N=${2:?usage: serve.sh start N [WORKERS]}
WORKERS=${3:-4}
source "$HERE/lib.sh"
db_for "$N"
if [[ $DB_KIND == sqlite ]]; then
  [[ -f $DB_FILE ]] || { echo "no database $DB_FILE: run seed.sh $N first" >&2; exit 1; }
else
  [[ "$(psql_admin -tA -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")" == 1 ]] ||
    { echo "no database $PG_DB: run seed.sh $N first (with the same DATABASE_URL)" >&2; exit 1; }
fi
export RELQ_CONFIG=production SECRET_KEY="$(cat $ROOT/secret_key)" DATABASE_URL=$DB_URL \
       RELQ_INSTANCE_PATH=$ROOT/instance PYTHONPATH="$TREE${PYTHONPATH:+:$PYTHONPATH}" \
       BENCH_PAGE_CACHE=${BENCH_PAGE_CACHE:-on}
if [[ ${RELQ_ANALYSIS_QUEUE:-} == rq ]]; then
  export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/15}
  (cd "$HERE" && $ROOT/venv/bin/python -c 'import os, redis, rq; rq.Queue("relq", connection=redis.Redis.from_url(os.environ["REDIS_URL"])).empty()')
  (cd "$HERE" && exec nice -n "${WORKER_NICE:-0}" $ROOT/venv/bin/flask --app bench_wsgi:app relq worker \
     >> $ROOT/worker.log 2>&1) &
  echo $! > $WPID
fi
$ROOT/venv/bin/gunicorn bench_wsgi:app --chdir "$HERE" -w "$WORKERS" -k sync \
  -b 127.0.0.1:$PORT --timeout 120 --access-logfile /dev/null \
  --error-logfile $ROOT/gunicorn.log --pid $PID --daemon
for _ in $(seq 100); do
  curl -s -o /dev/null "http://127.0.0.1:$PORT/login" && exit 0; sleep 0.2; done
echo "gunicorn did not come up; see $ROOT/gunicorn.log" >&2; exit 1
