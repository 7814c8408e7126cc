"""Themes and surges, computed from what relq.nlp read in each case (key phrases).

Themes: for a period and a scope, the key phrases that many cases share, weighted against how
common each phrase is over the longer history (so that 商品 or 電話 never name a theme); each
theme is named by its phrase and the phrases that come with it, counted against the two
periods before, and shown with three verbatims. Every query starts from visible_cases(user),
and a theme's drill-down lists exactly the cases it counts (theme_members).

Surges (relq.themes.surges): each week, a product's problem against its own baseline;
record_surges stores them as alerts, which name the product, the problem, the count against
the baseline and exactly the cases counted (alert_members).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from relq import access, events
from relq.analysis.models import CaseAnalysis
from relq.audit.services import record
from relq.cases.models import Case, Note
from relq.db import db, utcnow
from relq.errors import NotAllowed, NotFound
from relq.org.models import Department, User
from relq.themes.models import GenericPhrase, SurgeAlert
from relq.themes.surges import (
    Surge,
    find_surges,
    generic_phrases,
    learn_generic_phrases,
    usable,
)

__all__ = [
    "Surge",
    "Theme",
    "alert_members",
    "compute_themes",
    "find_surges",
    "open_alerts",
    "record_surges",
    "theme_members",
]

OFFICE_TZ = ZoneInfo("Asia/Tokyo")
PERIODS_BEFORE = 2
MAX_THEMES = 12
MIN_THEME_CASES = 3
# The learned generic phrases are relearned at most this often.
GENERIC_RELEARN = timedelta(days=1)


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
        df_now.update(p for p in phrases_of[case_id] if usable(p))
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


# ---- drill-down: exactly the cases counted ---------------------------------------------------


class MemberRow(NamedTuple):
    id: int
    received_at: datetime
    subject: str
    product: str
    status: str
    department_ja: str | None
    department_en: str | None

    @property
    def ref(self) -> str:
        return _ref(self.id, self.received_at)

    def department(self, locale: str) -> str | None:
        return self.department_en if locale == "en" else self.department_ja


def member_rows(user: User, case_ids: list[int]) -> list[MemberRow]:
    """The cases among `case_ids` that `user` may see, newest first."""
    if not case_ids:
        return []
    query = (
        access.visible_cases(user)
        .with_only_columns(
            Case.id,
            Case.received_at,
            Case.subject,
            Case.product,
            Case.status,
            Department.name_ja,
            Department.name_en,
            maintain_column_froms=False,
        )
        .outerjoin(Department, Department.id == Case.responsible_department_id)
        .where(Case.id.in_(sorted(set(case_ids))))
        .order_by(Case.received_at.desc(), Case.id.desc())
    )
    return [MemberRow(*r) for r in db.session.execute(query)]


def theme_members(
    user: User,
    key: str,
    *,
    start: datetime,
    end: datetime,
    department_id: int | None = None,
    kind: str | None = None,
    source: str = "voice",
) -> tuple[Theme | None, list[MemberRow]]:
    """The theme named `key` among the themes of this period and scope (compute_themes with
    the same arguments), and exactly its cases; (None, []) when it is not among them (any
    more: the cases changed since the link was drawn)."""
    themes = compute_themes(
        user, start=start, end=end, department_id=department_id, kind=kind, source=source
    )
    theme = next((t for t in themes if t.key == key), None)
    if theme is None:
        return None, []
    return theme, member_rows(user, theme.case_ids)


def get_alert(user: User, alert_id: int) -> SurgeAlert:
    """A surge alert, for management. Raises NotAllowed for others, NotFound when none."""
    if not access.can_see_alerts(user):
        raise NotAllowed("surge_alert")
    alert = db.session.get(SurgeAlert, alert_id)
    if alert is None:
        raise NotFound("surge_alert")
    return alert


def alert_members(user: User, alert: SurgeAlert) -> list[MemberRow]:
    """Exactly the cases the alert counted, those `user` may see."""
    return member_rows(user, list(alert.case_ids or []))


# ---- surges ----------------------------------------------------------------------------------

_learned_in_process: datetime | None = None


def refresh_generic_phrases(now: datetime) -> bool:
    """Relearn the installation's generic phrases when the last learning is older than
    GENERIC_RELEARN (also when the history learned nothing: then this process waits as long).
    Returns whether it relearned."""
    global _learned_in_process
    newest = db.session.scalar(select(func.max(GenericPhrase.learned_at)))
    last = max((t for t in (newest, _learned_in_process) if t is not None), default=None)
    if last is not None and now - last < GENERIC_RELEARN:
        return False
    learn_generic_phrases(now)
    _learned_in_process = now
    return True


def record_surges(now: datetime | None = None) -> list[SurgeAlert]:
    """Store this week's surges as alerts, one audit event each; running it twice in a week
    adds nothing. Flushes, never commits."""
    now = now or utcnow()
    refresh_generic_phrases(now)
    week_end: date = now.astimezone(OFFICE_TZ).date()
    existing = set(
        db.session.scalars(
            select(SurgeAlert.key).where(SurgeAlert.week_end > week_end - timedelta(days=7))
        )
    )
    added = []
    for surge in find_surges(now, generic_phrases()):
        if surge.key in existing:
            continue
        alert = SurgeAlert(
            key=surge.key,
            label=surge.label[:200],
            kind=surge.kind,
            product_level=surge.unit.level,
            product=surge.unit.label[:120],
            problem_kind=surge.problem.kind,
            problem=surge.problem.value[:120],
            week_end=week_end,
            observed=surge.observed,
            expected=round(surge.expected, 3),
            p_value=surge.p_value,
            keys_tested=surge.keys_tested,
            case_ids=surge.case_ids,
        )
        db.session.add(alert)
        added.append(alert)
    db.session.flush()
    for alert in added:
        record(
            "surge.recorded",
            actor=None,
            entity_type="surge_alert",
            entity_id=alert.id,
            after={
                "label": alert.label,
                "observed": alert.observed,
                "expected": alert.expected,
                "cases": len(alert.case_ids),
            },
        )
        events.surge_recorded.send(None, alert=alert)
    return added


def open_alerts(limit: int = 20) -> list[SurgeAlert]:
    return list(
        db.session.scalars(
            select(SurgeAlert).order_by(SurgeAlert.week_end.desc(), SurgeAlert.p_value).limit(limit)
        )
    )
