"""Themes and surges, computed from what relq.nlp read in each case (key phrases).

Themes: for a period and a scope, the key phrases that many cases share, weighted against how
common each phrase is over the longer history (so that 商品 or 電話 never name a theme); each
theme is named by its phrase and the phrases that come with it, counted against the two
periods before, and shown with three verbatims. Every query starts from visible_cases(user).

Surges: each week, the number of cases carrying a phrase or a tag is compared with its mean
over the 8 weeks before by a one-sided Poisson test, Bonferroni-corrected over the themes
tested (family-wise α = SURGE_ALPHA, 0.05), requiring at least SURGE_MIN_CASES cases and
SURGE_MIN_RATIO times the baseline; a theme with no case in 8 weeks and SURGE_MIN_NEW cases
this week is a new theme. Each (theme, week) raises at most one alert.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from relq import access, events
from relq.analysis.models import CaseAnalysis
from relq.cases.models import Case, Note
from relq.db import db, utcnow
from relq.org.models import User
from relq.tags.models import CaseTag, Tag
from relq.themes.models import SurgeAlert

OFFICE_TZ = ZoneInfo("Asia/Tokyo")
PERIODS_BEFORE = 2
MAX_THEMES = 12
MIN_THEME_CASES = 3
SURGE_ALPHA = 0.05
SURGE_MIN_CASES = 3
SURGE_MIN_RATIO = 2.0
SURGE_MIN_NEW = 4
BASELINE_WEEKS = 8

# Phrases too general to name a theme on their own (they still enrich labels): among them the
# words that say what any complaint asks for or how it was handled (交換, 確認, 案内 ...),
# not what it is about, which would name themes mixing unrelated cases.
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


def _usable(phrase: str) -> bool:
    if phrase in GENERIC or len(phrase) < 2:
        return False
    return not (phrase.isascii() and len(phrase) < 3) and not phrase.isdigit()


@dataclass
class Verbatim:
    case_id: int
    ref: str
    text: str


@dataclass
class Theme:
    key: str
    phrases: list[str]
    case_ids: list[int]
    previous: list[int]
    verbatims: list[Verbatim] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.case_ids)

    @property
    def label(self) -> str:
        return " · ".join(self.phrases)

    @property
    def change(self) -> float | None:
        """This period against the mean of the periods before (None: nothing before)."""
        before = sum(self.previous) / len(self.previous) if self.previous else 0
        return (self.count - before) / before if before else None


def _rows(user: User, start: datetime, end: datetime, *, department_id, kind, source):
    column = (
        CaseAnalysis.observation_keyphrases if source == "observation" else CaseAnalysis.keyphrases
    )
    query = (
        access.visible_cases(user)
        .with_only_columns(Case.id, Case.received_at, column)
        .join(CaseAnalysis, CaseAnalysis.case_id == Case.id)
        .where(CaseAnalysis.state == "done", Case.received_at >= start, Case.received_at < end)
    )
    if department_id:
        query = query.where(Case.responsible_department_id == department_id)
    if kind:
        query = query.where(Case.kind == kind)
    return db.session.execute(query.order_by(None)).all()


def compute_themes(
    user: User,
    *,
    start: datetime,
    end: datetime,
    department_id: int | None = None,
    kind: str | None = None,
    source: str = "voice",
    limit: int = MAX_THEMES,
) -> list[Theme]:
    """The recurring themes among the cases `user` may see received in [start, end)."""
    length = end - start
    history_start = start - PERIODS_BEFORE * length
    rows = _rows(user, history_start, end, department_id=department_id, kind=kind, source=source)
    period_of: dict[int, int] = {}  # 0 = this period, 1 = the one before, ...
    phrases_of: dict[int, set[str]] = {}
    for case_id, received_at, phrases in rows:
        period_of[case_id] = 0 if received_at >= start else 1 + int((start - received_at) / length)
        phrases_of[case_id] = {p for p in (phrases or [])}
    current = [c for c, p in period_of.items() if p == 0]
    if not current:
        return []
    df_all: Counter[str] = Counter()
    for phrases in phrases_of.values():
        df_all.update(phrases)
    df_now: Counter[str] = Counter()
    for case_id in current:
        df_now.update(p for p in phrases_of[case_id] if _usable(p))
    n_all = len(phrases_of)

    def score(phrase: str) -> float:
        return df_now[phrase] * (math.log((n_all + 1) / (df_all[phrase] + 1)) + 1)

    themes: list[Theme] = []
    for phrase in sorted(df_now, key=lambda p: (-score(p), p)):
        if df_now[phrase] < MIN_THEME_CASES or len(themes) >= limit:
            break
        members = [c for c in current if phrase in phrases_of[c]]
        home = next(
            (t for t in themes if len(set(members) & set(t.case_ids)) >= 0.5 * len(members)), None
        )
        if home is not None:
            if len(home.phrases) < 3:
                home.phrases.append(phrase)
            continue
        previous = [
            sum(1 for c, p in period_of.items() if p == k and phrase in phrases_of[c])
            for k in range(PERIODS_BEFORE, 0, -1)
        ]
        themes.append(Theme(phrase, [phrase], sorted(members), previous))
    _add_verbatims(themes, phrases_of, source)
    return themes


def _add_verbatims(themes: list[Theme], phrases_of: dict[int, set[str]], source: str) -> None:
    wanted = {c for t in themes for c in t.case_ids}
    if not wanted:
        return
    if source == "observation":
        texts = dict(
            db.session.execute(
                select(Note.case_id, Note.body)
                .where(Note.case_id.in_(wanted), Note.kind == "observation")
                .order_by(Note.created_at)
            ).all()
        )
    else:
        texts = dict(
            db.session.execute(
                select(Case.id, Case.customer_words).where(Case.id.in_(wanted))
            ).all()
        )
    received = dict(
        db.session.execute(select(Case.id, Case.received_at).where(Case.id.in_(wanted))).all()
    )
    for theme in themes:
        # The cases that carry most of the theme's phrases, then the shortest: clear examples.
        ranked = sorted(
            (c for c in theme.case_ids if c in texts),
            key=lambda c: (-len(phrases_of[c] & set(theme.phrases)), len(texts[c]), c),
        )
        theme.verbatims = [Verbatim(c, _ref(c, received[c]), _clip(texts[c])) for c in ranked[:3]]


def _ref(case_id: int, received_at: datetime) -> str:
    return f"C-{received_at.astimezone(OFFICE_TZ).year}-{case_id:06d}"


def _clip(text: str, limit: int = 140) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---- surges --------------------------------------------------------------------------------


def poisson_sf(observed: int, expected: float) -> float:
    """P(X ≥ observed) for X ~ Poisson(expected): the one-sided p-value of a surge."""
    if observed <= 0:
        return 1.0
    term = math.exp(-expected)
    below = term
    for k in range(1, observed):
        term *= expected / k
        below += term
    return max(0.0, 1.0 - below)


@dataclass
class Surge:
    key: str
    label: str
    kind: str
    observed: int
    expected: float
    p_value: float
    case_ids: list[int]


def weekly_counts(now: datetime) -> tuple[dict[str, list[set[int]]], dict[str, str]]:
    """For every phrase and tag: the cases carrying it in each 7-day window ending at `now`,
    oldest window first (BASELINE_WEEKS + 1 windows); and a label per key."""
    start = now - timedelta(weeks=BASELINE_WEEKS + 1)
    windows: dict[str, list[set[int]]] = defaultdict(
        lambda: [set() for _ in range(BASELINE_WEEKS + 1)]
    )

    def slot(received_at: datetime) -> int:
        return BASELINE_WEEKS - int((now - received_at) / timedelta(weeks=1))

    rows = db.session.execute(
        select(Case.id, Case.received_at, CaseAnalysis.keyphrases)
        .join(CaseAnalysis, CaseAnalysis.case_id == Case.id)
        .where(CaseAnalysis.state == "done", Case.received_at >= start, Case.received_at < now)
    )
    for case_id, received_at, phrases in rows:
        for phrase in set(phrases or []):
            if _usable(phrase):
                windows[f"phrase:{phrase}"][slot(received_at)].add(case_id)
    labels = {key: key.split(":", 1)[1] for key in windows}
    tag_rows = db.session.execute(
        select(Case.id, Case.received_at, Tag.code, Tag.name_ja)
        .join(CaseTag, CaseTag.case_id == Case.id)
        .join(Tag, Tag.id == CaseTag.tag_id)
        .where(CaseTag.state != "rejected", Case.received_at >= start, Case.received_at < now)
    )
    for case_id, received_at, code, name in tag_rows:
        windows[f"tag:{code}"][slot(received_at)].add(case_id)
        labels[f"tag:{code}"] = name
    return windows, labels


def find_surges(now: datetime | None = None) -> list[Surge]:
    """This week's surges and new themes, most significant first (nothing is stored)."""
    now = now or utcnow()
    windows, labels = weekly_counts(now)
    candidates = {k: w for k, w in windows.items() if len(w[-1]) >= SURGE_MIN_CASES}
    tested = max(1, len(candidates))
    found = []
    for key, weeks in candidates.items():
        observed = len(weeks[-1])
        baseline = [len(w) for w in weeks[:-1]]
        expected = sum(baseline) / len(baseline)
        if expected == 0:
            if observed >= SURGE_MIN_NEW:
                found.append(Surge(key, labels[key], "new", observed, 0.0, 0.0, sorted(weeks[-1])))
            continue
        p = poisson_sf(observed, expected)
        if p * tested < SURGE_ALPHA and observed >= SURGE_MIN_RATIO * expected:
            found.append(Surge(key, labels[key], "surge", observed, expected, p, sorted(weeks[-1])))
    # Deterministic: most significant, then most cases, then tags before phrases, then by name.
    found.sort(key=lambda s: (s.p_value, -s.observed, not s.key.startswith("tag:"), s.key))
    # One alert per group of cases: a phrase and a tag describing the same cases are one surge.
    kept: list[Surge] = []
    for surge in found:
        if all(
            len(set(surge.case_ids) & set(k.case_ids)) < 0.6 * len(surge.case_ids) for k in kept
        ):
            kept.append(surge)
    return kept


def record_surges(now: datetime | None = None) -> list[SurgeAlert]:
    """Store this week's surges as alerts; running it twice in a week adds nothing."""
    now = now or utcnow()
    week_end: date = now.astimezone(OFFICE_TZ).date()
    existing = set(
        db.session.scalars(
            select(SurgeAlert.key).where(SurgeAlert.week_end > week_end - timedelta(days=7))
        )
    )
    added = []
    for surge in find_surges(now):
        if surge.key in existing:
            continue
        alert = SurgeAlert(
            key=surge.key,
            label=surge.label[:200],
            kind=surge.kind,
            week_end=week_end,
            observed=surge.observed,
            expected=round(surge.expected, 3),
            p_value=surge.p_value,
            case_ids=surge.case_ids,
        )
        db.session.add(alert)
        added.append(alert)
    db.session.flush()
    for alert in added:
        events.surge_recorded.send(None, alert=alert)
    return added


def open_alerts(limit: int = 20) -> list[SurgeAlert]:
    return list(
        db.session.scalars(
            select(SurgeAlert).order_by(SurgeAlert.week_end.desc(), SurgeAlert.p_value).limit(limit)
        )
    )
