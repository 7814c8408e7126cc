"""The deadline flow in a real browser: the admin tightens a policy, a lead reads the clock
on the case page and the attainment chart."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from relq.db import transaction, utcnow
from tests.browser.test_intake_flow import log_in, log_out
from tests.factories import make_case

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("RELQ_SCREENSHOTS")  # a folder: save what the test saw


def shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def test_policy_clock_and_attainment(page: Page, org, session):
    log_in(page, org.admin)
    page.goto("/admin/deadlines")
    page.get_by_test_id("policy-1").get_by_role("link").click()
    page.locator("#warn_hours").fill("2")  # longer than the acknowledgement: refused
    page.locator("form.policy-form button[type=submit]").click()
    expect(page.get_by_test_id("duration-warn").locator(".error")).to_be_visible()
    shot(page, "policy_form_error")
    page.locator("#warn_hours").fill("0")
    page.locator("#warn_minutes").fill("20")
    page.locator("form.policy-form button[type=submit]").click()
    expect(page.get_by_test_id("policy-1")).to_contain_text("20")
    shot(page, "policies")
    log_out(page)

    with transaction():  # a fresh write transaction, after what the browser did
        late = make_case(org.operator, department=org.qa, received_at=utcnow() - timedelta(days=20))
        make_case(org.operator, department=org.qa, severity=1)
    log_in(page, org.lead_qa)
    page.goto(f"/cases/{late.id}")
    panel = page.get_by_test_id("case-deadlines")
    expect(panel.get_by_test_id("deadline-first_response")).to_have_class(
        "deadline deadline-overdue"
    )
    shot(page, "case_panel")
    page.goto("/deadlines/")
    expect(page.get_by_test_id("attainment-filter")).to_have_count(0)
    shot(page, "attainment")
