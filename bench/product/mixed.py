#!/usr/bin/env python3
"""Mixed load: a read endpoint measured while other connections post new cases the whole time.

    python3 bench/product/mixed.py --target bench/product/product.json --id-max 100000 \
        --read list_shell --write create --writers 2 --concurrency 8 --duration 15 \
        --warmup 3 --reps 3 --own-pidfile /tmp/product/gunicorn.pid \
        --count-cases sqlite:////tmp/product/data/relq100k.db --out mixed-100000.json

The writers are one wrk process (--writers connections, logged in on their own session, the
shared wrk/request.lua with the target's `create`), started before the warm-up of the reads and
stopped (SIGINT: wrk then reports) after their last run; the reads are the shared load.py's
wrk runs, one per repetition, with the same connections, duration and percentiles as every
other endpoint. Writes per second are counted per repetition in the database (max case id before
and after: every intake adds one case); the writers' own latency and status codes come from wrk.

Noise as load.py reckons it (foreign CPU = the box's busy time minus ours), with two changes:
the writers' wrk counts as ours, and there is no wait for the server to go idle between
repetitions (the writers keep it busy by design); before the writers start it waits for quiet
once. Server CPU (the --own-pidfile trees: gunicorn, and a private PostgreSQL) is reported in
cores and per request of either kind. Output: load.py's JSON shape (endpoint "<read>+<writers>w")
plus "writer" and per-run "writes_per_s". Standard library only, like load.py.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.environ.get("BENCH_SHARED") or os.path.join(HERE, "..", "..", "..", "shared", "bench")
sys.path.insert(0, os.path.abspath(SHARED))

import load  # noqa: E402  (../shared/bench/load.py)


def max_case_id(url: str) -> int:
    """The newest case's id (ids only grow, each intake adds one)."""
    if url.startswith("sqlite:///"):
        import sqlite3

        conn = sqlite3.connect(f"file:{url[len('sqlite:///') :]}?mode=ro", uri=True, timeout=30)
        try:
            return conn.execute("SELECT coalesce(max(id), 0) FROM cases").fetchone()[0]
        finally:
            conn.close()
    libpq = re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql://", url)
    query = "SELECT coalesce(max(id), 0) FROM cases"
    out = subprocess.run(  # noqa: S603  (our own database URL, loopback)
        ["psql", "-X", "-tA", libpq, "-c", query],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return int(out.stdout.strip())


def proc_jiffies(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            st = fh.read().rsplit(")", 1)[1].split()
        return int(st[11]) + int(st[12])
    except (OSError, IndexError, ValueError):
        return 0


def prepare(sess, target, name, id_max):
    """Log in on `sess`, pre-flight `name`; returns (endpoint with path/body rendered, headers)."""
    vars_ = load.login(sess, target.get("login", {"type": "none"}))
    ep = dict(target["endpoints"][name])
    ep["path"] = load.render(ep["path"], vars_)
    ep["body"] = load.render(ep.get("body"), vars_)
    headers = {k: load.render(v, vars_) for k, v in ep.get("headers", {}).items()}
    st, hdrs, text = sess.request(
        ep.get("method", "GET"),
        load.fill_once(ep["path"], 0, 1, id_max),
        data=load.fill_once(ep.get("body"), 0, 1, id_max),
        headers=headers,
    )
    want = ep.get("expect", 200)
    if st != want or (ep.get("contains") and ep["contains"] not in text):
        sys.exit(f"pre-flight {name}: HTTP {st} (want {want}); location={hdrs.get('Location')}")
    cookie = sess.cookie_header()
    if cookie:
        headers["Cookie"] = cookie
    return ep, headers


def start_writers(base, ep, headers, conc, seconds, id_max):
    env = dict(os.environ)
    env.update(
        BENCH_METHOD=ep.get("method", "GET"),
        BENCH_PATH=ep["path"],
        BENCH_HEADERS="\n".join(f"{k}: {v}" for k, v in headers.items()),
        BENCH_ID_MIN="1",
        BENCH_ID_MAX=str(id_max),
        BENCH_COUNT_STATUS="1",
    )
    if ep.get("body") is not None:
        env["BENCH_BODY"] = ep["body"]
    cmd = [
        "wrk",
        "-t1",
        f"-c{conc}",
        f"-d{seconds}s",
        "--timeout=60s",
        "-s",
        load.LUA,
        base.rstrip("/") + "/",
    ]
    return subprocess.Popen(  # noqa: S603  (wrk, as load.py runs it)
        cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def stop_writers(proc) -> dict:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)  # wrk stops, then prints its summary and done()
    out, err = proc.communicate(timeout=120)
    m = re.search(r"^BENCHJSON (.*)$", out, re.M)
    if not m:
        return {"error": f"wrk ({proc.returncode}): {out[-500:]} {err[-500:]}"}
    r = json.loads(m.group(1))
    secs = r["duration_us"] / 1e6
    return {
        "requests": r["requests"],
        "seconds": round(secs, 2),
        "rps": round(r["requests"] / secs, 1) if secs else None,
        "p50_ms": r["p50_us"] / 1000,
        "p95_ms": r["p95_us"] / 1000,
        "p99_ms": r["p99_us"] / 1000,
        "max_ms": r["lat_max_us"] / 1000,
        "status": r["status"],
        "errors": {
            k: r[k]
            for k in ("err_connect", "err_read", "err_write", "err_status", "err_timeout")
            if r[k]
        },
    }


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--target", required=True)
    ap.add_argument("--label", default=None)
    ap.add_argument("--read", default="list_shell", help="the endpoint measured")
    ap.add_argument("--write", default="create", help="the endpoint the writers post")
    ap.add_argument("--writers", type=int, default=2, help="writer connections")
    ap.add_argument("--concurrency", type=int, default=8, help="reader connections")
    ap.add_argument("--duration", type=int, default=15)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--id-max", type=int, default=1)
    ap.add_argument("--timeout", type=int, default=60)
    ap.add_argument("--own-pidfile", action="append", default=[])
    ap.add_argument("--noise-threshold", type=float, default=0.15)
    ap.add_argument("--quiet-wait", type=int, default=30)
    ap.add_argument(
        "--count-cases",
        required=True,
        help="the served database's URL (sqlite:///... or postgresql://...), "
        "to count the cases written",
    )
    ap.add_argument("--out", default=None)
    args = ap.parse_args()

    if not shutil.which("wrk"):
        sys.exit("mixed.py needs wrk")
    with open(args.target) as fh:
        target = json.load(fh)
    base = target["base"]
    load.assert_loopback(base)
    read_ep, read_headers = prepare(load.Session(base), target, args.read, args.id_max)
    write_ep, write_headers = prepare(load.Session(base), target, args.write, args.id_max)

    label = args.label or target.get("name")
    name = f"{args.read}+{args.writers}w"
    drain = load.wait_server_idle(args.own_pidfile, 120)
    pre = load.wait_quiet(None, args.own_pidfile, args.noise_threshold, args.quiet_wait)
    total = args.warmup + args.reps * (args.duration + 30) + 60  # stopped early (SIGINT)
    id_start = max_case_id(args.count_cases)
    t_start = time.time()
    writers = start_writers(base, write_ep, write_headers, args.writers, total, args.id_max)
    runs = []
    try:
        time.sleep(1.0)
        if writers.poll() is not None:
            sys.exit(f"the writers stopped at once: {stop_writers(writers)}")
        if args.warmup > 0:
            load.run_wrk(
                base,
                read_ep,
                read_headers,
                args.concurrency,
                args.warmup,
                1,
                args.id_max,
                args.timeout,
            )
        for _ in range(args.reps):
            n0, w0 = max_case_id(args.count_cases), proc_jiffies(writers.pid)
            a, t0 = load.cpu_snapshot(None, args.own_pidfile), time.time()
            r = load.run_wrk(
                base,
                read_ep,
                read_headers,
                args.concurrency,
                args.duration,
                1,
                args.id_max,
                args.timeout,
            )
            b, secs = load.cpu_snapshot(None, args.own_pidfile), time.time() - t0
            n1, w1 = max_case_id(args.count_cases), proc_jiffies(writers.pid)
            writer_cores = (w1 - w0) / load.CLK / secs
            r["foreign_cpu_cores"] = round(
                max(0.0, load.foreign_cores(a, b, secs) - writer_cores), 3
            )
            r["noisy"] = r["foreign_cpu_cores"] >= args.noise_threshold
            r["writes"] = n1 - n0
            r["writes_per_s"] = round((n1 - n0) / secs, 1)
            srv = (b[2] - a[2]) / load.CLK
            r["server_cpu_cores"] = round(srv / secs, 3)
            r["server_cpu_ms_per_req"] = round(srv * 1000 / max(1, r["requests"] + n1 - n0), 2)
            r["writer_wrk_cpu_cores"] = round(writer_cores, 3)
            ok = r["status"].get(str(read_ep.get("expect", 200)), 0)
            r["ok_ratio"] = round(ok / r["requests"], 4) if r["requests"] else None
            runs.append(r)
            print(
                f"[{label}] {name:16s} c={args.concurrency}+{args.writers} rps={r['rps']:8.1f} "
                f"p50={r['p50_ms']:7.1f}ms p95={r['p95_ms']:7.1f}ms "
                f"writes/s={r['writes_per_s']:6.1f} "
                f"status={r['status']} err={r['errors']} foreign={r['foreign_cpu_cores']} "
                f"srv_cores={r['server_cpu_cores']}",
                flush=True,
            )
    finally:
        writer = stop_writers(writers)
    id_end = max_case_id(args.count_cases)
    writer["cases_written"] = id_end - id_start
    writer["cases_per_s"] = round((id_end - id_start) / (time.time() - t_start), 1)
    print(f"[{label}] writers ({args.writers} connections, {args.write}): {writer}", flush=True)
    med = {
        k: statistics.median([r[k] for r in runs]) for k in ("rps", "p50_ms", "p95_ms", "p99_ms")
    }
    med["writes_per_s"] = statistics.median([r["writes_per_s"] for r in runs])
    med["server_cpu_ms_per_req"] = statistics.median([r["server_cpu_ms_per_req"] for r in runs])
    med["server_cpu_cores"] = statistics.median([r["server_cpu_cores"] for r in runs])
    results = {
        "label": label,
        "target": target.get("name"),
        "base": base,
        "engine": "wrk",
        "concurrency": args.concurrency,
        "writers": args.writers,
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "reps": args.reps,
        "id_range": [1, args.id_max],
        "noise_threshold": args.noise_threshold,
        "started": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(t_start)),
        "pre": {"drain_wait_s": drain, "foreign_cpu_pre": round(pre, 3)},
        "endpoints": {
            name: {
                "method": read_ep.get("method", "GET"),
                "path": read_ep["path"],
                "expect": read_ep.get("expect", 200),
                "median": med,
                "spread": {
                    "rps_min": min(r["rps"] for r in runs),
                    "rps_max": max(r["rps"] for r in runs),
                    "noisy_runs": sum(r["noisy"] for r in runs),
                    "foreign_cpu_max": max(r["foreign_cpu_cores"] for r in runs),
                },
                "runs": runs,
            }
        },
        "writer": {"endpoint": args.write, "path": write_ep["path"], **writer},
    }
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as fh:
            json.dump(results, fh, indent=1)
    print(
        json.dumps(
            {
                name: med,
                "writer": {k: writer.get(k) for k in ("cases_per_s", "p50_ms", "p95_ms", "status")},
            }
        )
    )


if __name__ == "__main__":
    main()
