"""Survey rounds: what is asked (the factor items), the coarse bands a respondent may choose,
the anonymity thresholds, and the round's life: draft -> open -> closed.

Services take the acting admin, never commit, audit every change of a round (never anything
about a response) and raise relq.errors: NotAllowed (not an admin), NotFound, Conflict (the
round's state does not allow it: a closed round is read-only, 409), Invalid (a refused value,
`code` names the field).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from relq.audit.services import record
from relq.db import db, utcnow
from relq.enps.access import can_manage_rounds
from relq.enps.collect import reshuffle_answers
from relq.enps.models import (
    BAND_DIMENSIONS,
    KINDS,
    MIN_COMMENTS_FLOOR,
    MIN_GROUP_FLOOR,
    SurveyBand,
    SurveyFactor,
    SurveyInvitation,
    SurveyRound,
)
from relq.errors import Conflict, Invalid, NotAllowed, NotFound
from relq.forms import REFUSED_CHARACTERS
from relq.org.models import User
from relq.security import MAX_ID

# The six factor items of the issue: (code, Japanese, English). A code stays the same across
# rounds, so that a factor's trend and drivers can be followed from round to round.
DEFAULT_FACTORS: tuple[tuple[str, str, str], ...] = (
    ("meaningful_work", "やりがい", "Meaningful work"),
    ("relationships", "人間関係", "Relationships"),
    ("recognition_pay", "評価と報酬", "Recognition and pay"),
    ("growth", "成長機会", "Growth opportunities"),
    ("environment", "職場環境", "Work environment"),
    ("leadership_trust", "経営への信頼", "Trust in management"),
)
DEFAULT_BANDS: dict[str, tuple[tuple[str, str], ...]] = {
    "level": (
        ("一般", "Staff"),
        ("主任・係長", "Supervisor"),
        ("課長以上", "Manager and above"),
    ),
    "tenure": (
        ("1年未満", "Less than 1 year"),
        ("1〜3年", "1-3 years"),
        ("3〜10年", "3-10 years"),
        ("10年以上", "10 years or more"),
    ),
}

NAME_MAX = 120
ITEM_NAME_MAX = 80
MAX_FACTORS = 20
MAX_BANDS = 12
# A threshold an admin raises to this or beyond hides everything: refused as a typing error.
THRESHOLD_MAX = 1000
EDITABLE = ("draft",)


@dataclass
class RoundInput:
    """What an admin sets on a draft round. Factors are (Japanese, English) names in order;
    bands likewise per dimension ("level", "tenure")."""

    name: str
    kind: str
    period_start: date
    period_end: date
    min_group: int = MIN_GROUP_FLOOR
    min_comments: int = MIN_COMMENTS_FLOOR
    factors: list[tuple[str, str]] = field(
        default_factory=lambda: [(ja, en) for _code, ja, en in DEFAULT_FACTORS]
    )
    levels: list[tuple[str, str]] = field(default_factory=lambda: list(DEFAULT_BANDS["level"]))
    tenures: list[tuple[str, str]] = field(default_factory=lambda: list(DEFAULT_BANDS["tenure"]))


# ---- who may ----------------------------------------------------------------------------------


def _require_admin(actor: User) -> None:
    if not can_manage_rounds(actor):
        raise NotAllowed("not_allowed")


# ---- reading ----------------------------------------------------------------------------------


def get_round_or_404(round_id: int) -> SurveyRound:
    found = db.session.get(SurveyRound, round_id) if 0 < round_id <= MAX_ID else None
    if found is None:
        raise NotFound("round")
    return found


def rounds_newest_first() -> list[SurveyRound]:
    return list(
        db.session.scalars(
            select(SurveyRound).order_by(SurveyRound.period_start.desc(), SurveyRound.id.desc())
        )
    )


def invitation_counts(round_ids: list[int] | None = None) -> dict[int, tuple[int, int]]:
    """Per round: (invited, used). Counts only: no page shows who answered."""
    query = select(
        SurveyInvitation.round_id,
        func.count(),
        func.sum(func.cast(SurveyInvitation.used, db.Integer)),
    ).group_by(SurveyInvitation.round_id)
    if round_ids is not None:
        query = query.where(SurveyInvitation.round_id.in_(round_ids))
    return {
        round_id: (int(invited), int(used or 0))
        for round_id, invited, used in db.session.execute(query)
    }


def response_rate(invited: int, used: int) -> float | None:
    return round(100.0 * used / invited, 1) if invited else None


def items_of(survey_round: SurveyRound) -> dict[str, list[tuple[str, str]]]:
    """A round's factor items and bands as (Japanese, English) pairs: what a pulse round
    copies from an earlier one."""
    bands: dict[str, list[tuple[str, str]]] = {d: [] for d in BAND_DIMENSIONS}
    for band in survey_round.bands:
        bands[band.dimension].append((band.name_ja, band.name_en))
    return {
        "factors": [(f.name_ja, f.name_en) for f in survey_round.factors],
        "levels": bands["level"],
        "tenures": bands["tenure"],
    }


def items_of_defaults() -> dict[str, list[tuple[str, str]]]:
    """The items a new census round starts from: the issue's six factors and the usual bands."""
    return {
        "factors": [(ja, en) for _code, ja, en in DEFAULT_FACTORS],
        "levels": list(DEFAULT_BANDS["level"]),
        "tenures": list(DEFAULT_BANDS["tenure"]),
    }


def bands_of(survey_round: SurveyRound, dimension: str) -> list[SurveyBand]:
    return [b for b in survey_round.bands if b.dimension == dimension]


# ---- checking what an admin typed -------------------------------------------------------------


def _clean_text(value: str, code: str, limit: int, *, required: bool = True) -> str:
    value = (value or "").strip()
    if (required and not value) or len(value) > limit or REFUSED_CHARACTERS.search(value):
        raise Invalid(code)
    return value


def _clean_items(items: list[tuple[str, str]], code: str, limit: int) -> list[tuple[str, str]]:
    cleaned = []
    for ja, en in items:
        ja = _clean_text(ja, code, ITEM_NAME_MAX)
        en = _clean_text(en or ja, code, ITEM_NAME_MAX)
        cleaned.append((ja, en))
    if len(cleaned) > limit or len({ja for ja, _en in cleaned}) != len(cleaned):
        raise Invalid(code)
    return cleaned


def _check(data: RoundInput) -> RoundInput:
    name = _clean_text(data.name, "name", NAME_MAX)
    if data.kind not in KINDS:
        raise Invalid("kind")
    if not isinstance(data.period_start, date) or not isinstance(data.period_end, date):
        raise Invalid("period")
    if data.period_end < data.period_start:
        raise Invalid("period")
    if not MIN_GROUP_FLOOR <= data.min_group <= THRESHOLD_MAX:
        raise Invalid("min_group")
    if not MIN_COMMENTS_FLOOR <= data.min_comments <= THRESHOLD_MAX:
        raise Invalid("min_comments")
    factors = _clean_items(data.factors, "factors", MAX_FACTORS)
    levels = _clean_items(data.levels, "levels", MAX_BANDS)
    tenures = _clean_items(data.tenures, "tenures", MAX_BANDS)
    return RoundInput(
        name,
        data.kind,
        data.period_start,
        data.period_end,
        data.min_group,
        data.min_comments,
        factors,
        levels,
        tenures,
    )


_NOT_A_CODE = re.compile(r"[^a-z0-9]+")
_KNOWN_CODES = {ja: code for code, ja, _en in DEFAULT_FACTORS}


def factor_code(name_ja: str, name_en: str, position: int) -> str:
    """A factor's stable code: the issue's six keep theirs, others are made from the English
    name (so that the same item in two rounds has the same code)."""
    if name_ja in _KNOWN_CODES:
        return _KNOWN_CODES[name_ja]
    code = _NOT_A_CODE.sub("_", name_en.lower()).strip("_")[:32]
    return code or f"item_{position}"


def _set_items(survey_round: SurveyRound, data: RoundInput) -> None:
    """Replace the round's factors and bands (a draft round has no answers that refer to them)."""
    survey_round.factors.clear()
    survey_round.bands.clear()
    db.session.flush()
    codes: set[str] = set()
    for position, (ja, en) in enumerate(data.factors, start=1):
        code = factor_code(ja, en, position)
        if code in codes:
            code = f"{code[:28]}_{position}"
        codes.add(code)
        survey_round.factors.append(
            SurveyFactor(position=position, code=code, name_ja=ja, name_en=en)
        )
    for dimension, items in (("level", data.levels), ("tenure", data.tenures)):
        for position, (ja, en) in enumerate(items, start=1):
            survey_round.bands.append(
                SurveyBand(dimension=dimension, position=position, name_ja=ja, name_en=en)
            )


def _summary(survey_round: SurveyRound) -> dict:
    """What the audit trail keeps of a round: its settings and item names (never answers)."""
    return {
        "name": survey_round.name,
        "kind": survey_round.kind,
        "period_start": survey_round.period_start,
        "period_end": survey_round.period_end,
        "min_group": survey_round.min_group,
        "min_comments": survey_round.min_comments,
        "factors": [f.name_ja for f in survey_round.factors],
        "levels": [b.name_ja for b in bands_of(survey_round, "level")],
        "tenures": [b.name_ja for b in bands_of(survey_round, "tenure")],
    }


def _audit(action: str, survey_round: SurveyRound, actor: User, before=None, after=None) -> None:
    record(
        f"enps_round.{action}",
        actor=actor,
        entity_type="enps_round",
        entity_id=survey_round.id,
        before=before,
        after=after,
    )


# ---- the round's life -------------------------------------------------------------------------


def create_round(data: RoundInput, *, actor: User) -> SurveyRound:
    """A new draft round with its factor items and bands. Raises NotAllowed, Invalid."""
    _require_admin(actor)
    data = _check(data)
    survey_round = SurveyRound(
        name=data.name,
        kind=data.kind,
        status="draft",
        period_start=data.period_start,
        period_end=data.period_end,
        min_group=data.min_group,
        min_comments=data.min_comments,
        created_by_id=actor.id,
    )
    db.session.add(survey_round)
    _set_items(survey_round, data)
    db.session.flush()
    _audit("created", survey_round, actor, after=_summary(survey_round))
    return survey_round


def _require_state(survey_round: SurveyRound, *states: str) -> None:
    if survey_round.status not in states:
        raise Conflict("round_closed" if survey_round.is_closed else "round_state")


def update_round(survey_round: SurveyRound, data: RoundInput, *, actor: User) -> SurveyRound:
    """Change a draft round's settings, items and bands. Raises NotAllowed, Conflict (the
    round is open or closed), Invalid."""
    _require_admin(actor)
    _require_state(survey_round, *EDITABLE)
    data = _check(data)
    before = _summary(survey_round)
    survey_round.name = data.name
    survey_round.kind = data.kind
    survey_round.period_start = data.period_start
    survey_round.period_end = data.period_end
    survey_round.min_group = data.min_group
    survey_round.min_comments = data.min_comments
    _set_items(survey_round, data)
    db.session.flush()
    after = _summary(survey_round)
    changed = [k for k in after if after[k] != before[k]]
    if changed:
        _audit(
            "updated",
            survey_round,
            actor,
            before={k: before[k] for k in changed},
            after={k: after[k] for k in changed},
        )
    return survey_round


def open_round(survey_round: SurveyRound, *, actor: User) -> SurveyRound:
    """draft -> open: links may be sent and answered. Raises NotAllowed, Conflict."""
    _require_admin(actor)
    _require_state(survey_round, "draft")
    survey_round.status = "open"
    survey_round.opened_at = utcnow()
    db.session.flush()
    _audit("opened", survey_round, actor, before={"status": "draft"}, after={"status": "open"})
    return survey_round


def close_round(survey_round: SurveyRound, *, actor: User) -> SurveyRound:
    """open -> closed: no more answers, and the round is read-only from now on. On
    PostgreSQL its answers are rewritten in key order (collect.reshuffle_answers), so that
    nothing in the database keeps the order or the moment in which they came. Raises
    NotAllowed, Conflict."""

    _require_admin(actor)
    _require_state(survey_round, "open")
    survey_round.status = "closed"
    survey_round.closed_at = utcnow()
    db.session.flush()
    reshuffle_answers(survey_round)
    _audit("closed", survey_round, actor, before={"status": "open"}, after={"status": "closed"})
    return survey_round
