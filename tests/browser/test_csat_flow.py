"""A customer answers on a phone: a case is closed, the survey's link arrives by e-mail; the
customer (not logged in, 390 px wide) answers 5 with a comment, is thanked, and says "do not ask
me again"; the same link is then refused kindly. The QA lead reads the answer on /csat/."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from relq.db import transaction
from tests.browser.test_intake_flow import log_in
from tests.csat.conftest import closed_case, customer_mail, link_of, surveys
from tests.notify.conftest import smtp  # noqa: F401 (a real SMTP sink)


def test_a_customer_answers_on_a_phone(page: Page, app, org, session, smtp):  # noqa: F811
    app.config.update(CSAT_DELAY_HOURS=0)  # the survey goes when the case closes
    with transaction():
        case = closed_case(org)
        ref = case.ref
    [(_rcpt, mail)] = customer_mail(smtp)
    token = link_of(mail)
    session.commit()

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/csat/s/{token}")
    expect(page.get_by_test_id("csat-survey")).to_contain_text(ref)
    expect(page.get_by_test_id("csat-score")).to_contain_text("とても満足")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_test_id("csat-score-5").check()
    page.locator("textarea[name=comment]").fill("説明がとても分かりやすかったです。")
    page.get_by_test_id("csat-send").click()
    expect(page.get_by_test_id("csat-thanks")).to_contain_text("ありがとうございました")
    page.get_by_test_id("csat-opt-out-button").click()
    expect(page.get_by_test_id("csat-opted-out")).to_contain_text("今後はお送りしません")
    page.goto(f"/csat/s/{token}")
    expect(page.get_by_test_id("csat-refused")).to_contain_text("ご回答はすでにいただいています")
    session.rollback()  # a new transaction: what the browser's requests committed
    [survey] = surveys()
    assert (survey.score, survey.comment) == (5, "説明がとても分かりやすかったです。")
    assert case.customer.survey_opt_out is True

    page.set_viewport_size({"width": 1200, "height": 900})
    log_in(page, org.lead_qa)
    page.goto("/csat/")
    expect(page.get_by_test_id("csat-comments")).to_contain_text(
        "説明がとても分かりやすかったです。"
    )
    expect(page.get_by_test_id(f"row-{org.qa.id}-phone")).to_contain_text("100%")
