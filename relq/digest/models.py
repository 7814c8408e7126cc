"""The archived digest: one immutable snapshot per ISO week and scope (the company, or one
department), holding the numbers and the texts as they were built and sent."""

from __future__ import annotations

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from relq.db import UTCDateTime, db, utcnow
from relq.org.models import Department

# The snapshot's data format; a page reads older formats as they were written.
DATA_VERSION = 1


class DigestSnapshot(db.Model):
    """Written once by relq.digest.services.build and never changed: a digest reads the same
    next year, whatever happens to its cases afterwards. `data` holds every section's numbers,
    the verbatims already scrubbed, and the summary sentences in "ja" and "en"."""

    __tablename__ = "digest_snapshots"
    __table_args__ = (
        # The company's digest has no department; NULLs are distinct in a UNIQUE constraint on
        # both databases, so `scope` ("company" or the department's id) carries the uniqueness.
        UniqueConstraint("week", "scope"),
        Index("ix_digest_snapshots_department_id_week", "department_id", "week"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    week: Mapped[str] = mapped_column(String(8))  # "2026-W48"
    scope: Mapped[str] = mapped_column(String(16))  # "company" or str(department_id)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    built_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    data: Mapped[dict] = mapped_column(JSON)

    department: Mapped[Department | None] = relationship()

    @staticmethod
    def scope_of(department_id: int | None) -> str:
        return "company" if department_id is None else str(department_id)

    def __repr__(self) -> str:
        return f"<DigestSnapshot {self.week} {self.scope}>"
