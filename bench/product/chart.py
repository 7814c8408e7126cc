#!/usr/bin/env python3
"""Bar chart (SVG, no dependencies) of req/s, relq vs the Flask ceiling, from one run.sh folder.

    python3 bench/product/chart.py $TMPDIR/bench-results/run-XXXX --n 100000 \
        --out bench/product/relq-vs-ceiling.svg

Reads product-N.json and ceiling-N.json (load.py's output): one bar per endpoint, median
req/s; the ceiling's /table is the reference for relq's case list, so each relq bar is also
labelled with its share of /table, and a dashed line marks the 60 % bar.

A folder of sbs_db.sh also holds nocache-N.json, varied-N.json, mixed-N.json and, on
PostgreSQL, ceiling_pg-N.json: their bars are added (the list computed, with drawn filters,
under writes), and on PostgreSQL the reference is the ceiling's /table on PostgreSQL.
"""

from __future__ import annotations

import argparse
import json
import os
from html import escape

LABELS = {
    "list_shell": "relq case list /cases/ (newest first)",
    "list_data": "relq case list ?sort=received_at (oldest first)",
    "list_deep": "relq case list, a deep page",
    "detail": "relq case detail /cases/{id}",
    "search": "relq search ?q=warranty&scope=all",
    "create": "relq intake POST /cases/new",
    "table": "ceiling /table (25 open cases)",
    "hello": "ceiling /hello (framework floor)",
    "search_ja": "relq search ?q=返金 (no hit), kept",
    "nocache:list_shell": "relq case list, page not kept",
    "nocache:search": "relq search warranty, page not kept",
    "varied:list_varied": "relq list, drawn filters (computed)",
    "varied:search_varied": "relq search, drawn words (computed)",
    "mixed": "relq case list while 2 connections write",
    "table_sqlite": "ceiling /table, SQLite",
    "table_pg": "ceiling /table, PostgreSQL",
}


def bars_from(folder: str, n: int, with_hello: bool = False):
    def read(name):
        path = os.path.join(folder, f"{name}-{n}.json")
        with open(path) as fh:
            return json.load(fh)

    def maybe(name):
        return read(name) if os.path.exists(os.path.join(folder, f"{name}-{n}.json")) else None

    product, ceiling = read("product"), read("ceiling")
    table = ceiling["endpoints"]["table"]["median"]["rps"]
    extra = {k: maybe(k) for k in ("nocache", "varied", "mixed", "ceiling_pg")}
    if not any(extra.values()):  # a run.sh folder, as before
        bars = []
        for name in ("list_shell", "list_data", "detail", "search", "create"):
            if name in product["endpoints"]:
                m = product["endpoints"][name]["median"]
                bars.append(("relq", name, m["rps"], m.get("server_cpu_ms_per_req")))
        for name in ("table", "hello") if with_hello else ("table",):
            if name in ceiling["endpoints"]:
                m = ceiling["endpoints"][name]["median"]
                bars.append(("ceiling", name, m["rps"], m.get("server_cpu_ms_per_req")))
        return bars, table, product, ceiling

    def bar(system, label, d, name):
        if d is None or name not in d["endpoints"]:
            return
        m = d["endpoints"][name]["median"]
        bars.append((system, label, m["rps"], m.get("server_cpu_ms_per_req")))

    bars = []
    pg = extra["ceiling_pg"]
    if pg:
        bar("ceiling", "table_pg", pg, "table")
        table = pg["endpoints"]["table"]["median"]["rps"]
    bar("ceiling", "table_sqlite", ceiling, "table")
    bar("relq", "list_shell", product, "list_shell")
    bar("relq", "nocache:list_shell", extra["nocache"], "list_shell")
    bar("relq", "varied:list_varied", extra["varied"], "list_varied")
    if extra["mixed"]:
        bar("relq", "mixed", extra["mixed"], next(iter(extra["mixed"]["endpoints"])))
    bar("relq", "detail", product, "detail")
    bar("relq", "search", product, "search")
    bar("relq", "nocache:search", extra["nocache"], "search")
    bar("relq", "search_ja", product, "search_ja")
    bar("relq", "varied:search_varied", extra["varied"], "search_varied")
    bar("relq", "create", product, "create")
    return bars, table, product, ceiling


def svg(bars, table, title, subtitle):
    width, left, right, row, top = 980, 330, 150, 34, 78
    height = top + row * len(bars) + 60
    vmax = max(b[2] for b in bars) * 1.05
    plot = width - left - right

    def x(v):
        return left + plot * v / vmax

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="13">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="20" y="28" font-size="17" font-weight="bold">{escape(title)}</text>',
        f'<text x="20" y="50" fill="#555">{escape(subtitle)}</text>',
    ]
    # grid
    step = 10 ** (len(str(int(vmax))) - 1)
    if vmax / step < 4 and step >= 10:
        step //= 2
    v = 0
    while v <= vmax:
        out.append(
            f'<line x1="{x(v):.1f}" y1="{top - 8}" x2="{x(v):.1f}" y2="{top + row * len(bars)}" '
            f'stroke="#e3e3e3"/>'
        )
        out.append(
            f'<text x="{x(v):.1f}" y="{top + row * len(bars) + 18}" text-anchor="middle" '
            f'fill="#555">{v}</text>'
        )
        v += step
    out.append(
        f'<text x="{left + plot / 2:.0f}" y="{top + row * len(bars) + 40}" text-anchor="middle" '
        f'fill="#333">requests per second (median of the runs; higher is better)</text>'
    )
    # the 60 % line
    xl = x(0.6 * table)
    out.append(
        f'<line x1="{xl:.1f}" y1="{top - 12}" x2="{xl:.1f}" y2="{top + row * len(bars)}" '
        f'stroke="#c53030" stroke-dasharray="5,4"/>'
    )
    out.append(
        f'<text x="{xl + 4:.1f}" y="{top - 14}" fill="#c53030">60 % of /table (same database): '
        f"target for the case list</text>"
    )
    for i, (system, name, rps, cpu) in enumerate(bars):
        y = top + i * row
        color = "#2b6cb0" if system == "relq" else "#9aa5b1"
        out.append(
            f'<text x="{left - 10}" y="{y + 17}" text-anchor="end">{escape(LABELS[name])}</text>'
        )
        out.append(
            f'<rect x="{left}" y="{y + 4}" width="{max(1.0, x(rps) - left):.1f}" '
            f'height="{row - 10}" fill="{color}"/>'
        )
        note = f"{rps:,.0f}"
        if "list" in name or name == "mixed":
            note += f"  ({100 * rps / table:.0f} % of /table)"
        if cpu:
            note += f"  {cpu:.1f} ms CPU"
        out.append(
            f'<text x="{x(rps) + 6:.1f}" y="{y + 17}" paint-order="stroke" stroke="white" '
            f'stroke-width="4">{escape(note)}</text>'
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", help="a run.sh results folder (product-N.json, ceiling-N.json)")
    ap.add_argument("--n", type=int, default=100000)
    ap.add_argument("--with-hello", action="store_true", help="also the ceiling's /hello")
    ap.add_argument("--db", default="SQLite", help="the database named in the title")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "relq-vs-ceiling.svg"))
    args = ap.parse_args()
    bars, table, product, ceiling = bars_from(args.folder, args.n, args.with_hello)
    workers = "?"
    env = os.path.join(args.folder, "env.txt")
    if os.path.exists(env):
        with open(env) as fh:
            for line in fh:
                if "WORKERS=" in line:
                    workers = line.split("WORKERS=")[1].split()[0]
    title = f"relq vs the Flask ceiling, {args.db}, {args.n:,} cases"
    subtitle = (
        f"gunicorn sync, {workers} workers each; wrk {product['concurrency']} connections; "
        f"{product['reps']} x {product['duration_s']} s per endpoint; run of "
        f"{product['started'][:16].replace('T', ' ')}; label: req/s, share of /table, "
        f"server CPU per request"
    )
    with open(args.out, "w") as fh:
        fh.write(svg(bars, table, title, subtitle))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
