"""Themes and surge detection over a large history (the tagging issue's target: themes over
100k cases in < 60 s).

Builds a SQLite database of N demo-corpus cases (12 weeks, Japanese first) whose analyses
are real: every text goes through relq.nlp.analyse (with a progress bar; this part is the
tagging throughput, reported too). Cases and analyses are bulk-inserted: this measures the
reading side, not intake. Then times, median of --reps runs:
- compute_themes over the last 4 weeks (with the 8 weeks before as trend), as an executive;
- compute_themes over the front-line observations;
- find_surges (this week against the 8 weeks before).

    .venv/bin/python bench/themes_bench.py --n 100000 [--db /tmp/relq-themes.db] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def progress(done: int, total: int, started: float, label: str) -> None:
    width = 30
    filled = int(width * done / total)
    rate = done / max(time.perf_counter() - started, 1e-9)
    sys.stderr.write(
        f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} {rate:,.0f}/s"
    )
    if done == total:
        sys.stderr.write("\n")


def build(n: int, path: Path) -> dict:
    from flask_migrate import upgrade
    from sqlalchemy import insert

    from relq import create_app, nlp
    from relq.analysis.models import CaseAnalysis
    from relq.cases.models import Case, Note
    from relq.db import db, transaction, utcnow
    from relq.demo.corpus import generate_cases
    from relq.demo.loader import load_demo_organisation
    from relq.org.models import User

    if path.exists():
        path.unlink()
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "ANALYSIS_QUEUE": "off"})
    stats: dict = {}
    with app.app_context():
        upgrade()
        with transaction():
            departments, _users = load_demo_organisation("bench-password-1")
            codes = {code: d.id for code, d in departments.items()}
        operator = db.session.scalar(db.select(User).where(User.role == "operator"))
        corpus = generate_cases(n, now=utcnow())
        nlp.warm_up()
        started = time.perf_counter()
        analyses, ja_docs, ja_seconds = [], 0, 0.0
        for i, item in enumerate(corpus, 1):
            t0 = time.perf_counter()
            voice = nlp.analyse("\n".join([item["subject"], item["customer_words"]]))
            observations = [
                nlp.analyse(note["body"]).keyphrases
                for note in item["notes"]
                if note["kind"] == "observation"
            ]
            if voice.language == "ja":
                ja_docs += 1
                ja_seconds += time.perf_counter() - t0
            analyses.append((voice, observations))
            if i % 500 == 0 or i == n:
                progress(i, n, started, "Analysing")
        stats["analyse_seconds"] = round(time.perf_counter() - started, 1)
        stats["ja_cases_per_s_one_core"] = round(ja_docs / ja_seconds, 1) if ja_seconds else None
        started = time.perf_counter()
        batch = 2000
        for lo in range(0, n, batch):
            with transaction():
                rows = corpus[lo : lo + batch]
                result = db.session.execute(
                    insert(Case).returning(Case.id),
                    [
                        {
                            "intake_token": f"bench-{lo + k}",
                            "kind": c["kind"],
                            "channel": c["channel"],
                            "received_at": c["received_at"],
                            "product": c["product"],
                            "subject": c["subject"][:200],
                            "customer_words": c["customer_words"],
                            "remedy_requested": c["remedy_requested"],
                            "severity": c["severity"],
                            "status": "closed" if c["department"] else "resolved",
                            "intake_department_id": codes["cs"],
                            "responsible_department_id": codes.get(c["department"] or ""),
                            "created_by_id": operator.id,
                            "created_at": c["received_at"],
                            "updated_at": c["received_at"],
                            "version": 1,
                        }
                        for k, c in enumerate(rows)
                    ],
                )
                ids = list(result.scalars())
                db.session.execute(
                    insert(CaseAnalysis),
                    [
                        {
                            "case_id": case_id,
                            "state": "done",
                            "language": voice.language,
                            "lemmas": " ".join(voice.lemmas),
                            "keyphrases": list(voice.keyphrases),
                            "observation_keyphrases": sorted({p for o in obs for p in o}),
                            "search_text": voice.search_text,
                            "attempts": 1,
                            "requested_at": c["received_at"],
                            "analysed_at": c["received_at"],
                        }
                        for case_id, c, (voice, obs) in zip(
                            ids, rows, analyses[lo : lo + batch], strict=True
                        )
                    ],
                )
                notes = [
                    {
                        "case_id": case_id,
                        "kind": note["kind"],
                        "body": note["body"],
                        "author_id": operator.id,
                        "created_at": c["received_at"] + timedelta(minutes=note["after_minutes"]),
                    }
                    for case_id, c in zip(ids, rows, strict=True)
                    for note in c["notes"]
                    if note["kind"] == "observation"
                ]
                if notes:
                    db.session.execute(insert(Note), notes)
            progress(min(lo + batch, n), n, started, "Inserting")
        db.engine.dispose()
    return stats


def measure(path: Path, reps: int) -> dict:
    from relq import create_app
    from relq.db import db, utcnow
    from relq.org.models import User
    from relq.themes.services import compute_themes, find_surges

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "ANALYSIS_QUEUE": "off"})
    results: dict = {}
    with app.app_context():
        executive = db.session.scalar(db.select(User).where(User.role == "executive"))
        now = utcnow()
        jobs = {
            "themes_4_weeks_voice": lambda: compute_themes(
                executive, start=now - timedelta(weeks=4), end=now
            ),
            "themes_4_weeks_observations": lambda: compute_themes(
                executive, start=now - timedelta(weeks=4), end=now, source="observation"
            ),
            "surges_this_week": lambda: find_surges(now),
        }
        for name, job in jobs.items():
            times, out = [], None
            for _ in range(reps):
                db.session.expire_all()
                t0 = time.perf_counter()
                out = job()
                times.append(time.perf_counter() - t0)
            results[name] = {
                "median_s": round(statistics.median(times), 2),
                "runs_s": [round(t, 2) for t in times],
                "found": [getattr(x, "label", None) for x in out][:8],
            }
            median, found = results[name]["median_s"], results[name]["found"][:5]
            print(f"{name:<30} median {median:>7.2f} s  {found}")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--n", type=int, default=100_000)
    scratch = Path(os.environ.get("TMPDIR", "/tmp"))  # noqa: S108  (a scratch database)
    parser.add_argument("--db", type=Path, default=scratch / "relq-themes.db")
    parser.add_argument("--reuse", action="store_true", help="measure an existing --db")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    os.environ.setdefault("RELQ_INSTANCE_PATH", str(args.db.parent / "relq-themes-instance"))
    built = {} if args.reuse else build(args.n, args.db)
    results = {"n": args.n, "build": built, "measure": measure(args.db, args.reps)}
    target = results["measure"]["themes_4_weeks_voice"]["median_s"]
    verdict = "met" if target < 60 else "NOT met"
    print(f"themes over {args.n:,} cases: {target} s (target < 60 s: {verdict})")
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
