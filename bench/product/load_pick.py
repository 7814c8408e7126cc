#!/usr/bin/env python3
"""The shared load.py with drawn URL parts: endpoints whose path holds {pick_NAME} get, on
every request, one of the alternatives the target file lists under "pick": {"NAME": [...]}
(drawn at random per request, by wrk/pick.lua; load.py itself knows only {id} and {seq}).
Everything else is load.py's (same flags, same JSON): the path in the JSON shows the template.

    python3 bench/product/load_pick.py --target bench/product/product-varied.json \
        --endpoints list_varied --id-max 100000 ... (load.py's flags)

Why: the list page is kept per query (relq/cache.py), so a run that repeats one URL measures
the kept page; with the filters and search words drawn from tens of thousands of combinations
nearly every request computes its page.  The alternatives are whole query-string fragments
("&severity=2" or ""), so that "no filter" leaves the parameter out (an empty status would be
a filter the form refuses, and the page falls back to the default list).
"""

from __future__ import annotations

import json
import os
import random
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.environ.get("BENCH_SHARED") or os.path.join(HERE, "..", "..", "..", "shared", "bench")
sys.path.insert(0, os.path.abspath(SHARED))

import load  # noqa: E402  (../shared/bench/load.py)


def main() -> None:
    argv = sys.argv[1:]
    target = argv[argv.index("--target") + 1]
    with open(target) as fh:
        picks = json.load(fh).get("pick", {})
    for name, alts in picks.items():
        if not re.fullmatch(r"\w+", name) or any("|" in a for a in alts):
            sys.exit(f"pick {name!r}: names are words, alternatives hold no '|'")
        os.environ[f"BENCH_PICK_{name}"] = "|".join(alts)
    os.environ["BENCH_PICK_NAMES"] = ",".join(picks)
    os.environ["BENCH_BASE_LUA"] = load.LUA
    load.LUA = os.path.join(HERE, "wrk", "pick.lua")

    fill_once = load.fill_once

    def fill_picks(t, seq, id_min, id_max):  # the pre-flight request (Python side)
        t = fill_once(t, seq, id_min, id_max)
        if t is None:
            return None
        return re.sub(r"\{pick_(\w+)\}", lambda m: random.choice(picks[m.group(1)]), t)

    load.fill_once = fill_picks
    load.main()


if __name__ == "__main__":
    main()
