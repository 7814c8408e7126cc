"""What routing costs at intake (the routing issue's target: routing adds < 5 ms to intake).

Logs the same demo-corpus cases through relq's own `create_case` service, each in its own
committed transaction, on a fresh SQLite database (WAL, as served), in three set-ups, so that
the differences are routing's and not the machine's: interleaved by round, medians per case:

- `no rules`: no routing rule: the case waits in "received" (what intake costs without
  routing);
- `rules`: the demo's rules plus `--extra` more that never match (each case is tried against
  all of them, as a case no rule routes would be);
- `rules, routed`: the same rules, with texts that the last rule routes: routing and what
  it sets off (the acknowledgement clock, the department leads' notifications).

Every event receiver of the app runs in all three (deadlines, escalations, notifications):
the difference between the columns is routing alone. The NLP analysis is off (it runs after
commit, elsewhere: see bench/README.md).

    .venv/bin/python bench/routing_bench.py [--cases 300] [--extra 20] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SETUPS = ("no rules", "rules", "rules, routed")


def progress(done: int, total: int) -> None:
    width = 30
    filled = int(width * done / total)
    sys.stderr.write(f"\rlogging cases [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    if done == total:
        sys.stderr.write("\n")


def run(cases: int, extra: int) -> dict:
    from flask_migrate import upgrade

    from relq import create_app
    from relq.cases.services import CaseInput, create_case
    from relq.db import db, transaction, utcnow
    from relq.demo.corpus import generate_cases
    from relq.demo.loader import DEMO_RULES, load_demo_organisation
    from relq.org.models import User
    from relq.routing.models import RoutingRule
    from relq.routing.services import RuleInput, save_rule
    from relq.tags.services import seed_default_tags

    folder = Path(tempfile.mkdtemp(prefix="relq-routing-bench-"))
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'relq.db'}",
            "ANALYSIS_QUEUE": "off",
        }
    )
    timings: dict[str, list[float]] = {name: [] for name in SETUPS}
    with app.app_context():
        upgrade()
        with transaction():
            departments, _users = load_demo_organisation("bench-password")
            codes = {code: d.id for code, d in departments.items()}
            seed_default_tags()
        operator = db.session.scalar(db.select(User).where(User.role == "operator"))
        admin = db.session.scalar(db.select(User).where(User.role == "admin"))
        corpus = generate_cases(cases, now=utcnow(), seed=7)

        def set_rules(active: bool) -> None:
            with transaction():
                db.session.execute(db.delete(RoutingRule))
                if active:
                    # Routes the "routed" set-up's cases (a word no safety check knows, so
                    # that no escalation is mixed into routing's cost), tried last.
                    for name, code, conditions in DEMO_RULES:
                        save_rule(RuleInput(name, codes[code], conditions), actor=admin)
                    for i in range(extra):
                        save_rule(
                            RuleInput(
                                f"never {i}", codes["sales"], {"words": [f"存在しない語{i}"]}
                            ),
                            actor=admin,
                        )
                    save_rule(RuleInput("bench", codes["qa"], {"words": ["ベンチ用"]}), actor=admin)

        def log(item: dict, routed: bool) -> float:
            words = item["customer_words"]
            if routed:
                words = "ベンチ用の語。" + words
            data = CaseInput(
                intake_token=secrets.token_urlsafe(18),
                kind=item["kind"],
                channel=item["channel"],
                received_at=utcnow(),
                subject=item["subject"],
                customer_words=words,
                product=item.get("product") or "",
                severity=3,
            )
            started = time.perf_counter()
            with transaction():
                create_case(operator, data)
            elapsed = time.perf_counter() - started
            return elapsed

        for index, item in enumerate(corpus, start=1):
            # Interleaved: one case of each set-up per round, so drifts hit all three alike.
            set_rules(False)
            timings["no rules"].append(log(item, routed=False))
            set_rules(True)
            timings["rules"].append(log(item, routed=False))
            timings["rules, routed"].append(log(item, routed=True))
            progress(index, len(corpus))
    result = {
        name: {
            "median_ms": round(statistics.median(values) * 1000, 2),
            "p95_ms": round(sorted(values)[int(len(values) * 0.95) - 1] * 1000, 2),
        }
        for name, values in timings.items()
    }
    base = result["no rules"]["median_ms"]
    for name in SETUPS:
        result[name]["added_ms"] = round(result[name]["median_ms"] - base, 2)
    result["rules"]["count"] = len(DEMO_RULES) + extra + 1
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--extra", type=int, default=20)
    parser.add_argument("--json")
    args = parser.parse_args()
    result = run(args.cases, args.extra)
    print(f"{'set-up':<16} {'median ms':>10} {'p95 ms':>8} {'added ms':>9}")
    for name in SETUPS:
        r = result[name]
        print(f"{name:<16} {r['median_ms']:>10.2f} {r['p95_ms']:>8.2f} {r['added_ms']:>9.2f}")
    print("target: routing adds < 5 ms to intake")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
