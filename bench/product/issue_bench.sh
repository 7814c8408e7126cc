#!/usr/bin/env bash
# The issue's own benchmark, one command (from the work tree's root):
#
#   bash bench/product/issue_bench.sh
#
# "Seed 100k cases, serve with gunicorn (2 workers), measure at 8 concurrent connections:
#  case list (first page, default filters), case detail, intake POST.
#  Targets on SQLite: list p95 < 50 ms, detail p95 < 30 ms, intake p95 < 60 ms."
#
# Same pieces as the side-by-side run (setup.sh, seed.sh, serve.sh, product.json and the
# shared load.py with wrk); endpoints list_shell (GET /cases/), detail (GET /cases/{id},
# random id 1..N), create (POST /cases/new -> 302).  Knobs (env), defaults:
#   N=100000 WORKERS=2 CONC=8 DUR=15 WARM=3 REPS=3 QUIET_WAIT=30 NOISY_RETRIES=1
#   SEED_MODE=service  RESEED=0 (seed.sh keeps a snapshot)  OUT=$TMPDIR/bench-results/issue-<ts>
#   ENDPOINTS=list_shell,detail,create
#   RELQ_ANALYSIS_QUEUE=(unset: the production default, "thread") | off | rq (serve.sh starts
#   an RQ worker, WORKER_NICE=0) -- which mode the intake ran with is written in issue.md.
#   DATABASE_URL=postgresql+psycopg://.../relq_bench100k: on PostgreSQL (seed.sh, serve.sh; on
#   the benchmark's own cluster, pg.sh, its CPU counts as the server's)
#   MIXED=1: then also the list while WRITERS=2 connections post new cases (mixed.py)
# Writes OUT/relq-issue-N.json (load.py), OUT/mixed-N.json, OUT/seed.jsonl (when it seeds),
# OUT/issue.md.
# Exit status 0 whether or not the targets are met (the table says); 1 on a failed run.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
SHARED=${BENCH_SHARED:-$(cd "$REPO/../shared/bench" && pwd)}
N=${N:-100000} WORKERS=${WORKERS:-2} CONC=${CONC:-8}
ENDPOINTS=${ENDPOINTS:-list_shell,detail,create}
QUEUE_MODE=${RELQ_ANALYSIS_QUEUE:-thread (default)}
DUR=${DUR:-15} WARM=${WARM:-3} REPS=${REPS:-3}
QUIET_WAIT=${QUIET_WAIT:-30} NOISY_RETRIES=${NOISY_RETRIES:-1}
OUT=${OUT:-${TMPDIR:-/tmp}/bench-results/issue-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
source "$HERE/lib.sh"
db_for "$N"
OWN=(--own-pidfile /tmp/product/gunicorn.pid --own-pidfile /tmp/product/worker.pid)
[[ $DB_KIND == postgresql && $DB_URL == *:${PG_PORT:-54330}/* && -f /tmp/product/pg/postmaster.pid ]] &&
  OWN+=(--own-pidfile /tmp/product/pg/postmaster.pid)
log() { echo "[$(date -u +%H:%M:%S)] $*" | tee -a "$OUT/run.log"; }
{ echo "date: $(date -u)"; echo "host: $(nproc) cores, $(free -g | awk '/Mem/{print $2}') GiB";
  echo "wrk: $(wrk --version 2>&1 | head -1)";
  echo "workload: N=$N WORKERS=$WORKERS CONC=$CONC DUR=$DUR WARM=$WARM REPS=$REPS"
  echo "database: $DB_KIND ${PG_DB:-$DB_FILE}"
  echo "analysis queue: $QUEUE_MODE${WORKER_NICE:+ (worker nice $WORKER_NICE)}"; } > "$OUT/env.txt"

bash "$HERE/setup.sh" 2>&1 | tee -a "$OUT/env.txt"
/tmp/product/venv/bin/pip freeze --disable-pip-version-check > "$OUT/product-freeze.txt" 2>/dev/null || true
log "relq N=$N: seed"
bash "$HERE/seed.sh" "$N" "$OUT/seed.jsonl" 2>&1 | tee -a "$OUT/run.log"
trap 'bash "$HERE/serve.sh" stop' EXIT
bash "$HERE/serve.sh" start "$N" "$WORKERS"
log "relq N=$N: load (list, detail, intake; $WORKERS workers, $CONC connections)"
python3 "$SHARED/load.py" --target "$HERE/product.json" --label "relq-issue-$N" --id-max "$N" \
  --endpoints "$ENDPOINTS" --concurrency "$CONC" --duration "$DUR" --warmup "$WARM" \
  --reps "$REPS" --timeout 60 --quiet-wait "$QUIET_WAIT" --noisy-retries "$NOISY_RETRIES" \
  --own-regex '' "${OWN[@]}" --out "$OUT/relq-issue-$N.json" 2>&1 | tee -a "$OUT/run.log"
if [[ ${MIXED:-0} == 1 ]]; then
  log "relq N=$N: list_shell while ${WRITERS:-2} connections post new cases"
  python3 "$HERE/mixed.py" --target "$HERE/product.json" --read list_shell --write create \
    --writers "${WRITERS:-2}" --concurrency "$CONC" --duration "$DUR" --warmup "$WARM" --reps "$REPS" \
    --id-max "$N" --quiet-wait "$QUIET_WAIT" "${OWN[@]}" --count-cases "$DB_URL" \
    --out "$OUT/mixed-$N.json" 2>&1 | tee -a "$OUT/run.log"
fi
# The analyses the intake queued: how long until none is pending (the "thread" mode runs them
# when the workers are idle, i.e. after the load; "rq" in its worker meanwhile).
if [[ ( $ENDPOINTS == *create* || ${MIXED:-0} == 1 ) && ${RELQ_ANALYSIS_QUEUE:-thread} != off ]]; then
  t0=$(date +%s)
  for _ in $(seq 600); do
    left=$(pending_analyses)
    [[ $left == 0 ]] && break; sleep 1; done
  log "analyses pending after the load: caught up in $(( $(date +%s) - t0 )) s (left: $left)" | tee -a "$OUT/env.txt"
fi
bash "$HERE/serve.sh" stop
trap - EXIT

python3 - "$OUT/relq-issue-$N.json" "$QUEUE_MODE" "$DB_KIND" "$OUT/mixed-$N.json" <<'PY' | tee "$OUT/issue.md"
import json, os, sys
d = json.load(open(sys.argv[1]))
db = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[sys.argv[3]]
print(f"analysis queue: {sys.argv[2]}")
targets = {"list_shell": ("case list, first page, default filters (GET /cases/)", 50),
           "detail": ("case detail (GET /cases/{id})", 30),
           "create": ("intake POST (POST /cases/new -> 302)", 60)}
print(f"relq, {db}, N={d['id_range'][1]}, {d['concurrency']} connections, "
      f"{d['reps']} x {d['duration_s']} s after {d['warmup_s']} s warm-up ({d['started']})\n")
print("| endpoint | req/s | p50 ms | p95 ms | target p95 | met | server CPU ms/req "
      "| noisy runs | foreign CPU max |")
print("|---|---:|---:|---:|---:|---|---:|---:|---:|")
for name, (label, limit) in targets.items():
    if name not in d["endpoints"]:
        continue
    e = d["endpoints"][name]; m, s = e["median"], e["spread"]
    ok = "yes" if m["p95_ms"] < limit else "**no**"
    print(f"| {label} | {m['rps']:.1f} | {m['p50_ms']:.1f} | {m['p95_ms']:.1f} | < {limit} | {ok} "
          f"| {m.get('server_cpu_ms_per_req', float('nan')):.1f} | {s['noisy_runs']} "
          f"| {s['foreign_cpu_max']} |")
if os.path.exists(sys.argv[4]):
    x = json.load(open(sys.argv[4]))
    (name, e), = x["endpoints"].items()
    m, s = e["median"], e["spread"]
    ok = "yes" if m["p95_ms"] < 50 else "**no**"
    print(f"| case list while {x['writers']} connections post cases ({m['writes_per_s']:.1f} cases/s) "
          f"| {m['rps']:.1f} | {m['p50_ms']:.1f} | {m['p95_ms']:.1f} | < 50 | {ok} "
          f"| {m['server_cpu_ms_per_req']:.1f} (either kind) | {s['noisy_runs']} | {s['foreign_cpu_max']} |")
PY
log "done: $OUT"
