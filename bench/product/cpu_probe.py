#!/usr/bin/env python3
"""CPU per request of relq's busy pages, in one process, without gunicorn or wrk.

A quick measure while changing the code on a shared machine: wall-clock numbers move with
the other jobs, the process's own CPU time (`time.process_time`) much less.  It builds the
app exactly as serve.sh does (RELQ_CONFIG=production, the bench's database), logs in with
the Flask test client as the benchmark's operator, warms up, then times each endpoint.

    RELQ_CONFIG=production SECRET_KEY="$(cat /tmp/product/secret_key)" \
      DATABASE_URL=sqlite:////tmp/product/data/relq100k.db \
      RELQ_INSTANCE_PATH=/tmp/product/instance \
      /tmp/product/venv/bin/python bench/product/cpu_probe.py --n 300 --id-max 100000 list detail

--uncached: never reuse what is kept under the "cases" cache topic (the list page and its
count, the menu's badges): what a page costs right after any case changed (relq/cache.py).
Endpoints: list (GET /cases/), list_data (?sort=received_at), detail (GET /cases/{id}),
search (?q=warranty&scope=all), create (POST /cases/new: writes! use a copy of the
database).  --profile NAME writes a cProfile of that endpoint to /tmp/product/<NAME>.prof.
The test client skips the HTTP parsing and gunicorn's own work (~0.3 ms a request).
"""

from __future__ import annotations

import os
import sys

# This folder holds profile.py (py-spy), which would shadow the standard library's `profile`.
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(__file__)]

import argparse  # noqa: E402
import cProfile  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("endpoints", nargs="*", default=["list", "detail"])
    ap.add_argument("--n", type=int, default=300, help="timed requests per endpoint")
    ap.add_argument("--warm", type=int, default=30)
    ap.add_argument("--id-max", type=int, default=100000)
    ap.add_argument("--rounds", type=int, default=3, help="report the best of these rounds")
    ap.add_argument("--profile", default="")
    ap.add_argument(
        "--uncached",
        action="store_true",
        help="compute what is kept under the 'cases' topic every time: the cost of a page "
        "right after a case changed (the benchmark's list runs have no writes, so they hit it)",
    )
    args = ap.parse_args()

    from relq import create_app

    if args.uncached:
        import relq.cache
        import relq.cases.listing

        kept = relq.cache.kept

        def cases_uncached(topics, key, compute):
            return compute() if "cases" in topics else kept(topics, key, compute)

        relq.cache.kept = relq.cases.listing.kept = cases_uncached

    app = create_app({"SESSION_COOKIE_SECURE": False})
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = CSRF.search(page).group(1)
    r = client.post(
        "/login",
        data={"email": "bench@example.com", "password": "bench-pass-123", "csrf_token": token},
    )
    assert r.status_code == 302, r.status_code
    token = CSRF.search(client.get("/cases/").get_data(as_text=True)).group(1)
    rng = random.Random(1)
    seq = [0]

    def body():
        seq[0] += 1
        s = seq[0]
        return {
            "csrf_token": token,
            "intake_token": f"probe-{os.getpid()}-{time.time_ns()}-{s}",
            "kind": "complaint",
            "channel": "phone",
            "received_at": "2026-11-20T10:30",
            "severity": "3",
            "product": "parcel",
            "subject": f"Load test case {s}",
            "customer_words": f"My parcel did not arrive, order {s}. Please check.",
            "remedy_requested": "Send it again",
            "responsible_department_id": "3",
            "customer_name": "Load Test",
            "customer_email": f"loadtest{s}@example.com",
            "customer_phone": f"03-5555-{s}",
            "observation": "Customer called twice about this order.",
        }

    calls = {
        "list": lambda: client.get("/cases/"),
        "list_data": lambda: client.get("/cases/?sort=received_at"),
        "detail": lambda: client.get(f"/cases/{rng.randint(1, args.id_max)}"),
        "search": lambda: client.get("/cases/?q=warranty&scope=all"),
        "create": lambda: client.post("/cases/new", data=body()),
    }
    expect = {"create": 302}
    for name in args.endpoints:
        call = calls[name]
        for _ in range(args.warm):
            r = call()
            assert r.status_code == expect.get(name, 200), (name, r.status_code)
        size = len(r.get_data())
        results = []
        for _ in range(args.rounds):
            cpu0, wall0 = time.process_time(), time.perf_counter()
            for _ in range(args.n):
                call()
            results.append(
                (
                    (time.process_time() - cpu0) * 1000 / args.n,
                    (time.perf_counter() - wall0) * 1000 / args.n,
                )
            )
        cpu = min(c for c, _ in results)
        wall = min(w for _, w in results)
        med = statistics.median(c for c, _ in results)
        print(
            f"{name:10s} cpu {cpu:6.2f} ms/req (median of rounds {med:6.2f})  "
            f"wall {wall:6.2f} ms/req  html {size:,} bytes",
            flush=True,
        )
        if args.profile == name:
            prof = cProfile.Profile()
            prof.enable()
            for _ in range(args.n):
                call()
            prof.disable()
            out = f"/tmp/product/{name}.prof"  # noqa: S108  (the bench's folder)
            prof.dump_stats(out)
            print(f"  profile: {out}")


if __name__ == "__main__":
    main()
