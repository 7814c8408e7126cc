"""The REST API's case list against the HTML case list, in one process (Flask's test client,
no HTTP server): p50 and p95 of --requests requests each, after a warm-up.

    DATABASE_URL=sqlite:////tmp/apibench/relq100k.db .venv/bin/python bench/api_bench.py
    .venv/bin/python bench/api_bench.py --db postgresql+psycopg://postgres@127.0.0.1:5432/relq_bench100k
    ... --redis redis://127.0.0.1:6379/14     # the rate counter on Redis instead of the database

The database is one of bench/seed_cases.py's (its operator bench@example.com sees every case).
Scenarios: the first page as most people first see it (open cases, newest first), kept and not
kept (relq.cache forgotten before each request, as after a commit: the page's query runs);
a filtered page (complaints of severity 1-2); and a deep page: the HTML list's page 40 (OFFSET
975) against the API's 40th page reached by its cursor (keyset). The API pays for what the page
does not: the bearer token's lookup, the rate counter (a database upsert, or Redis) and pydantic
validation of the answer. Wall-clock times on a shared box: read them beside the load printed.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("RELQ_CONFIG", "production")
os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 40)
os.environ.setdefault("RELQ_ANALYSIS_QUEUE", "off")


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[18]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--redis", default=None, help="count API requests on this Redis")
    args = parser.parse_args()
    if not args.db:
        sys.exit("--db or DATABASE_URL: a database seeded by bench/seed_cases.py")
    os.environ["DATABASE_URL"] = args.db
    from tqdm import tqdm

    import config as settings
    from relq import cache, create_app
    from relq.api.tokens import create_token, revoke_token
    from relq.db import db, transaction
    from relq.org.models import User

    class Config(settings.ProductionConfig):
        SQLALCHEMY_DATABASE_URI = settings.normalise_database_url(args.db)
        API_RATE = "9999999/hour"  # counted as always, never refused
        REDIS_URL = args.redis

    app = create_app(Config)
    client = app.test_client()
    form = client.get("/login").text
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    client.post(
        "/login",
        data={"email": "bench@example.com", "password": "bench-pass-123", "csrf_token": csrf},
    )
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == "bench@example.com"))
        with transaction():
            made = create_token(user, name="api_bench", scope="read")
            secret, token_id, user_id = made.secret, made.token.id, user.id
    api = app.test_client()
    bearer = {"Authorization": f"Bearer {secret}"}

    def html(url: str):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)

    def api_get(url: str):
        response = api.get(url, headers=bearer)
        assert response.status_code == 200, (url, response.status_code, response.text[:200])
        return response.get_json()

    # The API's 40th page: the cursor after 39 pages of 25 (walked once, before timing).
    cursor = None
    for _ in range(39):
        cursor = api_get("/api/v1/cases?limit=25" + (f"&cursor={cursor}" if cursor else ""))[
            "next_cursor"
        ]
    filtered = "kind=complaint&severity=1&severity=2"
    scenarios = [
        ("first page, kept", "/cases/", "/api/v1/cases?limit=25", False),
        ("first page, not kept", "/cases/", "/api/v1/cases?limit=25", True),
        ("filtered, not kept", f"/cases/?{filtered}", f"/api/v1/cases?limit=25&{filtered}", True),
        ("page 40, not kept", "/cases/?page=40", f"/api/v1/cases?limit=25&cursor={cursor}", True),
    ]

    def timed(call, url: str, forget: bool) -> list[float]:
        for _ in range(10):
            call(url)
        times = []
        for _ in range(args.requests):
            if forget:
                cache.forget_all()
            start = time.perf_counter()
            call(url)
            times.append((time.perf_counter() - start) * 1000)
            progress.update()
        return times

    rows = []
    with tqdm(total=len(scenarios) * 2 * args.requests, desc="requests", unit="req") as progress:
        for name, page_url, api_url, forget in scenarios:
            page = timed(html, page_url, forget)
            answer = timed(api_get, api_url, forget)
            rows.append((name, page, answer))
    with app.app_context():
        with transaction():
            revoke_token(db.session.get(User, user_id), token_id)
        dialect = db.engine.dialect.name

    counter = "Redis" if args.redis else dialect
    print(
        f"\nAPI case list vs HTML case list: {dialect}, {args.requests} requests "
        f"each, rate counter on {counter}, load average {os.getloadavg()[0]:.1f} "
        f"({os.cpu_count()} CPUs)"
    )
    print(
        f"{'scenario':<24}{'HTML p50':>10}{'HTML p95':>10}{'API p50':>10}{'API p95':>10}"
        f"{'API/HTML p95':>14}"
    )
    for name, page, answer in rows:
        print(
            f"{name:<24}{statistics.median(page):>9.1f} {p95(page):>9.1f} "
            f"{statistics.median(answer):>9.1f} {p95(answer):>9.1f} "
            f"{p95(answer) / p95(page):>12.2f}x"
        )
    print("(milliseconds)")


if __name__ == "__main__":
    main()
