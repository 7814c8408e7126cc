"""The escalation board's bulk decision, in a browser: an executive selects two rows and
closes them with one recorded decision; the third row stays."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import select

from relq.escalations.models import Escalation
from relq.escalations.services import raise_escalation
from tests.browser.test_intake_flow import log_in
from tests.factories import make_case

DECISION = "両案件とも品質保証部の調査結果を承認し、お客様への補償で収束とする。"


def test_executive_closes_two_rows_with_one_decision(page: Page, org, session):
    cases = [
        make_case(org.operator, department=org.qa, subject=subject, customer_words=words)
        for subject, words in (
            ("電気ケトルから煙", "使っていたら電源部から煙が出ました。"),
            ("パンに異物", "パンの中に金属片のような異物が入っていました。"),
            ("配送の遅れ", "注文した商品がまだ届きません。"),
        )
    ]
    raise_escalation(cases[2], "repeat_customer", detail="3")
    session.commit()

    log_in(page, org.executive)
    page.locator("header nav a[href='/escalations/']").click()
    board = page.get_by_test_id("escalations")
    for case in cases:
        expect(page.get_by_test_id(f"row-case-{case.id}")).to_be_visible()
    page.get_by_test_id(f"select-case-{cases[0].id}").check()
    page.get_by_test_id(f"select-case-{cases[1].id}").check()
    page.locator("input[name=outcome][value=resolved]").check()
    page.locator("textarea[name=decision]").fill(DECISION)
    page.get_by_test_id("close-selected").click()

    expect(page.locator(".flash-success")).to_contain_text("2")
    expect(board.get_by_test_id(f"row-case-{cases[0].id}")).to_have_count(0)
    expect(board.get_by_test_id(f"row-case-{cases[1].id}")).to_have_count(0)
    expect(board.get_by_test_id(f"row-case-{cases[2].id}")).to_be_visible()

    session.commit()
    closed = session.scalars(
        select(Escalation).where(Escalation.case_id.in_([cases[0].id, cases[1].id]))
    ).all()
    assert len(closed) == 2
    assert {(e.outcome, e.decision, e.closed_by_id) for e in closed} == {
        ("resolved", DECISION, org.executive.id)
    }
    still = session.scalars(select(Escalation).where(Escalation.case_id == cases[2].id)).all()
    assert [e.closed_at for e in still] == [None]
