"""ISO 10002 (JIS Q 10002) §8.7 management review: a review of one period, and the decisions
and actions it takes, which the next review reads back ("effectiveness of earlier actions").

Statuses are data, kept beside the models; the service enforces them, the pages read them,
the database re-checks them (named CHECK constraints). Both tables carry a version column for
optimistic locking: an edit built on an older version is refused (409), keeping what was typed.
"""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from relq.db import UTCDateTime, db, utcnow
from relq.org.models import Department, User

REVIEW_STATUSES = {"draft": _l("Draft"), "held": _l("Held")}
# draft → held; a held review stays held (its minutes are the record).
REVIEW_NEXT = {"draft": ("draft", "held"), "held": ("held",)}
ACTION_STATUSES = {"open": _l("Open"), "done": _l("Done"), "cancelled": _l("Cancelled")}
DOCUMENT_STATUSES = {"pending": _l("Being prepared"), "ready": _l("Ready"), "failed": _l("Failed")}
PERIOD_KINDS = {
    "quarter": _l("Calendar quarter"),
    "fiscal_quarter": _l("Fiscal quarter (from April)"),
    "custom": _l("Custom period"),
}


class ManagementReview(db.Model):
    __tablename__ = "management_reviews"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'held')", name="status_known"),
        CheckConstraint(
            "period_kind IN ('quarter', 'fiscal_quarter', 'custom')", name="period_kind_known"
        ),
        CheckConstraint("period_end >= period_start", name="period_ordered"),
        CheckConstraint("status = 'draft' OR held_on IS NOT NULL", name="held_has_date"),
        Index("ix_management_reviews_period_start", "period_start"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    period_kind: Mapped[str] = mapped_column(String(16), default="quarter")
    # Office (Asia/Tokyo) dates, both included.
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(8), default="draft")
    held_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    attendees: Mapped[str] = mapped_column(Text, default="")
    # The review's conclusions (ISO 10002 §8.7: the outputs of the review), as minuted.
    conclusions: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}

    created_by: Mapped[User] = relationship()
    actions: Mapped[list[ReviewAction]] = relationship(
        back_populates="review", order_by="ReviewAction.id"
    )


class ReviewAction(db.Model):
    """A decision of a review: what is to be done, by which department, by when; optionally
    about one category (tag) or one surge (theme), whose figures the next review compares."""

    __tablename__ = "review_actions"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'done', 'cancelled')", name="status_known"),
        CheckConstraint("length(description) > 0", name="description_present"),
        Index("ix_review_actions_status_due_on", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(
        ForeignKey("management_reviews.id", ondelete="CASCADE"), index=True
    )
    description: Mapped[str] = mapped_column(Text)
    owner_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(12), default="open")
    tag_id: Mapped[int | None] = mapped_column(ForeignKey("tags.id"), nullable=True)
    surge_alert_id: Mapped[int | None] = mapped_column(ForeignKey("surge_alerts.id"), nullable=True)
    outcome: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}

    review: Mapped[ManagementReview] = relationship(back_populates="actions")
    owner_department: Mapped[Department] = relationship()
    tag = relationship("Tag")
    surge_alert = relationship("SurgeAlert")


class ReviewDocument(db.Model):
    """A review pack's PDF, rendered off the request path (relq.review.documents): one per review
    and language, rendered again on request. `topic_versions` are relq.cache's topic versions
    read before its figures were: while they are unchanged, the figures are too."""

    __tablename__ = "review_documents"
    __table_args__ = (
        UniqueConstraint("review_id", "locale"),
        CheckConstraint("status IN ('pending', 'ready', 'failed')", name="status_known"),
        CheckConstraint("status <> 'ready' OR pdf IS NOT NULL", name="ready_has_pdf"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("management_reviews.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(8), default="pending")
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    rendered_at = mapped_column(UTCDateTime, nullable=True)
    topic_versions: Mapped[dict] = mapped_column(JSON, default=dict)
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    error: Mapped[str] = mapped_column(String(200), default="")

    requested_by: Mapped[User] = relationship()
