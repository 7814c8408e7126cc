#!/usr/bin/env bash
# Side by side on one database, one command (from the work tree's root): the shared harness's
# Flask ceiling (run.sh, SQLite), then relq's endpoints, the kept page and the computed one,
# and the mixed load, all in one results folder. For PostgreSQL, also the ceiling with /table
# on PostgreSQL (ceiling_pg.sh) and the database's CPU counted as the server's.
#
#   bash bench/product/sbs_db.sh                                   # SQLite
#   bash bench/product/pg.sh start
#   DATABASE_URL=$(bash bench/product/pg.sh url relq_bench100k) bash bench/product/sbs_db.sh
#
# Steps (each a load.py-shaped JSON in OUT):
#   ceiling-N.json      run.sh SYSTEMS=ceiling: /hello, /table (SQLite), as in every run.sh run
#   ceiling_pg-N.json   PostgreSQL only: the same ceiling, /table from PostgreSQL
#   product-N.json      relq, every endpoint of product.json (list_shell, list_data, detail,
#                       search, search_ja, create), as run.sh runs the product; then the
#                       analyses that create queued are waited for
#   varied-N.json       list_varied, search_varied (product-varied.json, load_pick.py):
#                       filters and words drawn per request, so the page is computed
#   mixed-N.json        list_shell while WRITERS connections post `create` (mixed.py)
#   nocache-N.json      list_shell, list_deep, search with BENCH_PAGE_CACHE=off (bench_wsgi.py): the
#                       default list's cost when its kept page cannot be used
# then tables.md (tables.py). The database is restored from its snapshot first (seed.sh).
#
# Knobs: N=100000 WORKERS=4 CONC=8 DUR=15 WARM=3 REPS=3 WRITERS=2 QUIET_WAIT=30
#   NOISY_RETRIES=1 OUT=$TMPDIR/bench-results/sbs-<db>-<ts> ENDPOINTS=(the product step's, default
#   all of product.json; e.g. list_shell,list_deep,search,search_ja for the 1M run)
#   RELQ_TREE=(default: a copy of HEAD,
#   tree.sh; "worktree" = the work tree as it is) STEPS="ceiling product varied mixed nocache"
#   MAX_LOAD=1.5 LOAD_WAIT=2400: before each step, wait while the 1-minute load average of the
#   box is above MAX_LOAD (other people's tests), at most LOAD_WAIT s in all; every step's
#   load is written to OUT/load.txt.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
SHARED=${BENCH_SHARED:-$(cd "$REPO/../shared/bench" && pwd)}
export BENCH_SHARED=$SHARED
N=${N:-100000} WORKERS=${WORKERS:-4} CONC=${CONC:-8} WRITERS=${WRITERS:-2}
DUR=${DUR:-15} WARM=${WARM:-3} REPS=${REPS:-3}
QUIET_WAIT=${QUIET_WAIT:-30} NOISY_RETRIES=${NOISY_RETRIES:-1}
MAX_LOAD=${MAX_LOAD:-1.5} LOAD_WAIT=${LOAD_WAIT:-2400}
STEPS=${STEPS:-"ceiling product varied mixed nocache"}
source "$HERE/lib.sh"
db_for "$N"
if [[ ${RELQ_TREE:-} == worktree ]]; then export RELQ_TREE=$REPO
elif [[ -z ${RELQ_TREE:-} ]]; then export RELQ_TREE=$(bash "$HERE/tree.sh"); fi
TREE=$RELQ_TREE
OUT=${OUT:-${TMPDIR:-/tmp}/bench-results/sbs-$DB_KIND-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
log() { echo "[$(date -u +%H:%M:%S)] $*" | tee -a "$OUT/run.log"; }
has() { [[ " $STEPS " == *" $1 "* ]]; }

waited=0
wait_load() {  # wait_load STEP: until the 1-minute load is at most MAX_LOAD (bounded)
  local l
  while :; do
    l=$(cut -d' ' -f1 /proc/loadavg)
    if awk -v l="$l" -v m="$MAX_LOAD" 'BEGIN{exit !(l <= m)}' || (( waited >= LOAD_WAIT )); then break; fi
    log "$1: load $l > $MAX_LOAD, waiting (${waited}s of ${LOAD_WAIT}s so far)"
    sleep 30; waited=$((waited + 30))
  done
  echo "$(date -u +%H:%M:%S) $1 load1=$l ($(cut -d' ' -f1-3 /proc/loadavg)) waited_total=${waited}s" >> "$OUT/load.txt"
}

OWN=(--own-pidfile $ROOT/gunicorn.pid)
PG_PIDFILE=""
if [[ $DB_KIND == postgresql ]]; then
  # the benchmark's own cluster: every PostgreSQL process serves relq, count it as the server
  PORT_=$(sed -E 's#.*@[^:/]+:([0-9]+)/.*#\1#' <<<"$DB_URL")
  if [[ $PORT_ == "${PG_PORT:-54330}" && -f $ROOT/pg/postmaster.pid ]]; then
    PG_PIDFILE=$ROOT/pg/postmaster.pid; OWN+=(--own-pidfile $PG_PIDFILE)
  else
    log "note: $DB_URL is not the benchmark's own cluster: its CPU counts as foreign, not as the server's"
  fi
fi
LOAD=(python3 "$SHARED/load.py" --concurrency "$CONC" --duration "$DUR" --warmup "$WARM"
      --reps "$REPS" --timeout 60 --quiet-wait "$QUIET_WAIT" --noisy-retries "$NOISY_RETRIES"
      --own-regex '' --id-max "$N")

{ echo "date: $(date -u)"; echo "host: $(nproc) cores, $(free -g | awk '/Mem/{print $2}') GiB";
  echo "database: $DB_KIND ${PG_DB:-$DB_FILE}${PG_PIDFILE:+ (own cluster, counted as the server)}"
  echo "relq tree: $TREE ($(git -C "$REPO" rev-parse --short HEAD) is HEAD)"
  echo "wrk: $(wrk --version 2>&1 | head -1)"
  echo "workload: N=$N WORKERS=$WORKERS CONC=$CONC DUR=$DUR WARM=$WARM REPS=$REPS WRITERS=$WRITERS"; } > "$OUT/sbs-env.txt"

if has ceiling; then
  wait_load ceiling
  log "ceiling (run.sh, SQLite)"
  OUT=$OUT SYSTEMS=ceiling NS=$N CONC=$CONC DUR=$DUR WARM=$WARM REPS=$REPS WORKERS=$WORKERS \
    QUIET_WAIT=$QUIET_WAIT NOISY_RETRIES=$NOISY_RETRIES bash "$SHARED/run.sh" 2>&1 | tail -n 4
  if [[ $DB_KIND == postgresql ]]; then
    wait_load ceiling_pg
    log "ceiling, /table on PostgreSQL"
    trap 'bash "$HERE/ceiling_pg.sh" stop' EXIT
    bash "$HERE/ceiling_pg.sh" start "$N" "$WORKERS"
    CPID=(--own-pidfile $ROOT/ceiling-pg.pid); [[ -n $PG_PIDFILE ]] && CPID+=(--own-pidfile $PG_PIDFILE)
    "${LOAD[@]}" "${CPID[@]}" --target "$HERE/ceiling-pg.json" --label "ceiling-pg-$N" \
      --out "$OUT/ceiling_pg-$N.json" 2>&1 | tee -a "$OUT/run.log"
    bash "$HERE/ceiling_pg.sh" stop; trap - EXIT
  fi
fi

serve() {  # serve [env...]: restore the seeded database, start relq
  bash "$HERE/serve.sh" stop
  bash "$HERE/seed.sh" "$N" "$OUT/seed.jsonl" 2>&1 | tee -a "$OUT/run.log"
  env "$@" bash "$HERE/serve.sh" start "$N" "$WORKERS"
}
catch_up() {  # the analyses queued by create: the thread queue runs them when workers are idle
  local t0=$(date +%s) left
  for _ in $(seq 600); do left=$(pending_analyses); [[ $left == 0 ]] && break; sleep 1; done
  log "analyses pending after create: caught up in $(( $(date +%s) - t0 )) s (left: $left)"
}
trap 'bash "$HERE/serve.sh" stop' EXIT
[[ -f $ROOT/gunicorn.log ]] && mv $ROOT/gunicorn.log $ROOT/gunicorn.log.prev   # this run's errors only
if has product || has varied || has mixed; then
  serve
  /tmp/product/venv/bin/pip freeze --disable-pip-version-check > "$OUT/product-freeze.txt" 2>/dev/null || true
fi
if has product; then
  wait_load product
  log "relq N=$N on $DB_KIND: product.json"
  "${LOAD[@]}" "${OWN[@]}" --target "$HERE/product.json" --label "product-$DB_KIND-$N" \
    ${ENDPOINTS:+--endpoints "$ENDPOINTS"} \
    --out "$OUT/product-$N.json" 2>&1 | tee -a "$OUT/run.log"
  catch_up
fi
if has varied; then
  wait_load varied
  log "relq N=$N on $DB_KIND: drawn filters and words (the page computed)"
  python3 "$HERE/load_pick.py" "${LOAD[@]:2}" "${OWN[@]}" --target "$HERE/product-varied.json" \
    --label "varied-$DB_KIND-$N" --out "$OUT/varied-$N.json" 2>&1 | tee -a "$OUT/run.log"
fi
if has mixed; then
  wait_load mixed
  log "relq N=$N on $DB_KIND: list_shell while $WRITERS connections post new cases"
  python3 "$HERE/mixed.py" --target "$HERE/product.json" --read list_shell --write create \
    --writers "$WRITERS" --concurrency "$CONC" --duration "$DUR" --warmup "$WARM" --reps "$REPS" \
    --id-max "$N" --quiet-wait "$QUIET_WAIT" "${OWN[@]}" --count-cases "$DB_URL" \
    --label "mixed-$DB_KIND-$N" --out "$OUT/mixed-$N.json" 2>&1 | tee -a "$OUT/run.log"
  catch_up
fi
if has nocache; then
  serve BENCH_PAGE_CACHE=off
  wait_load nocache
  log "relq N=$N on $DB_KIND: list_shell and search with the page never kept"
  "${LOAD[@]}" "${OWN[@]}" --target "$HERE/product.json" --endpoints list_shell,list_deep,search \
    --label "nocache-$DB_KIND-$N" --out "$OUT/nocache-$N.json" 2>&1 | tee -a "$OUT/run.log"
fi
bash "$HERE/serve.sh" stop; trap - EXIT
cp $ROOT/gunicorn.log "$OUT/gunicorn.log" 2>/dev/null || true
TB=$(grep -c Traceback "$OUT/gunicorn.log" 2>/dev/null || true)
log "gunicorn.log: ${TB:-0} tracebacks"
python3 "$HERE/tables.py" "$OUT" --n "$N" | tee "$OUT/tables.md"
log "done: $OUT"
