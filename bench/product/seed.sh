#!/usr/bin/env bash
# seed.sh N [RESULT_JSONL]: relq's database for N cases of the canonical data set, seeded
# through relq's own write path.
#
#   SQLite (DATABASE_URL unset, as before): /tmp/product/data/relq<N/1000>k.db
#   PostgreSQL: DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:54330/relq_bench100k
#       (any server; bench/product/pg.sh starts the benchmark's own). The database must be
#       named relq_bench*: it is dropped and created again.
#
#   SEED_MODE=service (default) | bulk | copy   see bench/seed_cases.py; copy (PostgreSQL
#                                        only): the rows of the SQLite service seed's snapshot
#                                        of the same N (seeded first if missing), so that both
#                                        databases hold exactly the same data
#   BATCH=500                            cases per transaction
#   RESEED=1                             seed again even if a snapshot exists
#   SEED_NLP=0                           no NLP backfill
#   SEED_NLP=sql                         PostgreSQL: search words made by SQL instead of the
#                                        NLP (the 1M run; see seed_cases.py --words-by-sql)
#   SEED_NLP_PROCESSES=1                 the backfill's processes (--nlp-processes)
#   SEED_NICE=10                         nice of the seeding process (the box is shared)
#   KEEP_SNAPSHOT=1                      use the snapshot even if the seeding code changed since
#   RELQ_TREE=<dir>                      the relq to seed with (default this work tree)
#
# Seeding 100k through the services (and the NLP backfill) takes long, and run.sh calls
# this before every product run, so the seeded database is kept as a snapshot, with a key
# made of the seeding code, the data set, the mode and the batch size: SQLite <db>.snap
# (+ .key); PostgreSQL the template database <name>_snap (key in its COMMENT). With a
# matching snapshot this only restores it (which also drops what the previous run's
# `create` wrote), then upgrades its schema to the tree's newest migration (`flask relq
# init`, as a deployment would), and appends no timing line, like the peer's restore; the
# timing line is written only when it seeds.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
SHARED=${BENCH_SHARED:-$(cd "$REPO/../shared/bench" && pwd)}
N=${1:?usage: seed.sh N [RESULT_JSONL]}
OUTF=${2:-}
MODE=${SEED_MODE:-service}
BATCH=${BATCH:-500}
source "$HERE/lib.sh"
db_for "$N"
[[ -x $VENV/bin/python ]] || bash "$HERE/setup.sh"
NLP=${SEED_NLP:-1}
KEY=$(cat "$REPO/bench/seed_cases.py" "$SHARED/dataset.py" | sha256sum | cut -c1-16)-$MODE-$BATCH-nlp$NLP
export RELQ_CONFIG=production SECRET_KEY="$(cat $ROOT/secret_key)" \
       DATABASE_URL=$DB_URL RELQ_INSTANCE_PATH=$ROOT/instance FLASK_APP=wsgi BENCH_SHARED=$SHARED \
       RELQ_TREE=$TREE
cd "$TREE"
init() { $VENV/bin/flask relq init "$@"; }
seed() {  # seed_cases.py with the mode's arguments
  local flag="--nlp-processes ${SEED_NLP_PROCESSES:-1}"
  [[ $NLP == 0 ]] && flag=--no-nlp
  [[ $NLP == sql ]] && flag=--words-by-sql
  nice -n "${SEED_NICE:-10}" $VENV/bin/python "$REPO/bench/seed_cases.py" --n "$N" --mode "$MODE" \
    --batch "$BATCH" $flag "$@" ${OUTF:+--out "$OUTF"}
}

# A snapshot is used when its key matches; with KEEP_SNAPSHOT=1 whatever its key (the seeding
# code is shared: anyone's edit of seed_cases.py changes the key, and a 100k reseed is long).
use_snapshot() {  # use_snapshot KEY_OF_THE_SNAPSHOT
  [[ ${RESEED:-0} != 1 && -n $1 ]] || return 1
  [[ $1 == "$KEY" ]] && return 0
  [[ ${KEEP_SNAPSHOT:-0} == 1 ]] || return 1
  echo "product N=$N: KEEP_SNAPSHOT=1: the snapshot's key is $1, the seeding code's now $KEY" >&2
}

if [[ $DB_KIND == sqlite ]]; then
  [[ $MODE != copy ]] || { echo "SEED_MODE=copy fills PostgreSQL from the SQLite seed" >&2; exit 2; }
  DB=$DB_FILE SNAP=$DB_FILE.snap
  HAVE=""; [[ -f $SNAP ]] && HAVE=$(cat $SNAP.key 2>/dev/null || echo unknown)
  if use_snapshot "$HAVE"; then
    rm -f $DB-wal $DB-shm
    cp $SNAP $DB
    echo "product N=$N: restored the seeded snapshot $SNAP ($MODE, key $HAVE; RESEED=1 seeds again)"
    init 2>&1 | grep "Running upgrade" || true
    exit 0
  fi
  rm -f $DB $DB-wal $DB-shm   # the old snapshot stays until the new one is made
  init >/dev/null 2>&1
  echo "product N=$N: schema ready ($DB); seeding ($MODE, $BATCH cases per transaction)" >&2
  seed
  rm -f $DB-wal $DB-shm   # seed_cases.py checkpointed (TRUNCATE) and closed
  cp $DB $SNAP.tmp && mv -f $SNAP.tmp $SNAP && echo "$KEY" > $SNAP.key
  exit 0
fi

# PostgreSQL: the snapshot is a template database; CREATE DATABASE ... TEMPLATE copies its
# files (seconds at 100k) and needs no connection to either database meanwhile.
if [[ $MODE == copy ]]; then
  # the source: the SQLite service seed's snapshot of the same N (made first if missing), read
  # as it is; its key is part of this one
  SRC=$SQLITE_FILE.snap
  [[ -f $SRC ]] || (unset DATABASE_URL; SEED_MODE=service bash "$HERE/seed.sh" "$N" "$OUTF")
  KEY=$KEY-of-$(cat $SRC.key 2>/dev/null || echo unknown)
fi
snap_key() { psql_admin -tA -c "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '$PG_SNAP'"; }
HAVE=$(snap_key)
if use_snapshot "$HAVE"; then
  psql_admin -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" -c "CREATE DATABASE $PG_DB TEMPLATE $PG_SNAP"
  echo "product N=$N: restored the seeded snapshot $PG_SNAP ($MODE, key $HAVE; RESEED=1 seeds again)"
  init 2>&1 | grep "Running upgrade" || true
  # VACUUM too: a restored copy starts with empty statistics, so autovacuum would never learn
  # that its tables were filled and never set their visibility maps, which a database that grew
  # by its own inserts has (PostgreSQL 13+ vacuums after inserts): index-only scans (the
  # list's deep pages, its counts) would read every row's page again.
  psql -X -q "$PG_LIBPQ" -c "VACUUM (ANALYZE)"
  exit 0
fi
psql_admin -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" -c "CREATE DATABASE $PG_DB"
init >/dev/null 2>&1
echo "product N=$N: schema ready ($PG_DB); seeding ($MODE, $BATCH cases per transaction)" >&2
if [[ $MODE == copy ]]; then seed --source "sqlite:///$SRC"; else seed; fi
psql_admin -c "DROP DATABASE IF EXISTS $PG_SNAP WITH (FORCE)" -c "CREATE DATABASE $PG_SNAP TEMPLATE $PG_DB" \
  -c "COMMENT ON DATABASE $PG_SNAP IS '$KEY'"
