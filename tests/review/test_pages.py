"""The review's pages as each role gets them, the PDF (Japanese text extractable), the
optimistic lock (409 keeping what was typed), and bad input refused with nothing saved."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from relq.db import db
from relq.review.models import ManagementReview, ReviewAction
from relq.review.periods import quarter_number
from relq.review.services import ActionInput, add_action, start_review
from tests.review.fixture import build


@pytest.fixture
def review(org, session):
    build(org)
    made = start_review(org.executive, quarter_number(2026, 2), title="2026年 第2四半期レビュー")
    add_action(org.executive, made, ActionInput("蓋の検査を強化する", org.qa.id, date(2026, 9, 30)))
    session.commit()
    return made


def _count(model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def test_pack_page_for_management_only(org, login_as, review):
    page = login_as(org.executive).get(f"/reviews/{review.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "2026年 第2四半期レビュー" in text
    assert "蓋の検査を強化する" in text
    assert "<svg" in text  # the charts beside their tables
    assert "調査データ" in text or "No survey data" in text
    for user in (org.operator, org.lead_qa, org.lead_cs):
        assert login_as(user).get(f"/reviews/{review.id}").status_code == 403
        assert login_as(user).get(f"/reviews/{review.id}/pdf").status_code == 403
    assert login_as(org.admin).get("/reviews/actions").status_code == 200
    assert login_as(org.admin).get("/reviews/999999").status_code == 404


def test_pdf_has_extractable_japanese(org, login_as, review):
    c = login_as(org.executive)
    url = f"/reviews/{review.id}/pdf"
    # Not prepared yet: the page says so (GET renders nothing and writes nothing).
    assert c.get(url).status_code == 302
    assert c.post(url, {}, token_from=f"/reviews/{review.id}").status_code == 302
    response = c.get(url)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "2026年 第2四半期レビュー" in text
    assert "蓋の検査を強化する" in text
    assert "苦情" in text
    fonts = {
        str(font.get("/BaseFont"))
        for page in reader.pages
        for font in (page["/Resources"].get("/Font") or {}).values()
        for font in [font.get_object()]
    }
    assert any("IPAexGothic" in name for name in fonts), fonts
    page = c.get(f"/reviews/{review.id}").get_data(as_text=True)
    assert "PDF を開く" in page and "変わりました" not in page
    # A change to the figures' data (a new case in the quarter) makes the stored PDF out of date.
    from tests.review.fixture import jst, neutral_case

    neutral_case(org, received_at=jst(2026, 5, 5, 10))
    db.session.commit()
    page = c.get(f"/reviews/{review.id}").get_data(as_text=True)
    assert "変わりました" in page
    assert c.get(url).data == response.data  # still served, as prepared


def test_new_review_for_a_quarter_and_bad_periods(org, login_as):
    c = login_as(org.admin)
    response = c.post(
        "/reviews/",
        {"period_kind": "fiscal_quarter", "year": "2026", "quarter": "1", "title": ""},
        token_from="/reviews/",
    )
    assert response.status_code == 302
    made = db.session.scalars(select(ManagementReview)).one()
    assert (made.period_start, made.period_end, made.status) == (
        date(2026, 4, 1),
        date(2026, 6, 30),
        "draft",
    )
    assert made.title == "2026年度 第1四半期"
    refused = [
        {"period_kind": "custom", "start": "2026-05-10", "end": "2026-05-01"},
        {"period_kind": "custom", "start": "2024-01-01", "end": "2026-01-01"},
        {"period_kind": "quarter", "year": "2026", "quarter": "2", "title": "x" * 201},
        {"period_kind": "quarter", "year": "2026", "quarter": "2", "title": "表題\x00"},
        {"period_kind": "quarter", "year": "99999", "quarter": "2"},
        {"period_kind": "weekly", "year": "2026", "quarter": "2"},
    ]
    for data in refused:
        response = c.post("/reviews/", data, token_from="/reviews/")
        assert response.status_code == 422, data
    page = c.post("/reviews/", refused[0], token_from="/reviews/").get_data(as_text=True)
    assert "期間の終わりが始まりより前です" in page
    assert _count(ManagementReview) == 1


def test_stale_edit_answers_409_keeping_what_was_typed(org, login_as, review):
    first, second = login_as(org.executive), login_as(org.admin)
    url = f"/reviews/{review.id}/edit"
    version = review.version
    form = {
        "version": str(version),
        "title": review.title,
        "status": "held",
        "held_on": "2026-07-15",
        "attendees": "社長、品質保証部長",
        "conclusions": "蓋の不具合を最優先とする",
    }
    assert first.post(url, form, token_from=url).status_code == 302
    mine = dict(form, attendees="井上、山口", conclusions="別の結論")
    response = second.post(url, mine, token_from=url)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "別の結論" in page  # what was typed is kept
    assert "蓋の不具合を最優先とする" in page  # and what is saved now is shown
    db.session.rollback()
    saved = db.session.get(ManagementReview, review.id)
    assert saved.attendees == "社長、品質保証部長" and saved.status == "held"
    # A held review cannot go back to draft.
    back = dict(form, version=str(saved.version), status="draft")
    assert second.post(url, back, token_from=url).status_code == 409


def test_action_edit_lock_and_bad_input(org, login_as, review):
    action = db.session.scalars(select(ReviewAction)).one()
    c = login_as(org.executive)
    url = f"/reviews/actions/{action.id}/edit"
    form = {
        "version": str(action.version),
        "description": "蓋の検査を強化する",
        "owner_department_id": str(org.qa.id),
        "due_on": "2026-09-30",
        "status": "done",
        "tag_id": "0",
        "surge_alert_id": "0",
        "outcome": "検査工程を追加した",
    }
    assert c.post(url, form, token_from=url).status_code == 302
    stale = dict(form, status="cancelled", outcome="取りやめ")
    response = c.post(url, stale, token_from=url)
    assert response.status_code == 409
    assert "取りやめ" in response.get_data(as_text=True)
    fresh = db.session.get(ReviewAction, action.id)
    db.session.refresh(fresh)
    for bad in (
        {"description": "あ" * 2001},
        {"description": "制御\x07文字"},
        {"description": ""},
        {"owner_department_id": "999999"},
        {"tag_id": "999999"},
        {"status": "someday"},
        {"due_on": "2026-02-30"},
    ):
        response = c.post(url, dict(form, version=str(fresh.version), **bad), token_from=url)
        assert response.status_code == 422, bad
    db.session.rollback()
    kept = db.session.get(ReviewAction, action.id)
    assert (kept.status, kept.outcome) == ("done", "検査工程を追加した")
    add_url = f"/reviews/{review.id}/actions/new"
    assert c.post(add_url, dict(form, description="x\x00"), token_from=add_url).status_code == 422
    assert _count(ReviewAction) == 1


def test_review_changes_are_audited(org, review):
    from relq.audit.models import AuditEvent

    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"management_review.created", "review_action.created"} <= actions
