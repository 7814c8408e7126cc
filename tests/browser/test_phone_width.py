"""relq at phone width (390 px, an iPhone's): the pages people work from every day fit the
screen, read as cards, and keep their main action within reach (issue 13: the list was 682 px
wide with subjects one character per line, the case page 441 px)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from relq.escalations.services import raise_escalation
from relq.handoffs.services import request_handoff
from tests.browser.test_intake_flow import log_in, log_out
from tests.factories import make_case

PHONE = {"width": 390, "height": 844}
SUBJECT = "電気ケトル KT-200 の蓋が勝手に開いて熱湯がこぼれた"


def _fits(page: Page, path: str) -> None:
    page.goto(path)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{path} is {width} px wide"


def _subject_reads_as_a_line(page: Page, text: str) -> None:
    """A subject wraps by words, not one character per line: its box is most of the width."""
    box = page.get_by_text(text).first.bounding_box()
    assert box is not None and box["width"] > 250, box


@pytest.fixture
def phone(page: Page) -> Page:
    page.set_viewport_size(PHONE)
    return page


def test_every_role_works_at_phone_width(phone: Page, org, session):
    case = make_case(org.operator, department=org.qa, subject=SUBJECT, severity=2)
    raise_escalation(case, "repeat_customer", detail="3")
    request_handoff(
        actor=org.operator,
        provider_department_id=org.qa.id,
        ask="同じロットの検査記録を確認してください",
        case=case,
    )
    session.commit()

    # The operator: the list, the case page, the request to another department.
    log_in(phone, org.operator)
    for path in ("/cases/", f"/cases/{case.id}", "/handoffs/", "/cases/new"):
        _fits(phone, path)
    phone.goto("/cases/")
    _subject_reads_as_a_line(phone, SUBJECT)
    phone.goto(f"/cases/{case.id}")
    expect(phone.get_by_role("heading", level=1)).to_contain_text("KT-200")
    log_out(phone)

    # The lead: the inbox as cards, one tap to acknowledge; the case page's steps.
    log_in(phone, org.lead_qa)
    _fits(phone, "/inbox/")
    _subject_reads_as_a_line(phone, SUBJECT)
    acknowledge = phone.get_by_test_id(f"acknowledge-{case.id}")
    expect(acknowledge).to_be_visible()
    box = acknowledge.bounding_box()
    assert box is not None and box["x"] + box["width"] <= PHONE["width"]
    acknowledge.click()
    _fits(phone, f"/cases/{case.id}")
    _fits(phone, "/handoffs/")
    log_out(phone)

    # The executive: the escalation board as cards, its rows selectable.
    log_in(phone, org.executive)
    _fits(phone, "/escalations/")
    _subject_reads_as_a_line(phone, SUBJECT)
    expect(
        phone.get_by_test_id("escalations").locator("input[type=checkbox]").first
    ).to_be_visible()
    for path in ("/themes/", "/deadlines/", "/audit/"):
        _fits(phone, path)
