from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from relq.db import UTCDateTime, db, utcnow

STATES = ("pending", "done", "failed")
# Not (yet) analysed: what search still finds by substring (a short list an index serves).
NOT_ANALYSED = ("pending", "failed")


class CaseAnalysis(db.Model):
    """What the NLP read in one case. Kept apart from the case itself so that the worker
    writing it never bumps the case's version under a person editing it."""

    __tablename__ = "case_analyses"
    __table_args__ = (
        CheckConstraint("state IN ('pending', 'done', 'failed')", name="state_known"),
        CheckConstraint("language IS NULL OR language IN ('ja', 'en')", name="language_known"),
        Index("ix_case_analyses_state", "state"),
    )

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    state: Mapped[str] = mapped_column(String(8), default="pending")
    language: Mapped[str | None] = mapped_column(String(2))
    # The customer's voice (subject, words, remedy): content lemmas and key phrases.
    lemmas: Mapped[str] = mapped_column(Text, default="")
    keyphrases: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # The front line's own observations (気づき): a source of themes of their own.
    observation_keyphrases: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # Everything searchable (the voice, the product, every note), as space-separated words.
    search_text: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(255))
    requested_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    analysed_at = mapped_column(UTCDateTime, nullable=True)
