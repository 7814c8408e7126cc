"""The loop closing, in a browser: the owning department's lead answers a routed case from
the inbox (対応しない, with the reason), the operator who logged it reads that answer, and an
executive decides the product-safety escalation the case raised."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlalchemy import select

from relq.answers.models import DepartmentAnswer
from relq.escalations.models import Escalation
from tests.browser.test_intake_flow import log_in, log_out
from tests.factories import make_case

SUBJECT = "電気ケトルの電源部から煙"
REASON = "ご指摘の型番は販売元の回収対象で、当部ではなく営業部が回収窓口です。"
DECISION = "同型番の在庫を出荷停止とし、回収の告知を来週までに出す。"


def test_lead_answers_operator_reads_executive_decides(page: Page, org, session):
    case = make_case(
        org.operator,
        department=org.qa,
        subject=SUBJECT,
        customer_words="使っていたら電源部から煙が出ました。怖くて使えません。",
    )
    session.commit()

    # 1. The QA lead sees it waiting in the inbox (with the count in the menu) and opens it.
    log_in(page, org.lead_qa)
    expect(page.get_by_test_id("badge-answers.index")).to_have_text("1")
    page.locator("header nav a[href='/inbox/']").click()
    inbox = page.get_by_test_id("inbox")
    expect(inbox.get_by_role("link", name=case.ref)).to_be_visible()
    inbox.get_by_role("link", name=case.ref).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(SUBJECT)

    # 2. Answers 対応しない with the reason, which the form requires: the step opens its field
    #    on demand (the side of the page is a row of steps, not a wall of empty boxes).
    expect(page.locator("#reason-decline")).to_be_hidden()
    page.get_by_test_id("step-decline").locator("summary").click()
    page.locator("#reason-decline").fill(REASON)
    page.get_by_test_id("transition-decline").click()
    answer = page.get_by_test_id("department-answer")
    expect(answer.get_by_test_id("answer-code")).to_contain_text("対応しない")
    expect(answer.get_by_test_id("answer-body")).to_have_text(REASON)
    expect(page.get_by_test_id("status").locator(".badge")).to_have_class(
        re.compile(r"\bstatus-received\b")
    )
    log_out(page)

    # 3. The operator who logged it reads the answer in their feed and on the case.
    log_in(page, org.operator)
    page.locator("header nav a[href='/inbox/answers']").click()
    feed = page.get_by_test_id("answers")
    expect(feed).to_contain_text(REASON)
    feed.get_by_role("link", name=case.ref).click()
    expect(page.get_by_test_id("answer-body")).to_have_text(REASON)
    log_out(page)

    # 4. The executive finds the product-safety escalation on the board and decides it.
    log_in(page, org.executive)
    page.locator("header nav a[href='/escalations/']").click()
    board = page.get_by_test_id("escalations")
    expect(board.get_by_role("link", name=case.ref)).to_be_visible()
    board.get_by_test_id("escalation-safety").click()
    expect(page.get_by_test_id("escalation-detail")).to_contain_text("煙")
    page.get_by_label("対応を指示").check()
    page.locator("textarea[name=decision]").fill(DECISION)
    page.get_by_test_id("close-escalation").click()
    expect(page.get_by_test_id("decision")).to_have_text(DECISION)
    expect(page.get_by_test_id("close-escalation")).to_have_count(0)

    session.commit()
    answers = session.scalars(
        select(DepartmentAnswer).where(DepartmentAnswer.case_id == case.id)
    ).all()
    assert [(a.answer, a.body) for a in answers] == [("declined", REASON)]
    escalation = session.scalar(
        select(Escalation).where(Escalation.case_id == case.id, Escalation.reason == "safety")
    )
    assert (escalation.outcome, escalation.decision) == ("action_ordered", DECISION)
