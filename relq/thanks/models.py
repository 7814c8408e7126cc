"""Compliments passed on: to the department and the staff member the customer named, and to
everyone in the "thanks" feed. Only the words an operator chose to share are shown there,
never the customer's identity or the rest of the case."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from relq.db import UTCDateTime, db, utcnow
from relq.handoffs.models import Handoff
from relq.org.models import Department, User


class Compliment(db.Model):
    __tablename__ = "compliments"
    __table_args__ = (CheckConstraint("length(quote) > 0", name="quote_present"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    # The staff member named: a user when they are one, or just a name as the customer gave it.
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    staff_name: Mapped[str] = mapped_column(String(80), default="")
    quote: Mapped[str] = mapped_column(Text)
    shared_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    shared_at = mapped_column(UTCDateTime, default=utcnow, nullable=False, index=True)

    department: Mapped[Department] = relationship(lazy="joined")
    staff_user: Mapped[User | None] = relationship(foreign_keys=[staff_user_id], lazy="joined")


# The internal thank-yous of the feed: handoffs confirmed with a thank-you to the people who
# answered, newest first (with the department thanked, for the per-department counts), and
# newest first for one department thanked. Declared here, beside the feed that reads them, on
# the handoffs' table (migration 0012); partial, so they hold the thanked ones only.
THANKED_HANDOFFS = Index(
    "ix_handoffs_thanked_closed_at",
    Handoff.closed_at,
    Handoff.provider_department_id,
    sqlite_where=text("thanks <> ''"),
    postgresql_where=text("thanks <> ''"),
)
THANKED_HANDOFFS_OF_DEPARTMENT = Index(
    "ix_handoffs_thanked_provider_closed_at",
    Handoff.provider_department_id,
    Handoff.closed_at,
    sqlite_where=text("thanks <> ''"),
    postgresql_where=text("thanks <> ''"),
)
