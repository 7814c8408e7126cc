#!/usr/bin/env bash
# pg.sh start | stop | status | url [DBNAME] -- the benchmark's own PostgreSQL cluster:
# /tmp/product/pg, 127.0.0.1:${PG_PORT:-54330}, user postgres (trust), the server's binaries.
#
# Why not the box's PostgreSQL on :5432 (which seed.sh and serve.sh also accept through
# DATABASE_URL): load.py counts as "ours" only the process trees of the pid files it is given,
# and on :5432 the postmaster's tree also holds the other developers' test databases. With a
# cluster of its own, its postmaster.pid (PG_PIDFILE below) puts every PostgreSQL process that
# serves relq on the server's side of the ledger (server CPU per request includes the
# database, as for the shared harness's peer on PostgreSQL), and other jobs on :5432 count as
# foreign. Settings as the harness's peer cluster: shared_buffers 512MB, max_connections 50;
# everything else is PostgreSQL's default (fsync and synchronous_commit on).
set -euo pipefail
ROOT=/tmp/product
DATA=$ROOT/pg
PORT=${PG_PORT:-54330}
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
[[ -n $PGBIN ]] || { echo "no PostgreSQL binaries under /usr/lib/postgresql" >&2; exit 1; }
as_pg() { if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case ${1:-} in
  start)
    mkdir -p $DATA
    [[ $(id -u) == 0 ]] && chown postgres:postgres $DATA
    if [[ ! -f $DATA/PG_VERSION ]]; then
      as_pg $PGBIN/initdb -D $DATA -A trust -U postgres >/dev/null
      cat >> $DATA/postgresql.conf <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$DATA'
port = $PORT
shared_buffers = 512MB
max_connections = 50
EOF
    fi
    as_pg $PGBIN/pg_ctl -D $DATA status >/dev/null 2>&1 ||
      as_pg $PGBIN/pg_ctl -D $DATA -l $DATA/server.log -w start >/dev/null
    echo "postgres: $($PGBIN/postgres --version), cluster $DATA on 127.0.0.1:$PORT"
    ;;
  stop) as_pg $PGBIN/pg_ctl -D $DATA -m fast stop >/dev/null 2>&1 || true ;;
  status) as_pg $PGBIN/pg_ctl -D $DATA status ;;
  url) echo "postgresql+psycopg://postgres@127.0.0.1:$PORT/${2:-relq_bench100k}" ;;
  *) echo "usage: pg.sh start | stop | status | url [DBNAME]" >&2; exit 2 ;;
esac
