#!/usr/bin/env bash
# seed.sh N [RESULT_JSONL]: relq's SQLite database for N cases of the canonical data set,
# /tmp/product/data/relq<N/1000>k.db, seeded through relq's own write path.
#
#   SEED_MODE=service (default) | bulk   see bench/seed_cases.py
#   BATCH=500                            cases per transaction
#   RESEED=1                             seed again even if a snapshot exists
#
# Seeding 100k through the services (and the NLP backfill) takes long, and run.sh calls
# this before every product run, so the seeded file is kept as a snapshot (<db>.snap, with
# a key made of the seeding code, the data set, the mode and the batch size).  With a
# matching snapshot this only restores it (which also drops what the previous run's
# `create` wrote), then upgrades its schema to the work tree's newest migration
# (`flask relq init`, as a deployment would), and appends no timing line, like the peer's
# restore; the timing line is written only when it seeds.  SEED_NLP=0: no NLP backfill.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
SHARED=${BENCH_SHARED:-$(cd "$REPO/../shared/bench" && pwd)}
N=${1:?usage: seed.sh N [RESULT_JSONL]}
OUTF=${2:-}
MODE=${SEED_MODE:-service}
BATCH=${BATCH:-500}
ROOT=/tmp/product
VENV=$ROOT/venv
DB=$ROOT/data/relq$((N / 1000))k.db
[[ $N -lt 1000 ]] && DB=$ROOT/data/relq$N.db
SNAP=$DB.snap
[[ -x $VENV/bin/python ]] || bash "$HERE/setup.sh"
NLP=${SEED_NLP:-1}
KEY=$(cat "$REPO/bench/seed_cases.py" "$SHARED/dataset.py" | sha256sum | cut -c1-16)-$MODE-$BATCH-nlp$NLP
export RELQ_CONFIG=production SECRET_KEY="$(cat $ROOT/secret_key)" \
       DATABASE_URL=sqlite:///$DB RELQ_INSTANCE_PATH=$ROOT/instance FLASK_APP=wsgi BENCH_SHARED=$SHARED
cd "$REPO"

if [[ ${RESEED:-0} != 1 && -f $SNAP && "$(cat $SNAP.key 2>/dev/null)" == "$KEY" ]]; then
  rm -f $DB-wal $DB-shm
  cp $SNAP $DB
  echo "product N=$N: restored the seeded snapshot $SNAP ($MODE, key $KEY; RESEED=1 seeds again)"
  $VENV/bin/flask relq init 2>&1 | grep "Running upgrade" || true
  exit 0
fi

rm -f $DB $DB-wal $DB-shm $SNAP $SNAP.key
$VENV/bin/flask relq init >/dev/null 2>&1
echo "product N=$N: schema ready ($DB); seeding ($MODE, $BATCH cases per transaction)" >&2
NLPFLAG=""; [[ $NLP == 1 ]] || NLPFLAG=--no-nlp
$VENV/bin/python "$REPO/bench/seed_cases.py" --n "$N" --mode "$MODE" --batch "$BATCH" $NLPFLAG \
  ${OUTF:+--out "$OUTF"}
rm -f $DB-wal $DB-shm   # seed_cases.py checkpointed (TRUNCATE) and closed
cp $DB $SNAP && echo "$KEY" > $SNAP.key
