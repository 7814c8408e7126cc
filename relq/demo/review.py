"""The demo's management review: last quarter's review, held two weeks into this quarter with
two actions (one about the KT-200 lid's category, one about late deliveries, already done),
and a draft review of this quarter, whose pack reads those actions back (「これまでの処置の
有効性」). Written through the review's services, so every step is audited."""

from __future__ import annotations

from datetime import datetime, timedelta

from relq.deadlines.calendar import OFFICE_TZ
from relq.org.models import Department, User
from relq.review.models import ManagementReview
from relq.review.periods import quarter_of
from relq.review.services import (
    ActionInput,
    ReviewRecord,
    add_action,
    start_review,
    update_review,
)
from relq.tags.models import Tag


def _title(period) -> str:
    year, number = period.quarter
    return f"{year}年 第{number}四半期 マネジメントレビュー"


def load_demo_review(
    departments: dict[str, Department], users: list[User], now: datetime
) -> tuple[ManagementReview, ManagementReview]:
    from sqlalchemy import select

    from relq.db import db

    executive = next(u for u in users if u.role == "executive")
    today = now.astimezone(OFFICE_TZ).date()
    this = quarter_of(today)
    last = this.previous()
    tags = {t.code: t.id for t in db.session.scalars(select(Tag))}
    held = start_review(executive, last, title=_title(last))
    update_review(
        executive,
        held,
        ReviewRecord(
            title=_title(last),
            status="held",
            held_on=min(this.start + timedelta(days=14), today),
            attendees="山口（経営企画室）、品質保証部長、物流部長、お客様相談室長、情報システム部（事務局）",
            conclusions=(
                "電気ケトル KT-200 の蓋の不具合が増えている。品質保証部が原因を調べ、次回までに"
                "設計変更の要否を報告する。配送遅延は物流部が集荷便を見直す。"
            ),
        ),
        expected_version=held.version,
    )
    add_action(
        executive,
        held,
        ActionInput(
            description="KT-200 の蓋ロックの不具合: 原因を調べ、設計変更の要否を報告する",
            owner_department_id=departments["qa"].id,
            due_on=this.start + timedelta(days=60),
            tag_id=tags.get("quality.defect"),
        ),
    )
    add_action(
        executive,
        held,
        ActionInput(
            description="配送遅延: 配送業者との集荷時刻を見直す",
            owner_department_id=departments["logistics"].id,
            due_on=this.start + timedelta(days=30),
            status="done",
            tag_id=tags.get("delivery.late"),
            outcome="夕方の集荷を 1 便増やした",
        ),
    )
    draft = start_review(executive, this, title=_title(this))
    return held, draft
