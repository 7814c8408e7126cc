#!/usr/bin/env python3
"""The markdown table of one sbs_db.sh folder: relq beside the ceiling on one database.

    python3 bench/product/tables.py RUN_DIR [--n 100000]

One row per measured endpoint: median req/s, p50, p95 (the spread of the runs' p95 in
brackets), server CPU per request, the share of the ceiling's /table req/s in the same folder
(on PostgreSQL both ceilings: /table from PostgreSQL, and the harness's /table from SQLite),
the issue's p95 target and whether the median p95 meets it, noisy runs and the largest
foreign-CPU reading, and any status other than the expected one (a 500 shows up there).
Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os

# (file stem, endpoint, label, p95 target ms or None, share of the ceiling's /table?)
ROWS = [
    ("ceiling", "hello", "ceiling `/hello` (framework floor)", None, False),
    ("ceiling", "table", "ceiling `/table`, SQLite (the harness's)", None, False),
    ("ceiling_pg", "hello", "ceiling `/hello` (2nd server, for /table on PostgreSQL)", None, False),
    ("ceiling_pg", "table", "ceiling `/table`, PostgreSQL", None, False),
    ("product", "list_shell", "list `/cases/`, kept page", 50, True),
    ("product", "list_data", "list `?sort=received_at`, kept page", 50, True),
    ("nocache", "list_shell", "list `/cases/`, page not kept (`BENCH_PAGE_CACHE=off`)", 50, True),
    ("varied", "list_varied", "list, filters drawn per request (computed)", 50, True),
    ("mixed", None, "list `/cases/` while 2 connections post cases", 50, True),
    ("product", "list_deep", "list `?page=400` (OFFSET 9,975, the deepest), kept page", 100, False),
    ("nocache", "list_deep", "list `?page=400`, page not kept", 100, False),
    ("product", "detail", "detail `/cases/{id}`", 30, False),
    ("product", "search", "search `warranty`, all statuses, kept page", 100, False),
    ("nocache", "search", "search `warranty`, page not kept", 100, False),
    (
        "product",
        "search_ja",
        "search `返金` (one Japanese word; no case has it), kept page",
        100,
        False,
    ),
    (
        "varied",
        "search_varied",
        "search, word (21 English, 8 Japanese) and filters drawn (computed)",
        100,
        False,
    ),
    ("product", "create", "intake `POST /cases/new` → 302", 60, False),
]


def read(folder, stem, n):
    path = os.path.join(folder, f"{stem}-{n}.json")
    if not os.path.exists(path):
        return None
    with open(path) as fh:
        return json.load(fh)


def other_statuses(e, want):
    bad = {}
    for r in e["runs"]:
        for code, k in (r.get("status") or {}).items():
            if code != str(want):
                bad[code] = bad.get(code, 0) + k
        for kind, k in (r.get("errors") or {}).items():
            if kind != "err_status":
                bad[kind] = bad.get(kind, 0) + k
    return ", ".join(f"{c}: {k}" for c, k in sorted(bad.items())) or "–"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder")
    ap.add_argument("--n", type=int, default=100000)
    args = ap.parse_args()
    data = {
        s: read(args.folder, s, args.n)
        for s in ("ceiling", "ceiling_pg", "product", "nocache", "varied", "mixed")
    }
    table_sqlite = data["ceiling"] and data["ceiling"]["endpoints"]["table"]["median"]["rps"]
    table_pg = data["ceiling_pg"] and data["ceiling_pg"]["endpoints"]["table"]["median"]["rps"]
    pg = table_pg is not None
    head = "| endpoint | req/s | p50 ms | p95 ms (runs) | server CPU ms/req |"
    head += " % of `/table` PG | % of `/table` SQLite |" if pg else " % of `/table` |"
    head += " p95 target | met | noisy runs (max foreign cores) | other statuses |"
    print(head)
    print("|---|" + "---:|" * (6 if pg else 5) + "---:|---|---|---|")
    for stem, name, label, target, share in ROWS:
        d = data[stem]
        if d is None:
            continue
        if name is None:  # mixed: its one endpoint
            name = next(iter(d["endpoints"]))
        if name not in d["endpoints"]:
            continue
        e = d["endpoints"][name]
        m, s = e["median"], e["spread"]
        p95s = "/".join(f"{r['p95_ms']:.0f}" for r in e["runs"])
        cells = [
            label,
            f"{m['rps']:,.1f}",
            f"{m['p50_ms']:.1f}",
            f"**{m['p95_ms']:.1f}** ({p95s})",
            f"{m['server_cpu_ms_per_req']:.2f}" if m.get("server_cpu_ms_per_req") else "–",
        ]
        refs = [table_pg, table_sqlite] if pg else [table_sqlite]
        for ref in refs:
            cells.append(f"{100 * m['rps'] / ref:.0f} %" if share and ref else "")
        cells.append(f"< {target}" if target else "")
        cells.append(("yes" if m["p95_ms"] < target else "**no**") if target else "")
        cells.append(f"{s['noisy_runs']}/{len(e['runs'])} ({s['foreign_cpu_max']:.2f})")
        cells.append(other_statuses(e, e.get("expect", 200)))
        print("| " + " | ".join(cells) + " |")
    mixed = data["mixed"]
    if mixed:
        w = mixed["writer"]
        e = next(iter(mixed["endpoints"].values()))
        per_run = "/".join(f"{r['writes_per_s']:.0f}" for r in e["runs"])
        print(
            f"\nMixed load: the writers ({mixed['writers']} connections, `create`) wrote "
            f"{w.get('cases_written')} cases, {w.get('cases_per_s')} cases/s over the whole "
            f"window ({per_run} during the measured runs); their own latency p50 "
            f"{w.get('p50_ms')} ms, p95 {w.get('p95_ms')} ms, statuses {w.get('status')}"
            f"{', errors ' + str(w['errors']) if w.get('errors') else ''}; server "
            f"{e['median'].get('server_cpu_cores')} cores busy (median)."
        )


if __name__ == "__main__":
    main()
