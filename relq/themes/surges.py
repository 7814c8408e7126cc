"""Surges a person can act on: a product's problem that grew this week.

Keys. Each case is counted under what it is about (relq.themes.products: its model, or its
product, and its family; and "all products") × each of its problems (its tags, not rejected,
and its key phrases that name neither a product nor something this installation hears every
week). An alert therefore reads 「KT-200 · 蓋: 9 件 (週平均 0.5 件)」, and a problem across
products (late deliveries everywhere) still surges under "all products".

Test. For each key, this week's count against its share of the 8 weeks before, with a small
prior (half a case in an average week's volume: a key never seen before is not expected at
zero), by the beta-binomial predictive tail (scipy.stats.betabinom): the uncertainty of a
baseline made of few cases widens the tail instead of letting 3 cases against 0.1 pass.
The multiple-testing correction (Holm, family-wise α = SURGE_ALPHA per week) counts every key
tried, i.e. every key seen in the nine weeks, not only those with enough cases this week (keys
that count exactly the same cases every week are one test).
A key must also have at least MIN_CASES of its kind (phrases need more than tags) and twice
its expected count.

Naming. Of the keys that pass, the most specific product level comes first (a model before
its family before all products), then the smallest p-value; a key whose cases are mostly
those of an alert already kept is not a surge of its own (its residual cases must pass the
test again), and lends its name to that alert (「KT-200 · 蓋 · ロック」).

Generic phrases. Besides relq's fixed list (GENERIC), the phrases this installation hears in
most weeks (learn_generic_phrases: in ≥ 75 % of the last 26 weeks and ≥ 1 % of cases) name no
surge across products: ディーラー at a car maker, 電源 at an appliance maker. For one product
they still may (「KT-100 · 電源」: that model's power faults), though never as a second name.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from relq.analysis.models import CaseAnalysis
from relq.cases.models import Case
from relq.db import db, utcnow
from relq.tags.models import CaseTag, Tag
from relq.themes.models import GenericPhrase
from relq.themes.products import ALL_PRODUCTS, LEVELS, Catalogue, Unit, parse_product

BASELINE_WEEKS = 8
SURGE_ALPHA = 0.05
MIN_CASES = {"tag": 4, "phrase": 5}
SURGE_MIN_RATIO = 2.0
# The prior: PRIOR_CASES in PRIOR_WEEKS average weeks.
PRIOR_CASES = 0.5
PRIOR_WEEKS = 1.0
# A key whose cases are at least this share of a kept alert's is that alert's (its name joins).
SAME_CASES = 0.6
# Learned generic phrases: present in this share of weeks, in this share of cases, over
# GENERIC_WEEKS weeks of which at least GENERIC_MIN_WEEKS had cases.
GENERIC_WEEKS = 26
GENERIC_MIN_WEEKS = 8
GENERIC_WEEK_SHARE = 0.75
GENERIC_CASE_SHARE = 0.01

# Phrases too general to name a theme or a surge in any installation: the words that say what
# any complaint asks for or how it was handled (交換, 確認, 案内 ...), not what it is about.
GENERIC = frozenset(
    """
    商品 製品 電話 問い合わせ お問い合わせ 件 対応 確認 注文 お客様 客 連絡 今回 自分 方 時
    こと もの 気 様 以前 先日 昨日 今日 先週 今週 購入 使用 利用 お願い 回答 説明 返事 本日
    前回 原因 理由 内容 状態 方法 手順 対処 場合 部分 全部 一部 名前 番号 注文番号 家族
    子ども 子供 自宅 会社 愛用 お礼 返信 メール 画面 表示 手元 最初 途中 以上 以外 毎回 何度
    そのまま 交換 範囲 大丈夫 可能 必要 心配 不安 至急 早急 案内 手続き 返送 対策 改善
    product order customer thing time problem issue call email please today
    yesterday week
    """.split()  # noqa: SIM905  (a word list reads best as words)
)


def usable(phrase: str) -> bool:
    """Whether a key phrase may name a theme (not a fixed generic word, not too short)."""
    if phrase in GENERIC or len(phrase) < 2:
        return False
    return not (phrase.isascii() and len(phrase) < 3) and not phrase.isdigit()


@dataclass(frozen=True, slots=True)
class Problem:
    kind: str  # "tag" or "phrase"
    value: str  # tag code or phrase
    label: str

    @property
    def code(self) -> str:
        return f"{self.kind}:{self.value}"


@dataclass
class Surge:
    unit: Unit
    problem: Problem
    kind: str  # "surge" or "new"
    observed: int
    expected: float
    p_value: float
    case_ids: list[int]
    keys_tested: int
    also: list[str] = field(default_factory=list)  # the problems that came with it

    @property
    def key(self) -> str:
        return f"{self.unit.code}|{self.problem.code}"

    @property
    def label(self) -> str:
        """The product and problem in words (tags in Japanese: the page words them anew)."""
        problem = " · ".join([self.problem.label, *self.also])
        return f"{self.unit.label} · {problem}" if self.unit.label else problem


@dataclass
class Week:
    """What detection reads for the nine weeks ending at `now`: per key, the cases of each
    week (slot BASELINE_WEEKS is this week); per week, how many cases were read."""

    now: datetime
    cases: dict[tuple[Unit, Problem], dict[int, set[int]]]
    totals: list[int]

    @property
    def keys_tried(self) -> int:
        return len(self.cases)


def _slot(now: datetime, received_at: datetime, weeks: int) -> int:
    return weeks - 1 - int((now - received_at) / timedelta(weeks=1))


def read_weeks(now: datetime, generic: Iterable[str] = ()) -> Week:
    """Every key's cases in each of the BASELINE_WEEKS + 1 seven-day windows ending at `now`."""
    weeks = BASELINE_WEEKS + 1
    start = now - timedelta(weeks=weeks)
    generic = set(generic)
    rows = db.session.execute(
        select(
            Case.id, Case.received_at, Case.product, CaseAnalysis.keyphrases, CaseAnalysis.lemmas
        )
        .join(CaseAnalysis, CaseAnalysis.case_id == Case.id)
        .where(CaseAnalysis.state == "done", Case.received_at >= start, Case.received_at < now)
    ).all()
    tag_rows = db.session.execute(
        select(CaseTag.case_id, Tag.code, Tag.name_ja)
        .join(Tag, Tag.id == CaseTag.tag_id)
        .join(Case, Case.id == CaseTag.case_id)
        .where(CaseTag.state != "rejected", Case.received_at >= start, Case.received_at < now)
    ).all()
    tags_of: dict[int, list[Problem]] = defaultdict(list)
    for case_id, code, name in tag_rows:
        tags_of[case_id].append(Problem("tag", code, name))
    refs = {product: parse_product(product) for product in {r.product or "" for r in rows}}
    catalogue = Catalogue([ref for product, ref in refs.items() if product])
    units_of = {product: ref.units() if product else [] for product, ref in refs.items()}
    cases: dict[tuple[Unit, Problem], dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
    totals = [0] * weeks
    for case_id, received_at, product, phrases, lemmas in rows:
        slot = _slot(now, received_at, weeks)
        totals[slot] += 1
        phrases = list(dict.fromkeys(phrases or []))
        units = units_of[product or ""]
        if not units:
            units = catalogue.units_from_text((lemmas or "").split(), phrases)
        tags = tags_of.get(case_id, [])
        words = [
            Problem("phrase", p, p)
            for p in phrases
            if usable(p) and not catalogue.is_product_word(p)
        ]
        for unit in units:
            for problem in (*tags, *words):
                cases[unit, problem][slot].add(case_id)
        # Across products, a phrase heard every week (ディーラー, 電源) names nothing; for one
        # product it may (KT-100 · 電源).
        for problem in (*tags, *(w for w in words if w.value not in generic)):
            cases[ALL_PRODUCTS, problem][slot].add(case_id)
    return Week(now, _distinct(cases), totals)


def _distinct(cases: dict) -> dict:
    """One key per distinct set of cases: keys that count the same cases every week are one
    test, not several (a family with one model, a tag and the phrase that triggers it). The
    most specific product, then a tag, names it."""
    order = sorted(
        cases, key=lambda k: (LEVELS.index(k[0].level), k[1].kind != "tag", k[0].key, k[1].value)
    )
    seen: set = set()
    kept = {}
    for key in order:
        slots = cases[key]
        signature = tuple(sorted((slot, frozenset(ids)) for slot, ids in slots.items()))
        if signature not in seen:
            seen.add(signature)
            kept[key] = slots
    return kept


def surge_test(observed: int, baseline: int, total_now: int, total_before: int) -> tuple:
    """(p-value, expected count) of `observed` cases among `total_now` this week, for a key
    with `baseline` cases among `total_before` in the BASELINE_WEEKS before: the beta-binomial
    predictive tail of its share, with the prior PRIOR_CASES in PRIOR_WEEKS average weeks."""
    from scipy.stats import betabinom

    prior_total = PRIOR_WEEKS * max(total_before / BASELINE_WEEKS, 1.0)
    a = baseline + PRIOR_CASES
    b = max(total_before - baseline, 0) + prior_total - PRIOR_CASES
    expected = total_now * a / (a + b)
    if observed <= 0:
        return 1.0, expected
    return float(betabinom.sf(observed - 1, total_now, a, b)), expected


def holm(p_values: dict, tried: int, alpha: float = SURGE_ALPHA) -> set:
    """The keys Holm's step-down procedure rejects at family-wise `alpha` over `tried` tests
    (`p_values` holds the tests that could reject; the others count in `tried`)."""
    rejected = set()
    for rank, (key, p) in enumerate(sorted(p_values.items(), key=lambda kv: kv[1])):
        if p > alpha / (tried - rank):
            break
        rejected.add(key)
    return rejected


def find_surges(now: datetime | None = None, generic: Iterable[str] = ()) -> list[Surge]:
    """This week's surges and new themes (the 7 days before `now`), most specific product
    first, then most significant; nothing is stored."""
    generic = set(generic)
    week = read_weeks(now or utcnow(), generic)
    tried = max(1, week.keys_tried)
    total_now, total_before = week.totals[-1], sum(week.totals[:-1])
    tests: dict[tuple[Unit, Problem], tuple[float, float, int]] = {}
    for (unit, problem), slots in week.cases.items():
        observed = len(slots.get(BASELINE_WEEKS, ()))
        if observed < MIN_CASES[problem.kind]:
            continue
        baseline = sum(len(s) for k, s in slots.items() if k != BASELINE_WEEKS)
        p, expected = surge_test(observed, baseline, total_now, total_before)
        if observed >= SURGE_MIN_RATIO * expected:
            tests[unit, problem] = (p, expected, baseline)
    passed = holm({k: v[0] for k, v in tests.items()}, tried)
    order = sorted(
        passed,
        key=lambda k: (LEVELS.index(k[0].level), tests[k][0], k[1].kind != "tag", k[1].value),
    )
    kept: list[Surge] = []
    covered: set[int] = set()
    for unit, problem in order:
        members = week.cases[unit, problem][BASELINE_WEEKS]
        home = next(
            (s for s in kept if len(members & set(s.case_ids)) >= SAME_CASES * len(members)),
            None,
        )
        residual = members - covered
        p, expected, baseline = tests[unit, problem]
        if home is None and residual != members:
            # Part of it is another alert's: what is left must surge on its own.
            p_left, _ = surge_test(len(residual), baseline, total_now, total_before)
            if len(residual) < MIN_CASES[problem.kind] or p_left > SURGE_ALPHA / tried:
                continue
        if home is not None:
            if home.unit == unit and problem.kind == "phrase" and len(home.also) < 2:
                named = [home.problem.label, *home.also]
                if problem.value not in generic and not any(
                    n in problem.label or problem.label in n for n in named
                ):
                    home.also.append(problem.label)
            continue
        kept.append(
            Surge(
                unit,
                problem,
                "new" if baseline == 0 else "surge",
                len(members),
                expected,
                p,
                sorted(members),
                tried,
            )
        )
        covered |= members
    return kept


# ---- generic phrases, learned ---------------------------------------------------------------


def generic_phrase_counts(now: datetime) -> tuple[dict[str, int], Counter[str], int, int]:
    """Over the GENERIC_WEEKS weeks before this one: in how many weeks each phrase was heard,
    in how many cases, how many weeks had cases, and how many cases there were."""
    end = now - timedelta(weeks=1)
    start = end - timedelta(weeks=GENERIC_WEEKS)
    weeks_of: dict[str, set[int]] = defaultdict(set)
    cases_of: Counter[str] = Counter()
    busy: set[int] = set()
    n = 0
    rows = db.session.execute(
        select(Case.received_at, CaseAnalysis.keyphrases)
        .join(CaseAnalysis, CaseAnalysis.case_id == Case.id)
        .where(CaseAnalysis.state == "done", Case.received_at >= start, Case.received_at < end)
    )
    for received_at, phrases in rows:
        slot = _slot(end, received_at, GENERIC_WEEKS)
        busy.add(slot)
        n += 1
        for phrase in set(phrases or []):
            weeks_of[phrase].add(slot)
            cases_of[phrase] += 1
    return {p: len(w) for p, w in weeks_of.items()}, cases_of, len(busy), n


def learn_generic_phrases(now: datetime) -> list[GenericPhrase]:
    """Replace the installation's generic phrases by those of its history before `now`'s week:
    heard in ≥ GENERIC_WEEK_SHARE of the weeks that had cases and in ≥ GENERIC_CASE_SHARE of
    the cases (none until GENERIC_MIN_WEEKS weeks had cases). Flushes, never commits."""
    weeks_present, cases_of, busy, n = generic_phrase_counts(now)
    db.session.execute(delete(GenericPhrase))
    if busy < GENERIC_MIN_WEEKS:
        return []
    learned = [
        GenericPhrase(phrase=phrase[:120], weeks_present=present, weeks=busy, learned_at=now)
        for phrase, present in sorted(weeks_present.items())
        if present >= math.ceil(GENERIC_WEEK_SHARE * busy)
        and cases_of[phrase] >= GENERIC_CASE_SHARE * n
        and usable(phrase)
    ]
    db.session.add_all(learned)
    db.session.flush()
    return learned


def generic_phrases() -> set[str]:
    return set(db.session.scalars(select(GenericPhrase.phrase)))
