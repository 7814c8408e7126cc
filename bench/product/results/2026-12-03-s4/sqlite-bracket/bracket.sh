#!/usr/bin/env bash
# SQLite: the harness's ceiling and relq's kept list back to back (box speed drifted during the run)
set -euo pipefail
cd /work/main
export RELQ_TREE=/tmp/product/tree-505277a SEED_MODE=bulk
OUT=/tmp/s4/runs/sqlite-bracket; mkdir -p $OUT
wl() { while awk -v l="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN{exit !(l > 1.5)}'; do sleep 10; done; echo "$(date -u +%T) $1 $(cut -d' ' -f1-3 /proc/loadavg)" >> $OUT/load.txt; }
wl ceiling
OUT=$OUT SYSTEMS=ceiling NS=100000 CONC=8 DUR=15 WARM=3 REPS=3 WORKERS=4 bash ../shared/bench/run.sh 2>&1 | tail -n 3
bash bench/product/serve.sh stop
bash bench/product/seed.sh 100000 2>&1 | tail -1
bash bench/product/serve.sh start 100000 4
wl product
python3 ../shared/bench/load.py --concurrency 8 --duration 15 --warmup 3 --reps 3 --timeout 60 --quiet-wait 30 \
  --noisy-retries 1 --own-regex '' --id-max 100000 --own-pidfile /tmp/product/gunicorn.pid \
  --target bench/product/product.json --endpoints list_shell --label product-sqlite-100000 --out $OUT/product-100000.json
bash bench/product/serve.sh stop
echo "bracket done $(date -u)"
