"""Customer-harassment mode (カスタマーハラスメント), after the MHLW manual for employers.

The record sits beside the case; its details are for the staff member's side only (the
operator, their lead, executives and admins: `access.can_read_harassment`). A flagged case
never counts against the operator's performance figures.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from relq.db import UTCDateTime, db, utcnow
from relq.org.models import User

BEHAVIOURS = {
    "abusive_language": _l("Abusive language"),
    "threats": _l("Threats or intimidation"),
    "excessive_demands": _l("Excessive demands"),
    "prolonged_contact": _l("Prolonged contact"),
    "repeated_contact": _l("Repeated contact"),
    "sns_exposure": _l("Exposure on social media"),
    "personal_attacks": _l("Personal attacks"),
    "sexual_harassment": _l("Sexual harassment"),
    "confinement": _l("Confinement (not letting staff leave)"),
    "violence": _l("Violence"),
}
# The MHLW manual's two questions: is the demand itself valid, is the manner acceptable?
ASSESSMENTS = {"yes": _l("Yes"), "no": _l("No"), "unclear": _l("Not yet clear")}
ACTIONS = {
    "end_contact": _l("Contact ended"),
    "warning": _l("Warning given"),
    "police": _l("Police consulted"),
    "lawyer": _l("Lawyer consulted"),
    "block": _l("Further contact refused"),
}

# The record's fields as people read them (the 5W1H facts first, then quotes and evidence).
FIELD_LABELS = {
    "behaviours": _l("What the customer did"),
    "demand_valid": _l("Is the demand itself valid?"),
    "manner_acceptable": _l("Is the manner of the demand acceptable?"),
    "fact_when": _l("When"),
    "fact_where": _l("Where (channel, place)"),
    "fact_who": _l("Who (customer side and staff side)"),
    "fact_what": _l("What happened"),
    "fact_why": _l("Why (the reason the customer gave)"),
    "fact_how": _l("How (tone, length, frequency)"),
    "quotes": _l("The customer's words, verbatim"),
    "evidence": _l("Evidence (recordings, e-mails, screenshots: where they are kept)"),
    "actions": _l("What was done"),
}


class HarassmentReport(db.Model):
    __tablename__ = "harassment_reports"
    __table_args__ = (
        CheckConstraint(
            "demand_valid IS NULL OR demand_valid IN ('yes', 'no', 'unclear')",
            name="demand_valid_known",
        ),
        CheckConstraint(
            "manner_acceptable IS NULL OR manner_acceptable IN ('yes', 'no', 'unclear')",
            name="manner_acceptable_known",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    flagged_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    flagged_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    # The staff member who bore it (usually the operator who flagged it).
    staff_member_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    behaviours: Mapped[list[Any]] = mapped_column(JSON, default=list)
    demand_valid: Mapped[str | None] = mapped_column(String(8))
    manner_acceptable: Mapped[str | None] = mapped_column(String(8))
    # The facts in 5W1H, with the customer's words quoted verbatim.
    fact_when: Mapped[str] = mapped_column(Text, default="")
    fact_where: Mapped[str] = mapped_column(Text, default="")
    fact_who: Mapped[str] = mapped_column(Text, default="")
    fact_what: Mapped[str] = mapped_column(Text, default="")
    fact_why: Mapped[str] = mapped_column(Text, default="")
    fact_how: Mapped[str] = mapped_column(Text, default="")
    quotes: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[str] = mapped_column(Text, default="")
    actions: Mapped[list[Any]] = mapped_column(JSON, default=list)
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}

    flagged_by: Mapped[User] = relationship(foreign_keys=[flagged_by_id], lazy="joined")
    staff_member: Mapped[User] = relationship(foreign_keys=[staff_member_id], lazy="joined")


class StaffFollowUp(db.Model):
    """Care for the staff member: a conversation with them, recorded."""

    __tablename__ = "staff_follow_ups"
    __table_args__ = (CheckConstraint("length(body) > 0", name="body_present"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("harassment_reports.id"), index=True)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    held_at = mapped_column(UTCDateTime, nullable=False)
    body: Mapped[str] = mapped_column(Text)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    recorded_by: Mapped[User] = relationship(lazy="joined")
