#!/usr/bin/env python3
"""Where relq's gunicorn workers spend their CPU on one endpoint, under the benchmark's load.

Logs in as the benchmark does (product.json), drives the endpoint with wrk (load.py's
engine) while py-spy samples every worker of the running server (serve.sh start ...),
then prints the hottest functions: inclusive share (on the stack) for relq's own code and
templates, and self time (the leaf) for everything.

    /tmp/product/prof/bin/pip install py-spy        # once; a venv apart from the app's
    bash bench/product/serve.sh start 100000 2
    python3 bench/product/profile.py list_shell --seconds 10 --id-max 100000
    python3 bench/product/profile.py detail --out /tmp/product/profiles   # keeps raw stacks

py-spy needs ptrace on the workers (root here).  Loopback only (load.py refuses others).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.environ.get("BENCH_SHARED", os.path.join(HERE, "..", "..", "..", "shared", "bench"))
sys.path.insert(0, SHARED)
import load  # noqa: E402  (shared/bench/load.py)

PRODUCT_ROOT = "/tmp/product"  # noqa: S108  (the benchmark's working folder, as serve.sh)
FRAME = re.compile(r"^(?P<fn>.*) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def parse(raw_path):
    """py-spy raw (collapsed) output -> list of (frames root..leaf, samples)."""
    stacks = []
    with open(raw_path) as fh:
        for line in fh:
            line = line.rstrip("\n")
            if not line:
                continue
            stack, _, count = line.rpartition(" ")
            frames = stack.split(";")
            # py-spy prefixes "process ... (pid)" / "thread" frames with --subprocesses
            frames = [f for f in frames if not f.startswith(("process ", "thread "))]
            stacks.append((frames, int(count)))
    return stacks


def short(frame):
    m = FRAME.match(frame)
    if not m:
        return frame
    f = m.group("file")
    for marker in ("site-packages/", "/work/main/", "lib/python3.11/"):
        if marker in f:
            f = f.split(marker, 1)[1]
            break
    return f"{m.group('fn')} ({f})"


def func_key(frame):
    """Function identity without the line number (py-spy gives the executing line)."""
    m = FRAME.match(frame)
    return short(f"{m.group('fn')} ({m.group('file')})") if m else frame


def report(stacks, top=25):
    total = sum(c for _, c in stacks) or 1
    incl, self_ = Counter(), Counter()
    for frames, c in stacks:
        seen = set()
        for fr in frames:
            k = func_key(fr)
            if k not in seen:
                incl[k] += c
                seen.add(k)
        if frames:
            self_[func_key(frames[-1])] += c
    out = [f"samples: {total}"]
    out.append("\ninclusive, relq code and templates (% of worker CPU samples):")
    for k, c in incl.most_common():
        if "relq/" in k or "templates/" in k or k.endswith(".html)") or "bench_wsgi" in k:
            out.append(f"  {100 * c / total:5.1f}%  {k}")
            if len(out) > top + 3:
                break
    out.append("\ninclusive, libraries (top):")
    n = 0
    for k, c in incl.most_common():
        if "relq/" in k or "templates/" in k:
            continue
        out.append(f"  {100 * c / total:5.1f}%  {k}")
        n += 1
        if n >= top:
            break
    out.append("\nself time (leaf functions):")
    for k, c in self_.most_common(top):
        out.append(f"  {100 * c / total:5.1f}%  {k}")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("endpoint")
    ap.add_argument("--target", default=os.path.join(HERE, "product.json"))
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--id-max", type=int, default=10000)
    ap.add_argument("--rate", type=int, default=250, help="py-spy samples/s")
    ap.add_argument("--pidfile", default=f"{PRODUCT_ROOT}/gunicorn.pid")
    ap.add_argument("--py-spy", default=f"{PRODUCT_ROOT}/prof/bin/py-spy")
    ap.add_argument("--out", default=None, help="folder for the raw stacks and the report")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument(
        "--idle",
        action="store_true",
        help="also sample waiting threads (lock waits, SQLite busy handler)",
    )
    args = ap.parse_args()

    with open(args.target) as fh:
        target = json.load(fh)
    load.assert_loopback(target["base"])
    sess = load.Session(target["base"])
    vars_ = load.login(sess, target["login"])
    ep = dict(target["endpoints"][args.endpoint])
    ep["path"] = load.render(ep["path"], vars_)
    ep["body"] = load.render(ep.get("body"), vars_)
    headers = {k: load.render(v, vars_) for k, v in ep.get("headers", {}).items()}
    headers["Cookie"] = sess.cookie_header()
    with open(args.pidfile) as fh:
        master = fh.read().strip()

    outdir = args.out or tempfile.mkdtemp(prefix="relq-profile-")
    os.makedirs(outdir, exist_ok=True)
    raw = os.path.join(outdir, f"{args.endpoint}.pyspy.txt")
    spy = subprocess.Popen(  # noqa: S603  (our own py-spy, our own server)
        [
            args.py_spy,
            "record",
            "--pid",
            master,
            "--subprocesses",
            "--rate",
            str(args.rate),
            "--duration",
            str(args.seconds),
            "--format",
            "raw",
            "--output",
            raw,
            "--nonblocking",
            *(["--idle"] if args.idle else []),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    result = {}

    def drive():
        result["wrk"] = load.run_wrk(
            target["base"], ep, headers, args.concurrency, args.seconds, 1, args.id_max, 60
        )

    t = threading.Thread(target=drive)
    t.start()
    t.join()
    _, err = spy.communicate(timeout=args.seconds + 60)
    if spy.returncode != 0 or not os.path.exists(raw):
        sys.exit(f"py-spy failed ({spy.returncode}): {err}")
    w = result["wrk"]
    text = (
        f"endpoint {args.endpoint} {ep.get('method', 'GET')} {ep['path']}: "
        f"{w['rps']} req/s, p50 {w['p50_ms']} ms, p95 {w['p95_ms']} ms, status {w['status']} "
        f"(under py-spy, {args.rate} samples/s: a little slower than unprofiled)\n"
    )
    text += report(parse(raw), args.top)
    with open(os.path.join(outdir, f"{args.endpoint}.report.txt"), "w") as fh:
        fh.write(text + "\n")
    print(text)
    print(f"\nraw stacks: {raw}")


if __name__ == "__main__":
    main()
