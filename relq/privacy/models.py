"""Personal data under APPI: the office's policy (purpose of use, retention periods), the
requests of one customer (開示・訂正・利用停止・消去), what was anonymised (when, why) and the
log of who was shown whose personal data.

Kinds and statuses are data, kept here beside the models; the database re-checks them.
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
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from relq.cases.models import Customer
from relq.db import UTCDateTime, db, utcnow
from relq.org.models import User

# The requests APPI gives a person about their own data (arts. 33-35).
REQUEST_KINDS = {
    "disclose": _l("Disclosure (開示)"),
    "correct": _l("Correction (訂正)"),
    "stop_use": _l("Stop of use (利用停止)"),
    "erase": _l("Erasure (消去)"),
}
REQUEST_STATUSES = {
    "open": _l("Open"),
    "done": _l("Done"),
    "refused": _l("Refused"),
}
# Why a case's free text or a customer's contact data was removed.
ANONYMISED_BECAUSE = {
    "retention": _l("Retention period passed"),
    "request": _l("The customer's request"),
}
# APPI asks for a reply "without delay" (遅滞なく); the office's own target, in days.
REQUEST_DUE_DAYS = 14
# Where personal data was shown (the read log's `place`).
READ_PLACES = {
    "case_page": _l("Case page"),
    "customer_page": _l("Customer's data (privacy)"),
    "export": _l("Disclosure export"),
    "search": _l("Customer search"),
}
# Days kept when no setting was ever saved: three years after the case closed, for both.
DEFAULT_CONTACT_DAYS = 3 * 365
DEFAULT_TEXT_DAYS = 3 * 365
DEFAULT_ATTACHMENT_DAYS = 365
MAX_RETENTION_DAYS = 100 * 365
PURPOSE_MAX = 5000


def _in(column: str, codes) -> str:
    return f"{column} IN ({', '.join(repr(c) for c in codes)})"


class PrivacyPolicy(db.Model):
    """The office's one policy row (id 1): the purpose of use in both languages and how long
    each kind of personal data is kept after its case closed (None: kept without limit)."""

    __tablename__ = "privacy_policy"
    __table_args__ = (
        CheckConstraint("id = 1", name="one_row"),
        CheckConstraint(
            f"contact_days IS NULL OR contact_days BETWEEN 1 AND {MAX_RETENTION_DAYS}",
            name="contact_days_range",
        ),
        CheckConstraint(
            f"text_days IS NULL OR text_days BETWEEN 1 AND {MAX_RETENTION_DAYS}",
            name="text_days_range",
        ),
        CheckConstraint(
            f"attachment_days IS NULL OR attachment_days BETWEEN 1 AND {MAX_RETENTION_DAYS}",
            name="attachment_days_range",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    purpose_ja: Mapped[str] = mapped_column(Text, default="")
    purpose_en: Mapped[str] = mapped_column(Text, default="")
    contact_days: Mapped[int | None] = mapped_column(Integer)
    text_days: Mapped[int | None] = mapped_column(Integer)
    attachment_days: Mapped[int | None] = mapped_column(Integer)
    updated_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class PrivacyRequest(db.Model):
    """One request of a customer about their own data, tracked like a case."""

    __tablename__ = "privacy_requests"
    __table_args__ = (
        CheckConstraint(_in("kind", REQUEST_KINDS), name="kind_known"),
        CheckConstraint(_in("status", REQUEST_STATUSES), name="status_known"),
        CheckConstraint("due_on >= received_on", name="due_after_received"),
        CheckConstraint("(status = 'open') = (handled_at IS NULL)", name="closed_has_handled_at"),
        Index("ix_privacy_requests_status_due_on", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(8), default="open")
    received_on = mapped_column(Date, nullable=False)
    due_on = mapped_column(Date, nullable=False)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    handled_at = mapped_column(UTCDateTime, nullable=True)
    outcome: Mapped[str] = mapped_column(Text, default="")

    customer: Mapped[Customer] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    handled_by: Mapped[User | None] = relationship(foreign_keys=[handled_by_id])


class CaseAnonymisation(db.Model):
    """A case whose free text was removed (its statistics kept). Its presence also opens the
    audit trail's one narrow door: the before/after values of this case's events may be
    redacted (migration 0025's trigger), nothing else of them."""

    __tablename__ = "case_anonymisations"
    __table_args__ = (CheckConstraint(_in("reason", ANONYMISED_BECAUSE), name="reason_known"),)

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    anonymised_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    reason: Mapped[str] = mapped_column(String(12))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("privacy_requests.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class CustomerErasure(db.Model):
    """A customer whose name, e-mail and phone were removed. The row of `customers` stays
    (empty), so that statistics about repeat customers still count one person once."""

    __tablename__ = "customer_erasures"
    __table_args__ = (CheckConstraint(_in("reason", ANONYMISED_BECAUSE), name="reason_known"),)

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), primary_key=True)
    erased_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    reason: Mapped[str] = mapped_column(String(12))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("privacy_requests.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class PersonalDataRead(db.Model):
    """Someone was shown a customer's personal data: who, whose, where, when, from which
    address. Append-only by use (nothing updates it); not an audit event, because reading is
    not a change, and it is written outside the request's transaction (see reads.py)."""

    __tablename__ = "personal_data_reads"
    __table_args__ = (
        CheckConstraint(_in("place", READ_PLACES), name="place_known"),
        Index("ix_personal_data_reads_customer_id_at", "customer_id", "at"),
        Index("ix_personal_data_reads_user_id_at", "user_id", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at = mapped_column(UTCDateTime, default=utcnow, nullable=False, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    place: Mapped[str] = mapped_column(String(16))
    address: Mapped[str | None] = mapped_column(String(45))
    # For a search: how many customers it showed (the words searched are not kept).
    found: Mapped[int | None] = mapped_column(SmallInteger)

    user: Mapped[User] = relationship(lazy="joined")
