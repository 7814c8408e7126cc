"""eNPS survey rounds: what is asked, who was invited, what was answered, what was decided.

Anonymity is a property of the schema, not only of the pages:
- an invitation (one per employee) holds a digest of its one-time token, its recipient and a
  `used` flag, and nothing else: no time, no response id;
- a response holds no user, no token, no address and no time finer than its round; its key
  is random (`new_response_id`), so neither the key nor the rows' order follows submission;
- the respondent's department, job level and tenure are coarse bands the respondent chooses
  (or the imported file gives), never copied from the invitation.
Every figure shown from responses passes the anonymity gate (relq/enps/gate.py).
"""

from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from relq.db import UTCDateTime, db, utcnow
from relq.org.models import Department, User

KINDS = {"census": _l("Census"), "pulse": _l("Pulse")}
ROUND_STATUSES = {"draft": _l("Draft"), "open": _l("Open"), "closed": _l("Closed")}
BAND_DIMENSIONS = {"level": _l("Job level"), "tenure": _l("Tenure")}
PLAN_STATUSES = {
    "planned": _l("Planned"),
    "in_progress": _l("In progress"),
    "done": _l("Done"),
    "dropped": _l("Dropped"),
}
SOURCES = {"link": _l("Survey link"), "import": _l("Imported file")}

# The gate's floors (relq/enps/gate.py): an admin may raise a round's thresholds, never lower
# them below these.
MIN_GROUP_FLOOR = 5
MIN_COMMENTS_FLOOR = 10

# 0..10: detractors 0-6, passives 7-8, promoters 9-10.
PROMOTER_FROM, PASSIVE_FROM = 9, 7


def new_response_id() -> int:
    """A random positive 63-bit key: responses are neither numbered nor ordered by arrival."""
    return secrets.randbelow(2**63 - 1) + 1


class SurveyRound(db.Model):
    __tablename__ = "enps_rounds"
    __table_args__ = (
        CheckConstraint("kind IN ('census', 'pulse')", name="kind_known"),
        CheckConstraint("status IN ('draft', 'open', 'closed')", name="status_known"),
        CheckConstraint(f"min_group >= {MIN_GROUP_FLOOR}", name="min_group_floor"),
        CheckConstraint(f"min_comments >= {MIN_COMMENTS_FLOOR}", name="min_comments_floor"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(8), default="census")
    status: Mapped[str] = mapped_column(String(8), default="draft")
    # The round's period: the only time a response carries (through its round).
    period_start = mapped_column(Date, nullable=False)
    period_end = mapped_column(Date, nullable=False)
    min_group: Mapped[int] = mapped_column(SmallInteger, default=MIN_GROUP_FLOOR)
    min_comments: Mapped[int] = mapped_column(SmallInteger, default=MIN_COMMENTS_FLOOR)
    opened_at = mapped_column(UTCDateTime, nullable=True)
    closed_at = mapped_column(UTCDateTime, nullable=True)
    # The employees' results page: company-level results and the measures decided.
    published_at = mapped_column(UTCDateTime, nullable=True)
    published_message: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    factors: Mapped[list[SurveyFactor]] = relationship(
        back_populates="round", order_by="SurveyFactor.position", cascade="all, delete-orphan"
    )
    bands: Mapped[list[SurveyBand]] = relationship(
        back_populates="round",
        order_by="(SurveyBand.dimension, SurveyBand.position)",
        cascade="all, delete-orphan",
    )

    @property
    def is_closed(self) -> bool:
        return self.status == "closed"


class SurveyFactor(db.Model):
    """A 1-5 factor item of a round (やりがい, 人間関係, ...), editable per round."""

    __tablename__ = "enps_factors"
    __table_args__ = (
        UniqueConstraint("round_id", "code"),
        UniqueConstraint("round_id", "position"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("enps_rounds.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(SmallInteger)
    code: Mapped[str] = mapped_column(String(32))
    name_ja: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80))

    round: Mapped[SurveyRound] = relationship(back_populates="factors")

    def name_for(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_ja


class SurveyBand(db.Model):
    """One band of a coarse attribute (job level or tenure), editable per round."""

    __tablename__ = "enps_bands"
    __table_args__ = (
        CheckConstraint("dimension IN ('level', 'tenure')", name="dimension_known"),
        UniqueConstraint("round_id", "dimension", "position"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("enps_rounds.id", ondelete="CASCADE"))
    dimension: Mapped[str] = mapped_column(String(8))
    position: Mapped[int] = mapped_column(SmallInteger)
    name_ja: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80))

    round: Mapped[SurveyRound] = relationship(back_populates="bands")

    def name_for(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_ja


class SurveyInvitation(db.Model):
    """One employee's one-time link. Only a digest of the token is kept (the link itself is
    shown or mailed once), and only whether it was used, never when or for what."""

    __tablename__ = "enps_invitations"
    __table_args__ = (UniqueConstraint("round_id", "recipient_email"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("enps_rounds.id", ondelete="CASCADE"), index=True
    )
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    recipient_email: Mapped[str] = mapped_column(String(254))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    used: Mapped[bool] = mapped_column(Boolean, default=False)


class SurveyResponse(db.Model):
    """One anonymous answer. See the module's docstring for what it must never hold."""

    __tablename__ = "enps_responses"
    __table_args__ = (
        CheckConstraint("score BETWEEN 0 AND 10", name="score_range"),
        CheckConstraint("source IN ('link', 'import')", name="source_known"),
        # The trend's and the department tables' GROUP BY, read from the index alone
        # (relq/enps/gate.py, migration 0018); its order is the answers' values, never arrival.
        Index("ix_enps_responses_round_department_score", "round_id", "department_id", "score"),
        # SQLite: no hidden rowid counting the answers in the order they came (migration 0017).
        {"sqlite_with_rowid": False},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("enps_rounds.id", ondelete="CASCADE"), index=True
    )
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    level_band_id: Mapped[int | None] = mapped_column(ForeignKey("enps_bands.id"), nullable=True)
    tenure_band_id: Mapped[int | None] = mapped_column(ForeignKey("enps_bands.id"), nullable=True)
    score: Mapped[int] = mapped_column(SmallInteger)
    reason: Mapped[str] = mapped_column(Text, default="")
    # The reason's content words (relq.nlp), filled off the request path, for comment themes.
    reason_terms: Mapped[str | None] = mapped_column(Text, nullable=True)
    source: Mapped[str] = mapped_column(String(8), default="link")

    department: Mapped[Department] = relationship()


class FactorAnswer(db.Model):
    __tablename__ = "enps_factor_answers"
    __table_args__ = (
        CheckConstraint("value BETWEEN 1 AND 5", name="value_range"),
        {"sqlite_with_rowid": False},
    )

    response_id: Mapped[int] = mapped_column(
        ForeignKey("enps_responses.id", ondelete="CASCADE"), primary_key=True
    )
    factor_id: Mapped[int] = mapped_column(
        ForeignKey("enps_factors.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    value: Mapped[int] = mapped_column(SmallInteger)


class ActionPlan(db.Model):
    """What a department decided to do about its round's results: written by its lead, read
    by executives, shown in the next round beside the change in the department's score."""

    __tablename__ = "enps_action_plans"
    __table_args__ = (
        CheckConstraint(
            "status IN ('planned', 'in_progress', 'done', 'dropped')", name="status_known"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("enps_rounds.id", ondelete="CASCADE"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    issue: Mapped[str] = mapped_column(Text)
    measure: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    due_on = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(12), default="planned")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False)

    round: Mapped[SurveyRound] = relationship()
    department: Mapped[Department] = relationship()
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
