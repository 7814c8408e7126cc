"""Reading the cases in a browser: the operator accepts a suggested tag and routes by the
rule that caught it; an executive sees the recurring theme and the surge alert."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import Page, expect

from relq.db import db, transaction, utcnow
from relq.routing.services import RuleInput, save_rule
from relq.tags.models import CaseTag
from relq.themes.services import record_surges
from tests.browser.test_intake_flow import log_in, log_out
from tests.factories import make_case
from tests.themes.test_surges import _ordinary_weeks

KETTLE = [
    "電気ケトルの蓋がロックされず、熱湯がこぼれそうになった。",
    "ケトルの蓋のロックがかからない。注ぐと蓋が開いてしまう。",
    "電気ケトルを傾けたら蓋が開いた。ロックが壊れているのではないか。",
]


def test_tags_themes_and_alerts(page: Page, org, app, session):
    app.config["ANALYSIS_QUEUE"] = "inline"
    with transaction():
        save_rule(
            RuleInput("返金は物流部へ", org.logistics.id, {"tags": ["billing.refund"]}),
            actor=org.admin,
        )
    with transaction():
        refund = make_case(
            org.operator,
            subject="返金のお願い",
            customer_words="届いた商品が壊れていた。返金してほしい。",
            remedy_requested="",
        )
    # An office's ordinary weeks (other products, other problems) and, in them, one kettle
    # complaint a week; then a surge of one model's lid complaints this week (a surge is a
    # rise in the share of the week's cases, and names the model).
    _ordinary_weeks(org, weeks=range(0, 9), per_week=6)
    for week in range(1, 9):
        with transaction():
            make_case(
                org.operator,
                department=org.qa,
                subject="ケトル",
                customer_words=KETTLE[week % 3],
                product="電気ケトル KT-200",
                received_at=utcnow() - timedelta(days=7 * week + 2),
            )
    for k in range(9):
        with transaction():
            make_case(
                org.operator,
                department=org.qa,
                subject="ケトル",
                customer_words=KETTLE[k % 3],
                product="電気ケトル KT-200",
                received_at=utcnow() - timedelta(days=k % 6, hours=1),
            )
    with transaction():
        record_surges()
    session.commit()

    # The refund case was read, tagged, and routed by the rule on its tag.
    log_in(page, org.operator)
    page.goto(f"/cases/{refund.id}")
    expect(page.get_by_test_id("department")).to_contain_text("物流部")
    expect(page.get_by_text("振り分けルール「返金は物流部へ」による")).to_be_visible()
    page.get_by_test_id("tag-accept-billing.refund").click()
    expect(page.get_by_test_id("tag-remove-billing.refund")).to_be_visible()
    session.rollback()
    tag = db.session.scalar(
        db.select(CaseTag).where(CaseTag.case_id == refund.id, CaseTag.state == "accepted")
    )
    assert tag is not None and tag.decided_by_id == org.operator.id
    log_out(page)

    # The executive reads the themes and the surge.
    log_in(page, org.executive)
    page.goto("/themes/")
    expect(page.get_by_test_id("alerts")).to_be_visible()
    expect(page.get_by_test_id("alerts")).to_contain_text("急増")
    themes = page.get_by_test_id("themes")
    expect(themes).to_contain_text("蓋")
    # A theme's link lists exactly the cases it counts; the alert names the model.
    themes.get_by_test_id("theme-link").first.click()
    expect(page.get_by_test_id("theme-count")).to_contain_text(re.compile(r"[1-9]\d* 件"))
    expect(page.get_by_test_id("member-cases").locator("tr[data-case-id]")).not_to_have_count(0)
    page.goto("/themes/")
    page.get_by_test_id("alert-link").first.click()
    expect(page.get_by_test_id("alert-facts")).to_contain_text("KT-200")
    expect(page.get_by_test_id("member-cases").locator("tr[data-case-id]")).to_have_count(9)
