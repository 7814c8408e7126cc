"""The intake flow as people do it in a browser: the operator logs a Japanese complaint,
finds it again, logs out; another department cannot see it; the owner acknowledges it."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlalchemy import select

from relq.cases.models import Case
from tests.factories import PASSWORD, make_case

SUBJECT = "電気ケトルの蓋が閉まらない"
CUSTOMER_WORDS = (
    "先週買った電気ケトルの蓋が、カチッと閉まらなくなりました。"
    "お湯を沸かすと蓋の隙間から蒸気が漏れて、手にかかりそうで怖いです。"
    "小さい子どもがいるので、安心して使える物に交換してほしいです。"
)
OBSERVATION = "同じ型番の蓋の不具合の問い合わせは今週3件目。ヒンジ部分の成形不良かもしれない。"
REF = re.compile(r"C-\d{4}-\d{6}")
CASE_URL = re.compile(r"/cases/(\d+)$")
LOGIN_URL = re.compile(r"/login(\?.*)?$")


def log_in(page: Page, user) -> None:
    page.goto("/login")
    page.locator("input[name=email]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form").get_by_role("button").click()
    expect(page.get_by_test_id("logout")).to_be_visible()


def log_out(page: Page) -> None:
    page.get_by_test_id("logout").click()
    expect(page).to_have_url(LOGIN_URL)
    expect(page.get_by_test_id("logout")).to_have_count(0)


def test_operator_logs_a_complaint_and_its_owner_acknowledges_it(page: Page, org, session):
    # Another case already on file, so that the list and its search have something to leave out.
    other = make_case(org.operator, department=org.logistics, subject="配送が予定より3日遅れた")
    session.commit()

    # 1. The operator logs in.
    log_in(page, org.operator)
    expect(page.locator("html")).to_have_attribute("lang", "ja")

    # 2. Takes in the complaint and saves it with a double click.
    page.goto("/cases/new")
    page.locator("select[name=kind]").select_option("complaint")
    page.locator("select[name=channel]").select_option("phone")
    page.locator("select[name=severity]").select_option("2")
    page.locator("input[name=product]").fill("電気ケトル KT-1200")
    page.locator("input[name=subject]").fill(SUBJECT)
    page.locator("textarea[name=customer_words]").fill(CUSTOMER_WORDS)
    page.locator("textarea[name=remedy_requested]").fill("交換")
    page.locator("input[name=customer_name]").fill("山田 花子")
    page.locator("input[name=customer_phone]").fill("090-1234-5678")
    page.locator("textarea[name=observation]").fill(OBSERVATION)
    page.locator("select[name=responsible_department_id]").select_option(label="品質保証部")
    page.get_by_test_id("save-case").dblclick()

    expect(page).to_have_url(CASE_URL)
    case_url = page.url
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text(REF)
    expect(heading).to_contain_text(SUBJECT)
    ref = REF.search(heading.inner_text()).group(0)
    expect(page.get_by_test_id("customer-words")).to_have_text(CUSTOMER_WORDS)
    expect(page.get_by_test_id("department")).to_have_text("品質保証部")
    expect(page.get_by_text("交換", exact=True)).to_be_visible()
    expect(page.get_by_text("山田 花子", exact=True)).to_be_visible()

    # 3. Finds it in the list by its reference, then by a word of the subject, and opens it.
    page.locator("header nav a[href='/cases/']").click()
    expect(page).to_have_url(re.compile(r"/cases/$"))
    expect(page.locator("table.cases tbody tr")).to_have_count(2)
    expect(page.get_by_role("link", name=ref, exact=True)).to_be_visible()
    search = page.locator("input[name=q]")
    search.fill("ケトル")
    search.press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]q=%E3%82%B1%E3%83%88%E3%83%AB"))
    expect(page.locator("table.cases tbody tr")).to_have_count(1)
    expect(page.get_by_test_id("case-count")).to_have_text(re.compile(r"(^|\D)1(\D|$)"))
    expect(page.get_by_role("link", name=other.ref)).to_have_count(0)
    page.get_by_role("link", name=ref, exact=True).click()
    expect(page).to_have_url(case_url)
    expect(page.get_by_test_id("customer-words")).to_have_text(CUSTOMER_WORDS)

    # 4. The double click made one case, not two.
    session.commit()  # end the test's read transaction: see what the server wrote
    cases = session.scalars(select(Case).where(Case.subject == SUBJECT)).all()
    assert len(cases) == 1
    case = cases[0]
    assert case.ref == ref
    assert case.responsible_department_id == org.qa.id
    assert (case.kind, case.channel, case.severity) == ("complaint", "phone", 2)
    assert case.status == "routed"

    # 5. Logs out: neither the back button nor the address bar shows the case any more.
    log_out(page)
    page.go_back()
    expect(page).to_have_url(LOGIN_URL)
    expect(page.get_by_text(SUBJECT)).to_have_count(0)
    page.goto(case_url)
    expect(page).to_have_url(LOGIN_URL)
    expect(page.get_by_text(SUBJECT)).to_have_count(0)

    # 6. The logistics lead may not see it: a 404, and not in their list or its search.
    log_in(page, org.lead_logistics)
    response = page.goto(case_url)
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("404")
    expect(page.get_by_text(SUBJECT)).to_have_count(0)
    page.goto("/cases/?scope=all")
    expect(page.get_by_role("link", name=other.ref, exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=ref)).to_have_count(0)
    expect(page.get_by_text(SUBJECT)).to_have_count(0)
    search = page.locator("input[name=q]")
    search.fill(ref)
    search.press("Enter")
    expect(page.locator("table.cases tbody tr")).to_have_count(0)
    log_out(page)

    # 7. The quality-assurance lead opens it and acknowledges it.
    log_in(page, org.lead_qa)
    response = page.goto(case_url)
    assert response is not None and response.status == 200
    status = page.get_by_test_id("status")
    expect(status.locator(".badge")).to_have_class(re.compile(r"\bstatus-routed\b"))
    before = status.inner_text()
    page.get_by_test_id("transition-acknowledge").click()
    expect(status.locator(".badge")).to_have_class(re.compile(r"\bstatus-acknowledged\b"))
    expect(status).not_to_have_text(before)
    expect(page).to_have_url(case_url)
    expect(page.get_by_test_id("transition-acknowledge")).to_have_count(0)
    session.commit()
    session.refresh(case)
    assert case.status == "acknowledged"


def test_language_switch_sticks_for_a_logged_in_user(page: Page, org, session):
    log_in(page, org.operator)
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "ja")
    switch = page.get_by_test_id("language-switch")
    expect(switch).to_have_text("English")

    switch.click()
    expect(html).to_have_attribute("lang", "en")
    expect(switch).to_have_text("日本語")
    page.reload()
    expect(html).to_have_attribute("lang", "en")
    page.goto("/cases/new")
    expect(html).to_have_attribute("lang", "en")

    session.commit()
    session.refresh(org.operator)
    assert org.operator.locale == "en"
