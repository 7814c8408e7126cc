from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from relq.db import UTCDateTime, db, utcnow

ALERT_KINDS = {"surge": _l("Surge"), "new": _l("New theme")}
# How precisely an alert names what the customers bought: a model number (KT-200), a product
# without one (冷凍パスタ ボロネーゼ), a family (電気ケトル: every model of it), or nothing
# (a problem across products, such as late deliveries).
PRODUCT_LEVELS = {
    "model": _l("Model"),
    "product": _l("Product"),
    "family": _l("Product family"),
    "all": _l("All products"),
}
PROBLEM_KINDS = {"tag": _l("Tag"), "phrase": _l("Phrase")}


class SurgeAlert(db.Model):
    """A product's problem that grew beyond its trailing baseline (or appeared from nothing) in
    the week ending on `week_end`: 「KT-200 · 蓋: 9 件 (週平均 0.5 件)」. One alert per key and
    week: detection is idempotent. `case_ids` are exactly the cases counted."""

    __tablename__ = "surge_alerts"
    __table_args__ = (
        UniqueConstraint("key", "week_end"),
        CheckConstraint("kind IN ('surge', 'new')", name="kind_known"),
        CheckConstraint("observed >= 0 AND expected >= 0", name="counts_positive"),
        CheckConstraint(
            "product_level IN ('model', 'product', 'family', 'all')", name="product_level_known"
        ),
        CheckConstraint("problem_kind IN ('tag', 'phrase')", name="problem_kind_known"),
        CheckConstraint("keys_tested >= 0", name="keys_tested_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # "model:KT-200|tag:quality.defect", "all|phrase:配送" (relq.themes.surges.SurgeKey)
    key: Mapped[str] = mapped_column(String(300))
    label: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(8))
    product_level: Mapped[str] = mapped_column(String(8), default="all")
    # The product as the alert names it ("" for all products).
    product: Mapped[str] = mapped_column(String(120), default="")
    problem_kind: Mapped[str] = mapped_column(String(8), default="phrase")
    # A tag code or a key phrase.
    problem: Mapped[str] = mapped_column(String(120), default="")
    week_end = mapped_column(Date, nullable=False)
    observed: Mapped[int] = mapped_column(Integer)
    expected: Mapped[float] = mapped_column(Float)
    p_value: Mapped[float] = mapped_column(Float)
    # How many keys were tried that week: the multiple-testing correction's family.
    keys_tested: Mapped[int] = mapped_column(Integer, default=0)
    case_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    # Management marks an alert seen; the escalation issue will attach escalations to it.
    seen_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    seen_at = mapped_column(UTCDateTime, nullable=True)

    @property
    def week_start(self):
        return self.week_end - timedelta(days=6)

    @property
    def ratio(self) -> float:
        return self.observed / self.expected if self.expected else float("inf")


class GenericPhrase(db.Model):
    """A phrase this installation hears in most weeks (ディーラー at a car maker, 配送 at a
    mail-order shop): it names no surge. Learned from the installation's own history and
    relearned daily (relq.themes.surges.learn_generic_phrases)."""

    __tablename__ = "surge_generic_phrases"
    __table_args__ = (
        UniqueConstraint("phrase"),
        CheckConstraint("weeks_present >= 0 AND weeks_present <= weeks", name="weeks_valid"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    phrase: Mapped[str] = mapped_column(String(120))
    weeks_present: Mapped[int] = mapped_column(Integer)
    weeks: Mapped[int] = mapped_column(Integer)
    learned_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
