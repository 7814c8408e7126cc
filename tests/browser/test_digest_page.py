"""The weekly digest in a browser: an executive's first page after logging in, the summary's
links jump to their evidence, a print leaves the menus out, and the page fits a 390 px phone."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from relq.db import utcnow
from relq.digest import services
from relq.digest.week import IsoWeek
from relq.thanks.models import Compliment
from tests.browser.test_intake_flow import log_in
from tests.factories import make_case

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _a_week_of_cases(org, session):
    week = IsoWeek.last_complete(utcnow())
    start, _end = week.bounds()
    products = ("電気ケトル KT-200 (ステンレス)", "冷凍パスタ ボロネーゼ 2人前", "")
    for i in range(12):
        make_case(
            org.operator,
            department=(org.qa, org.logistics)[i % 2],
            kind=("complaint", "inquiry", "request")[i % 3],
            channel=("phone", "email", "web", "social")[i % 4],
            received_at=start + timedelta(hours=5 + 11 * i),
            product=products[i % 3],
            subject="配送が遅れている件について長めの件名を書いておく（改行の確認）",
            customer_words="山田様より：注文番号 12345678 の荷物が届かない。090-1234-5678 に連絡を。",
        )
    make_case(org.operator, received_at=start - timedelta(days=3), kind="complaint")
    compliment = make_case(
        org.operator, kind="compliment", received_at=start + timedelta(days=2), subject="丁寧な対応"
    )
    session.add(
        Compliment(
            case_id=compliment.id,
            department_id=org.cs.id,
            staff_user_id=org.operator2.id,
            quote="電話の方がとても親切でした。",
            shared_by_id=org.operator.id,
            shared_at=start + timedelta(days=2, hours=3),
        )
    )
    session.flush()
    services.build(week.previous(), None)
    session.commit()
    return week


def test_an_executive_reads_the_digest_at_desktop_and_phone_width(page: Page, org, session):
    week = _a_week_of_cases(org, session)
    # The first digest of a process loads GiNZA and the chart fonts (a few seconds): done here,
    # in the server's process, so that the login's redirect is not what waits for it.
    services.charts(services.compute(week, None), "ja")
    session.rollback()
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, org.executive)
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/digest/$"))
    expect(page.get_by_test_id("digest-title")).to_contain_text(str(week))
    summary = page.get_by_test_id("digest-summary")
    expect(summary.locator("li").first).to_contain_text("13 件")
    count = summary.locator("li").count()
    assert 5 <= count <= 8
    # The first sentence's evidence is the volume section, just below.
    summary.locator("a.evidence").first.click()
    expect(page).to_have_url(re.compile(r"#volume$"))
    expect(page.get_by_test_id("digest-volume")).to_be_in_viewport()
    expect(page.get_by_test_id("digest-days").locator("tr.total")).to_contain_text("13")
    assert page.locator("#volume svg").count() >= 2
    # The customers' words are quoted without names, phone or order numbers.
    body = page.locator(".digest-body").inner_text()
    assert "山田" not in body and "090-1234" not in body and "12345678" not in body
    expect(page.get_by_test_id("digest-thanks")).to_contain_text("田中 健")
    expect(page.get_by_test_id("digest-enps")).to_contain_text(
        "締め切られたサーベイはまだありません"
    )
    expect(page.get_by_test_id("digest-diff")).to_contain_text(str(week.previous()))

    # Printed: the menus and the week's navigation are left out.
    page.emulate_media(media="print")
    expect(page.locator("header.topbar")).to_be_hidden()
    expect(page.locator(".digest-nav")).to_be_hidden()
    page.emulate_media(media="screen")

    # At 390 px nothing is wider than the screen.
    page.set_viewport_size(PHONE)
    for path in ("/digest/", f"/digest/{week}", "/digest/archive"):
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} is {width} px wide"
    page.goto("/digest/")
    expect(page.get_by_test_id("digest-summary")).to_be_visible()
