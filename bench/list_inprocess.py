"""The case list's cost in one process, without HTTP or gunicorn: what a request to `/cases/`
costs relq itself, kept (the same URL again) and not kept (a new page each time, so the page's
query runs: relq.cache forgotten before each request, as after a commit), and not kept with
its rows drawn anew, with the framework speed-ups on or off. Medians of --requests requests after a
warm-up, through Flask's test client, logged in as the benchmark's operator.

    DATABASE_URL=sqlite:////tmp/product/data/relq20k.db .venv/bin/python bench/list_inprocess.py
    DATABASE_URL=... .venv/bin/python bench/list_inprocess.py --profile   # + cProfile, top 30

The database is one of bench/product/seed.sh's (its operator bench@example.com). Wall-clock
medians: on a shared box, read them beside its load, which is printed.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("RELQ_CONFIG", "production")
os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 40)
os.environ.setdefault("RELQ_ANALYSIS_QUEUE", "off")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        sys.exit("DATABASE_URL: a database seeded by bench/product/seed.sh")
    import config as settings
    from relq import cache, create_app
    from relq import speedups as speedups_module

    for speedups in (True, False):

        class Config(settings.ProductionConfig):
            FRAMEWORK_SPEEDUPS = speedups

        app = create_app(Config)
        client = app.test_client()
        form = client.get("/login").text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
        client.post(
            "/login",
            data={"email": "bench@example.com", "password": "bench-pass-123", "csrf_token": token},
        )

        def run(urls: list[str], forget: bool = False, draw: bool = False, client=client) -> float:
            times = []
            for url in urls:
                if forget:  # as after a commit: the page is computed again
                    cache.forget_all()
                if draw:  # and its rows drawn again
                    speedups_module._fragments.clear()
                start = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, (url, response.status_code)
            return statistics.median(times)

        kept = ["/cases/"] * args.requests
        run(kept[:20])
        label = "speed-ups on " if speedups else "speed-ups off"
        print(
            f"{label}: kept page {run(kept):.2f} ms, page not kept {run(kept, forget=True):.2f}"
            f" ms, not kept and rows drawn anew {run(kept, forget=True, draw=True):.2f} ms "
            f"(medians of {args.requests}; load {os.getloadavg()[0]:.1f})"
        )
        if args.profile and speedups:
            profile = cProfile.Profile()
            profile.enable()
            run(kept, forget=True)
            profile.disable()
            pstats.Stats(profile).sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
