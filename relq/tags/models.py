from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from relq.db import UTCDateTime, db, utcnow
from relq.org.models import User

TAG_STATES = {
    "suggested": _l("Suggested"),
    "accepted": _l("Accepted"),
    "rejected": _l("Rejected"),
}
TAG_SOURCES = {"rule": _l("Trigger phrase"), "model": _l("Learned"), "manual": _l("Added by hand")}


class Tag(db.Model):
    """A category (parent_id None) or a tag inside one. Cases carry tags, not categories,
    unless a category has no tags of its own."""

    __tablename__ = "tags"
    __table_args__ = (
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
        CheckConstraint("length(code) BETWEEN 2 AND 64", name="code_length"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("tags.id"), index=True)
    name_ja: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80))
    # Phrases or synonyms, in dictionary or inflected form, Japanese or English.
    triggers: Mapped[list[Any]] = mapped_column(JSON, default=list)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    parent: Mapped[Tag | None] = relationship(remote_side=[id], lazy="joined", join_depth=1)

    def name_for(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_ja

    def label_for(self, locale: str) -> str:
        if self.parent is None:
            return self.name_for(locale)
        return f"{self.parent.name_for(locale)} › {self.name_for(locale)}"


class CaseTag(db.Model):
    """A tag on a case: suggested (by a trigger phrase or the model), then accepted or
    rejected by a person; or added by hand (accepted at once)."""

    __tablename__ = "case_tags"
    __table_args__ = (
        UniqueConstraint("case_id", "tag_id"),
        CheckConstraint("state IN ('suggested', 'accepted', 'rejected')", name="state_known"),
        CheckConstraint("source IN ('rule', 'model', 'manual')", name="source_known"),
        CheckConstraint("source <> 'manual' OR state <> 'suggested'", name="manual_is_decided"),
        CheckConstraint(
            "confidence IS NULL OR (confidence >= 0 AND confidence <= 1)", name="confidence_range"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id"), index=True)
    state: Mapped[str] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(String(8))
    confidence: Mapped[float | None] = mapped_column(Float)
    # Why it was suggested: the trigger phrases found, or the words that weighed most.
    reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at = mapped_column(UTCDateTime, nullable=True)

    tag: Mapped[Tag] = relationship(lazy="joined")
    case = relationship("Case")
    decided_by: Mapped[User | None] = relationship()
