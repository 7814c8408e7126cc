"""The owning department's answer to the front line: 受領 / 対応予定 / 対応済 / 対応しない.

Each answer is one row, written with the lifecycle transition that carries it (see
`Transition.answer` in relq.cases.models); the latest row is the department's current answer
and the operator who logged the case reads it on the case page.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from relq.db import UTCDateTime, db, utcnow
from relq.org.models import Department, User

ANSWERS = {
    "acknowledged": _l("Acknowledged (受領)"),
    "planned": _l("Planned (対応予定)"),
    "done": _l("Done (対応済)"),
    "declined": _l("Not acting (対応しない)"),
}


class DepartmentAnswer(db.Model):
    __tablename__ = "department_answers"
    __table_args__ = (
        CheckConstraint(
            "answer IN ('acknowledged', 'planned', 'done', 'declined')", name="answer_known"
        ),
        CheckConstraint("answer <> 'planned' OR planned_for IS NOT NULL", name="plan_has_date"),
        CheckConstraint(
            "answer NOT IN ('done', 'declined') OR length(body) > 0", name="answer_explained"
        ),
        Index("ix_department_answers_case_id_answered_at", "case_id", "answered_at"),
        Index("ix_department_answers_department_id_answered_at", "department_id", "answered_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    answer: Mapped[str] = mapped_column(String(16))
    planned_for = mapped_column(Date, nullable=True)
    body: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    department: Mapped[Department] = relationship(lazy="joined")
    answered_by: Mapped[User | None] = relationship(lazy="joined")
