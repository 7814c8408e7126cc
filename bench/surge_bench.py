"""Surges replayed over a year: are planted product-level spikes named at product level, and
how many weeks raise a false alarm?

A labelled data set of this script's own making (not evaluation data from outside): a maker
of household appliances with an online store, 60 weeks of Japanese complaints about 11 models
in 6 families and 3 services, each (product, problem) at its own weekly rate, with realistic
phrasing (frames such as 「先月購入したのですが」, the model number in the text or only in
the product field, a product field left empty on some cases), weekly volume that varies
(gamma noise, December up, the New Year and Golden Week down) and phrases heard every week
(販売店, 保証書 ...). Planted spikes: SPIKES (model, problem) pairs get 8–14 extra cases a
week plus twice the pair's usual weekly count, for one or two weeks, at random weeks of the
replayed year (the issue's example: 9 cases against 0.5 a week).

Every text goes through relq.nlp.analyse (with a progress bar); tags come from the trigger
phrases of the appliances + retail starter lists (relq.nlp.match_phrases), stored as suggested
tags. Cases, analyses and tags are bulk-inserted into a fresh SQLite (or --db-url PostgreSQL)
database. Then, week by week over the last 52 weeks: relearn the generic phrases, run
relq.themes.surges.find_surges at the week's end, and score:
- recall: a planted spike is found when, in one of its weeks, an alert names its model (or
  the model's family) and at least half of the alert's cases are that spike's;
- false alarm: an alert of which less than half the cases are planted spike cases; the share
  of weeks with at least one.
--old replays relq's previous detector too (phrase and tag keys only, Poisson against the
8-week mean, Bonferroni over the keys with ≥ 3 cases), for comparison.

    .venv/bin/python bench/surge_bench.py [--seeds 1 2 3 4] [--old] [--verbose] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

WEEKS = 60
REPLAY = 52
SPIKES = 16
START = datetime(2025, 10, 6, tzinfo=UTC)  # a Monday; the replay ends in late 2026

# family -> models; products without a model number are services.
FAMILIES = {
    "電気ケトル": ["KT-100", "KT-200"],
    "炊飯器": ["RC-300", "RC-550"],
    "掃除機": ["VC-7", "VC-9"],
    "ドライヤー": ["HD-12"],
    "電子レンジ": ["MR-20", "MR-25"],
    "空気清浄機": ["AP-40", "AP-60"],
}
SERVICES = ["公式オンラインストア", "会員アプリ"]

# Problems any appliance has: name -> texts ({s} the product as customers call it).
COMMON = {
    "power": [
        "{s}の電源が入らなくなった。",
        "スイッチを押しても{s}が動かない。",
        "{s}が使っている途中で突然止まってしまう。",
    ],
    "noise": [
        "{s}から異音がする。カタカタと音が鳴る。",
        "使っていると{s}からキーンという高い音がする。",
    ],
    "smell": [
        "{s}を使うと焦げたようなにおいがする。",
        "{s}からプラスチックが溶けたようなにおいがする。",
    ],
    "howto": [
        "{s}の使い方が分からない。説明書を読んでもよく分からない。",
        "{s}のお手入れの方法を知りたい。",
    ],
    "repair": [
        "{s}の修理をお願いしたい。保証期間内かどうか確認したい。",
        "{s}の部品だけ購入することはできるか。",
    ],
}
# Problems of one family.
SPECIFIC = {
    "電気ケトル": {
        "lid": [
            "蓋のロックがかからず、注ぐときに蓋が開いて熱湯がこぼれた。",
            "{s}の蓋がロックできない。傾けると蓋が外れそうになる。",
            "注ぎ口の蓋のロックが壊れて、お湯がこぼれてしまった。",
        ],
        "slow": ["{s}のお湯が沸くまでに以前より時間がかかるようになった。"],
        "leak": ["{s}の底から水が漏れてテーブルが濡れていた。"],
    },
    "炊飯器": {
        "e3": [
            "{s}に E3 と表示されて、ご飯が炊けなくなった。",
            "予約炊飯をしたら朝に E3 が点滅していて炊けていなかった。",
        ],
        "scorch": ["{s}でご飯を炊くと底が焦げてしまう。"],
        "coating": ["{s}の内釜のコーティングがはがれてきた。"],
    },
    "掃除機": {
        "battery": [
            "{s}のバッテリーがすぐに切れて、5分ほどしか使えない。",
            "充電しても{s}のバッテリーが持たない。",
        ],
        "suction": ["{s}の吸引力が落ちてゴミを吸わなくなった。"],
        "brush": ["{s}のブラシに髪の毛が絡まって回らない。"],
    },
    "ドライヤー": {
        "cord": [
            "{s}のコードの根元が熱くなって焦げ跡がついた。",
            "使っていたら{s}のコードの付け根から火花が出た。",
        ],
        "weak": ["{s}の風が弱くて髪が乾かない。"],
    },
    "電子レンジ": {
        "spark": [
            "{s}の庫内で火花が散ってバチバチと音がした。",
            "温めている最中に{s}の中で火花が出た。",
        ],
        "heat": ["{s}で温めても中まで温まらない。"],
        "door": ["{s}の扉がきちんと閉まらない。"],
    },
    "空気清浄機": {
        "filter": ["{s}のフィルター交換ランプが交換しても消えない。"],
        "fan": ["{s}のファンの音がうるさくて夜眠れない。"],
    },
}
STORE = {
    "late": [
        "注文した荷物が予定日を過ぎても届かない。配送状況を知りたい。",
        "発送済みのメールが来てから5日たつのにまだ届かない。",
    ],
    "damaged": ["届いた箱がへこんでいて、中の商品に傷がついていた。"],
    "refund": ["注文をキャンセルしたが、まだ返金されていない。"],
    "points": ["会員アプリのポイントが付与されていない。"],
    "login": ["会員アプリにログインできない。パスワードを再設定しても入れない。"],
    "charge": ["クレジットカードに二重に請求されている。"],
}
# What people say on every kind of case.
OPENINGS = [
    "",
    "",
    "先月購入したのですが、",
    "販売店で買ったものです。",
    "家族が使っていて気づきました。",
    "保証書はあります。",
    "半年ほど使っています。",
]
CLOSINGS = [
    "",
    "",
    "どうすればよいか教えてほしい。",
    "早めに対応してほしい。",
    "販売店にも相談した。",
]


@dataclass
class Spike:
    model: str
    family: str
    problem: str
    weeks: list[int]
    sizes: list[int]
    case_keys: set[int] = field(default_factory=set)  # indexes into the generated cases


def _product_field(rng: random.Random, family: str, model: str | None) -> tuple[str, str]:
    """(product field, how the text calls it)."""
    if model is None:
        return family, family
    roll = rng.random()
    field_ = f"{family} {model}" if roll < 0.85 else ""
    # The text names the model now and then, and always when the field is empty half the time.
    said = (
        f"{family}（{model}）" if (rng.random() < 0.25 or (not field_ and roll < 0.93)) else family
    )
    return field_, said


def generate(seed: int) -> tuple[list[dict], list[Spike]]:
    rng = random.Random(seed)
    pairs = []  # (family, model, problem, texts, weekly rate)
    for family, models in FAMILIES.items():
        problems = {**COMMON, **SPECIFIC[family]}
        for model in models:
            popularity = rng.uniform(0.6, 1.6)
            for name, texts in problems.items():
                base = 1.2 if name in COMMON else 0.8
                pairs.append(
                    (family, model, name, texts, base * popularity * rng.uniform(0.3, 1.2))
                )
    for name, texts in STORE.items():
        service = SERVICES[1] if name in ("points", "login") else SERVICES[0]
        pairs.append((service, None, name, texts, rng.uniform(1.5, 4.0)))
    spikes: list[Spike] = []
    candidates = [p for p in pairs if p[1] is not None]
    replay_weeks = list(range(WEEKS - REPLAY, WEEKS))
    taken: set[tuple[str, int]] = set()
    while len(spikes) < SPIKES:
        family, model, problem, _texts, rate = rng.choice(candidates)
        week = rng.choice(replay_weeks[:-1])
        length = 1 if rng.random() < 0.6 else 2
        if any((model, w) in taken for w in range(week - 9, week + 10)):
            continue
        taken |= {(model, w) for w in range(week, week + length)}
        # A spike: 8 to 14 extra cases a week, plus twice the pair's usual weekly count.
        sizes = [rng.randint(8, 14) + round(2 * rate) for _ in range(length)]
        spikes.append(Spike(model, family, problem, list(range(week, week + length)), sizes))
    cases: list[dict] = []

    def add(week: int, family: str, model: str | None, texts: list[str], spike: int | None):
        field_, said = _product_field(rng, family, model)
        text = rng.choice(OPENINGS) + rng.choice(texts).format(s=said) + rng.choice(CLOSINGS)
        received = START + timedelta(weeks=week, seconds=rng.uniform(0, 7 * 86400 - 1))
        cases.append({"received_at": received, "product": field_, "text": text, "spike": spike})

    for week in range(WEEKS):
        day = (START + timedelta(weeks=week)).date()
        season = 1.0
        if day.month == 12:
            season = 1.3
        if (day.month, day.day) >= (12, 26) or (day.month == 1 and day.day <= 4):
            season = 0.5
        if day.month == 5 and day.day <= 7:
            season = 0.6
        volume = rng.gammavariate(30, 1 / 30) * season
        for family, model, _name, texts, rate in pairs:
            for _ in range(_poisson(rng, rate * volume)):
                add(week, family, model, texts, None)
    for index, spike in enumerate(spikes):
        problems = {**COMMON, **SPECIFIC[spike.family]}
        for week, size in zip(spike.weeks, spike.sizes, strict=True):
            for _ in range(size):
                add(week, spike.family, spike.model, problems[spike.problem], index)
    cases.sort(key=lambda c: c["received_at"])
    for position, case in enumerate(cases):
        if case["spike"] is not None:
            spikes[case["spike"]].case_keys.add(position)
    return cases, spikes


def _poisson(rng: random.Random, lam: float) -> int:
    threshold, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= threshold:
            return k
        k += 1


def progress(done: int, total: int, started: float, label: str) -> None:
    width = 30
    filled = int(width * done / total)
    rate = done / max(time.perf_counter() - started, 1e-9)
    sys.stderr.write(
        f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} {rate:,.1f}/s"
    )
    if done == total:
        sys.stderr.write("\n")


def build(app, cases: list[dict]) -> list[int]:
    """Insert the cases with their real analyses and trigger-phrase tags; their ids, in order."""
    from flask_migrate import upgrade
    from sqlalchemy import insert, select

    from relq import nlp
    from relq.analysis.models import CaseAnalysis
    from relq.cases.models import Case
    from relq.db import db, transaction
    from relq.demo.loader import load_demo_organisation
    from relq.org.models import User
    from relq.tags.models import CaseTag, Tag
    from relq.tags.services import seed_default_tags, trigger_phrases

    upgrade()
    with transaction():
        departments, _users = load_demo_organisation("bench-password-1")
        seed_default_tags(["appliances", "retail"])
    operator = db.session.scalar(select(User).where(User.role == "operator"))
    intake = departments["cs"].id
    triggers = trigger_phrases()
    tag_ids = {t.code: t.id for t in db.session.scalars(select(Tag))}
    nlp.warm_up()
    analysed: dict[str, tuple] = {}
    started = time.perf_counter()
    readings = []
    for i, case in enumerate(cases, 1):
        text = case["text"]
        if text not in analysed:
            voice = nlp.analyse(text)
            analysed[text] = (voice, sorted(nlp.match_phrases(voice, triggers)))
        readings.append(analysed[text])
        if i % 200 == 0 or i == len(cases):
            progress(i, len(cases), started, "Analysing")
    ids: list[int] = []
    started = time.perf_counter()
    for lo in range(0, len(cases), 1000):
        rows = cases[lo : lo + 1000]
        with transaction():
            result = db.session.execute(
                insert(Case).returning(Case.id),
                [
                    {
                        "intake_token": f"surge-{lo + k}",
                        "kind": "complaint",
                        "channel": "phone",
                        "received_at": c["received_at"],
                        "product": c["product"],
                        "subject": c["text"][:30],
                        "customer_words": c["text"],
                        "remedy_requested": "",
                        "severity": 3,
                        "status": "resolved",
                        "intake_department_id": intake,
                        "created_by_id": operator.id,
                        "created_at": c["received_at"],
                        "updated_at": c["received_at"],
                        "version": 1,
                    }
                    for k, c in enumerate(rows)
                ],
            )
            batch_ids = list(result.scalars())
            ids += batch_ids
            db.session.execute(
                insert(CaseAnalysis),
                [
                    {
                        "case_id": case_id,
                        "state": "done",
                        "language": voice.language,
                        "lemmas": " ".join(voice.lemmas),
                        "keyphrases": list(voice.keyphrases),
                        "observation_keyphrases": [],
                        "search_text": voice.search_text,
                        "attempts": 1,
                        "requested_at": c["received_at"],
                        "analysed_at": c["received_at"],
                    }
                    for case_id, c, (voice, _tags) in zip(
                        batch_ids, rows, readings[lo : lo + 1000], strict=True
                    )
                ],
            )
            tags = [
                {
                    "case_id": case_id,
                    "tag_id": tag_ids[code],
                    "state": "suggested",
                    "source": "rule",
                    "reasons": [],
                    "created_at": c["received_at"],
                }
                for case_id, c, (_voice, codes) in zip(
                    batch_ids, rows, readings[lo : lo + 1000], strict=True
                )
                for code in codes
            ]
            if tags:
                db.session.execute(insert(CaseTag), tags)
        progress(min(lo + 1000, len(cases)), len(cases), started, "Inserting")
    return ids


def old_detector(now: datetime, read_weeks) -> list[tuple[str, list[int]]]:
    """relq's detector before product-level keys (commit 8345128), on the same data: phrase
    and tag keys, Poisson against the 8-week mean, Bonferroni over keys with ≥ 3 cases."""
    from relq.themes.surges import BASELINE_WEEKS

    week = read_weeks(now)
    by_key: dict[str, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
    fixed = {"電話", "商品", "対応", "確認", "交換", "説明", "表示", "購入"}
    for (unit, problem), slots in week.cases.items():
        if unit.level != "all" or problem.value in fixed:
            continue
        for slot, members in slots.items():
            by_key[problem.code][slot] |= members
    candidates = {k: s for k, s in by_key.items() if len(s.get(BASELINE_WEEKS, ())) >= 3}
    tested = max(1, len(candidates))
    found = []
    for key, slots in candidates.items():
        observed = len(slots[BASELINE_WEEKS])
        expected = sum(len(s) for k, s in slots.items() if k != BASELINE_WEEKS) / BASELINE_WEEKS
        if expected == 0:
            if observed >= 4:
                found.append((key, 0.0, sorted(slots[BASELINE_WEEKS])))
            continue
        below, term = 0.0, math.exp(-expected)
        for k in range(observed):
            below += term
            term *= expected / (k + 1)
        p = max(0.0, 1.0 - below)
        if p * tested < 0.05 and observed >= 2 * expected:
            found.append((key, p, sorted(slots[BASELINE_WEEKS])))
    found.sort(key=lambda f: f[1])
    kept: list[tuple[str, list[int]]] = []
    for key, _p, members in found:
        if all(len(set(members) & set(k[1])) < 0.6 * len(members) for k in kept):
            kept.append((key, members))
    return kept


def replay(app, cases, spikes, ids, *, old: bool) -> dict:
    from relq.db import db, transaction
    from relq.themes import surges
    from relq.themes.products import model_key

    spike_of = {ids[pos]: index for index, s in enumerate(spikes) for pos in s.case_keys}
    found_spikes: set[int] = set()
    false_weeks, alerts_total, false_total = [], 0, 0
    old_false_weeks, old_named = 0, set()
    seconds = []
    log = []
    started = time.perf_counter()
    weeks = list(range(WEEKS - REPLAY, WEEKS))
    for n, week in enumerate(weeks, 1):
        now = START + timedelta(weeks=week + 1)
        with transaction():
            surges.learn_generic_phrases(now)
        generic = surges.generic_phrases()
        db.session.rollback()
        t0 = time.perf_counter()
        found = surges.find_surges(now, generic)
        seconds.append(time.perf_counter() - t0)
        false_here = False
        for alert in found:
            alerts_total += 1
            members = alert.case_ids
            counts = defaultdict(int)
            for case_id in members:
                if case_id in spike_of:
                    counts[spike_of[case_id]] += 1
            best = max(counts, key=counts.get) if counts else None
            share = counts[best] / len(members) if best is not None else 0.0
            if share < 0.5:
                false_here = True
                false_total += 1
                log.append(f"week {week}: false alarm {alert.label} {alert.observed}")
                continue
            spike = spikes[best]
            named = (alert.unit.level == "model" and alert.unit.key == model_key(spike.model)) or (
                alert.unit.level == "family" and alert.unit.label == spike.family
            )
            if named and week in spike.weeks:
                found_spikes.add(best)
            log.append(
                f"week {week}: spike {best} {spike.model}/{spike.problem} -> {alert.label} "
                f"{alert.observed} vs {alert.expected:.1f} ({'named' if named else 'NOT named'})"
            )
        false_weeks.append(false_here)
        if old:
            old_found = old_detector(now, surges.read_weeks)
            if any(
                sum(1 for c in members if c in spike_of) < 0.5 * len(members)
                for _key, members in old_found
            ):
                old_false_weeks += 1
            for _key, members in old_found:
                hits = [spike_of[c] for c in members if c in spike_of]
                if hits and len(hits) >= 0.5 * len(members):
                    old_named.add(max(set(hits), key=hits.count))
        progress(n, len(weeks), started, "Replaying weeks")
    missed = [
        f"{s.model}/{s.problem} weeks {s.weeks} sizes {s.sizes}"
        for i, s in enumerate(spikes)
        if i not in found_spikes
    ]
    result = {
        "cases": len(cases),
        "weeks_replayed": len(weeks),
        "planted_spikes": len(spikes),
        "spikes_named_at_product_level": len(found_spikes),
        "recall_product_level": round(len(found_spikes) / len(spikes), 3),
        "weeks_with_false_alarm": sum(false_weeks),
        "false_alarm_week_share": round(sum(false_weeks) / len(weeks), 3),
        "alerts": alerts_total,
        "false_alerts": false_total,
        "detection_seconds_median": round(statistics.median(seconds), 3),
        "detection_seconds_max": round(max(seconds), 3),
        "missed": missed,
        "log": log,
    }
    if old:
        result["old_detector"] = {
            # The old keys never name a product: every spike it finds is a whole-category one.
            "recall_product_level": 0.0,
            "spikes_found_unnamed": len(old_named),
            "false_alarm_week_share": round(old_false_weeks / len(weeks), 3),
        }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[1], help="one year per seed")
    scratch = Path(os.environ.get("TMPDIR", "/tmp"))  # noqa: S108  (a scratch database)
    parser.add_argument("--db", type=Path, default=scratch / "relq-surges.db")
    parser.add_argument("--db-url", help="a PostgreSQL URL instead (its tables are replaced)")
    parser.add_argument("--old", action="store_true", help="replay the previous detector too")
    parser.add_argument("--verbose", action="store_true", help="print every alert")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    os.environ.setdefault("RELQ_INSTANCE_PATH", str(args.db.parent / "relq-surges-instance"))
    from relq import create_app

    runs = []
    for seed in args.seeds:
        if args.db_url:
            import sqlalchemy as sa

            engine = sa.create_engine(args.db_url)
            with engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            engine.dispose()
            url = args.db_url
        else:
            if args.db.exists():
                args.db.unlink()
            url = f"sqlite:///{args.db}"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "ANALYSIS_QUEUE": "off"})
        cases, spikes = generate(seed)
        with app.app_context():
            ids = build(app, cases)
            result = replay(app, cases, spikes, ids, old=args.old)
            from relq.db import db

            db.engine.dispose()
        log = result.pop("log")
        if args.verbose:
            print("\n".join(log))
        result["seed"] = seed
        print(json.dumps(result, ensure_ascii=False, indent=1))
        runs.append(result | {"log": log})
    spikes_all = sum(r["planted_spikes"] for r in runs)
    named = sum(r["spikes_named_at_product_level"] for r in runs)
    weeks = sum(r["weeks_replayed"] for r in runs)
    false_weeks = sum(r["weeks_with_false_alarm"] for r in runs)
    recall, false_share = named / spikes_all, false_weeks / weeks
    summary = {
        "seeds": args.seeds,
        "planted_spikes": spikes_all,
        "named_at_product_level": named,
        "recall_product_level": round(recall, 3),
        "weeks": weeks,
        "weeks_with_false_alarm": false_weeks,
        "false_alarm_week_share": round(false_share, 3),
        "detection_seconds_median": statistics.median(r["detection_seconds_median"] for r in runs),
    }
    if args.old:
        summary["old_detector_false_alarm_week_share"] = round(
            statistics.mean(r["old_detector"]["false_alarm_week_share"] for r in runs), 3
        )
    print(json.dumps(summary, ensure_ascii=False, indent=1))
    print(
        f"recall at product level {named}/{spikes_all} = {recall:.1%} (goal ≥ 95 %: "
        f"{'met' if recall >= 0.95 else 'NOT met'}); weeks with a false alarm "
        f"{false_weeks}/{weeks} = {false_share:.1%} "
        f"(goal ≤ 5 %: {'met' if false_share <= 0.05 else 'NOT met'})"
    )
    if args.json:
        args.json.write_text(json.dumps({"summary": summary, "runs": runs}, ensure_ascii=False))


if __name__ == "__main__":
    main()
