"""The demo's review: last quarter's held review with its two actions, and this quarter's draft,
whose pack (page and PDF) prints over the demo's cases and reads those actions back."""

from __future__ import annotations

import io

from pypdf import PdfReader
from sqlalchemy import select

from relq.db import db, transaction
from relq.demo.loader import load_demo
from relq.review.models import ManagementReview
from relq.review.pack import CURRENT, review_pack
from relq.review.periods import of_review


def test_the_demo_quarter_prints(app, login_as):
    app.config["DEMO_PASSWORD"] = "demo password"
    with transaction():
        users = load_demo(n_cases=160)
    held, draft = db.session.scalars(
        select(ManagementReview).order_by(ManagementReview.period_start)
    ).all()
    assert held.status == "held" and held.held_on is not None and len(held.actions) == 2
    assert draft.status == "draft" and draft.period_start > held.period_end
    executive = next(u for u in users if u.role == "executive")
    pack = review_pack(executive, of_review(draft))
    assert pack.received.current > 0
    assert sum(c.decided for c in pack.clocks[CURRENT].values()) > 0
    effects = pack.effects
    assert len(effects) == 2 and all(e.before is not None for e in effects)
    c = login_as(executive, "demo password")
    page = c.get(f"/reviews/{draft.id}")
    assert page.status_code == 200
    assert "KT-200 の蓋ロックの不具合" in page.get_data(as_text=True)
    c.post(f"/reviews/{draft.id}/pdf", {}, token_from=f"/reviews/{draft.id}")
    pdf = c.get(f"/reviews/{draft.id}/pdf")
    assert pdf.status_code == 200
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert draft.title in text and "これまでの処置の有効性" in text
