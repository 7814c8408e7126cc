"""CSAT surveys: one per closed case, from the moment the case closed to the customer's answer.

A survey row is made when its case closes (if the customer has an e-mail address and has not
opted out) and waits `pending` until it is due (RELQ_CSAT_DELAY_HOURS after closing); the
clock's tick then sends it: a one-time token is made, only its sha256 digest is stored, and the
link goes out by e-mail. A case reopened before that cancels it; closed again, it waits again.
Once sent, it is answered at most once, before `expires_at`. The department and channel are
those of the case when it closed, so that the results do not move when a case is rerouted later.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from relq.cases.models import Case
from relq.db import UTCDateTime, db, utcnow

STATES = {
    "pending": _l("Waiting to be sent"),
    "sent": _l("Sent"),
    "answered": _l("Answered"),
    "cancelled": _l("Cancelled (case reopened)"),
    "failed": _l("Could not be sent"),
}
# The question's five answers, worded for the customer (1 = very dissatisfied).
SCORES = {
    1: _l("Very dissatisfied"),
    2: _l("Dissatisfied"),
    3: _l("Neither"),
    4: _l("Satisfied"),
    5: _l("Very satisfied"),
}
# A score counted as satisfied in the CSAT share (the 4-5 share, as Zendesk and Qualtrics count).
SATISFIED_FROM = 4
LANGUAGES = {"ja": _l("Japanese"), "en": _l("English")}
COMMENT_MAX = 2000
MAX_SEND_ATTEMPTS = 3


class CsatSurvey(db.Model):
    __tablename__ = "csat_surveys"
    __table_args__ = (
        CheckConstraint(
            "state IN ('pending', 'sent', 'answered', 'cancelled', 'failed')", name="state_known"
        ),
        CheckConstraint("language IN ('ja', 'en')", name="language_known"),
        CheckConstraint("score IS NULL OR score BETWEEN 1 AND 5", name="score_range"),
        CheckConstraint("(state = 'answered') = (score IS NOT NULL)", name="answered_has_score"),
        # Sent (or answered) exactly when it has its link's digest, its sending time and week
        # and its expiry: the results count sent surveys by their week or time alone.
        CheckConstraint(
            "(state IN ('sent', 'answered')) = (token_digest IS NOT NULL AND sent_at IS NOT NULL "
            "AND expires_at IS NOT NULL AND week_start IS NOT NULL)",
            name="sent_has_link",
        ),
        CheckConstraint("attempts >= 0", name="attempts_counted"),
        # The results read (week, department, channel, state, score) from this index alone, and
        # the case door (relq/csat/results.py) the case from it too.
        Index(
            "ix_csat_surveys_week_start_department_id",
            "week_start",
            "department_id",
            "channel",
            "state",
            "score",
            "case_id",
        ),
        # satisfaction(start, end): a period in time, from this index alone.
        Index(
            "ix_csat_surveys_sent_at_department_id",
            "sent_at",
            "department_id",
            "channel",
            "state",
            "score",
        ),
        # The newest comments, newest first: a walk that stops at the page's limit.
        Index(
            "ix_csat_surveys_commented_answered_at",
            "answered_at",
            sqlite_where=text("state = 'answered' AND comment <> ''"),
            postgresql_where=text("state = 'answered' AND comment <> ''"),
        ),
        Index("ix_csat_surveys_state_due_at", "state", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # One survey per case, ever: a case closed twice is not asked twice.
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    channel: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(2), default="ja")
    state: Mapped[str] = mapped_column(String(12), default="pending")
    closed_at = mapped_column(UTCDateTime, nullable=False)
    due_at = mapped_column(UTCDateTime, nullable=False)
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    token_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    sent_at = mapped_column(UTCDateTime, nullable=True)
    # The Monday (Asia/Tokyo) of the week it was sent: the results' week.
    week_start = mapped_column(Date, nullable=True)
    expires_at = mapped_column(UTCDateTime, nullable=True)
    answered_at = mapped_column(UTCDateTime, nullable=True)
    score: Mapped[int | None] = mapped_column(SmallInteger)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    case: Mapped[Case] = relationship()

    def is_open_at(self, now) -> bool:
        return self.state == "sent" and self.expires_at is not None and now < self.expires_at
