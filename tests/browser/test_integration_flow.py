"""The integration work as people use it in a browser, in Japanese, at desktop and phone width:
an operator makes an API token and a program logs a case with it; the privacy officer erases
that customer on request from a phone; an executive starts a management review and gets its
PDF."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect
from sqlalchemy import select

from relq.cases.models import Case, Customer
from tests.api.test_cases_api import NEW_CASE
from tests.browser.test_intake_flow import log_in, log_out

DESKTOP = {"width": 1200, "height": 900}
PHONE = {"width": 390, "height": 844}
SUBJECT = "API から登録: 冷蔵庫が冷えない"
CUSTOMER_NAME = "山田 花子"
CUSTOMER_EMAIL = "hanako.integration@example.jp"
BODY = NEW_CASE | {
    "subject": SUBJECT,
    "customer": {"name": CUSTOMER_NAME, "email": CUSTOMER_EMAIL},
}
REF = re.compile(r"C-\d{4}-\d{6}")


def fits_phone(page: Page) -> None:
    """The page needs no sideways scrolling at 390 px."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} is {width}px wide at 390px"


def test_token_api_case_erasure_and_management_review(page: Page, org, session):
    session.commit()

    # 1. The operator (desktop) makes a read-and-write token and reads its secret once.
    page.set_viewport_size(DESKTOP)
    log_in(page, org.operator)
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    page.goto("/settings/api-tokens/")
    form = page.get_by_test_id("token-form")
    form.locator("input[name=name]").fill("curl")
    form.locator("input[name=scope][value=read_write]").check()
    form.get_by_role("button").click()
    expect(page.get_by_test_id("new-token")).to_be_visible()
    secret = page.get_by_test_id("token-secret").input_value().strip()
    assert secret.startswith("relq_")
    expect(page.get_by_test_id("token-list")).to_contain_text("curl")
    expect(page.get_by_test_id("token-list")).to_contain_text("読み取りと書き込み")
    page.set_viewport_size(PHONE)  # the page with the secret, on a phone
    fits_phone(page)
    page.set_viewport_size(DESKTOP)

    # ... a program uses it against the live server (no session cookie counts there).
    bearer = {"Authorization": f"Bearer {secret}"}
    listed = page.request.get("/api/v1/cases", headers=bearer)
    assert listed.status == 200, listed.text()
    assert listed.headers["content-type"].startswith("application/json")
    assert listed.json()["items"] == []
    created = page.request.post(
        "/api/v1/cases",
        data=BODY,
        headers=bearer | {"Idempotency-Key": "integration-flow-1"},
    )
    assert created.status == 201, created.text()
    case_json = created.json()
    ref, case_id = case_json["ref"], case_json["id"]
    assert REF.fullmatch(ref)
    again = page.request.get("/api/v1/cases", headers=bearer)
    assert [c["ref"] for c in again.json()["items"]] == [ref]

    # ... and the case is in the browser's list.
    page.goto("/cases/")
    expect(page.get_by_role("link", name=ref, exact=True)).to_be_visible()
    expect(page.locator("table.cases")).to_contain_text(SUBJECT)
    page.set_viewport_size(PHONE)
    fits_phone(page)
    page.set_viewport_size(DESKTOP)
    page.get_by_role("link", name=ref, exact=True).click()
    expect(page).to_have_url(re.compile(rf"/cases/{case_id}$"))
    expect(page.get_by_text(CUSTOMER_EMAIL, exact=True)).to_be_visible()
    log_out(page)

    # 2. The admin, on a phone, finds the customer by e-mail and erases them on request.
    page.set_viewport_size(PHONE)
    log_in(page, org.admin)
    fits_phone(page)
    page.goto("/privacy/")
    fits_phone(page)
    search = page.locator("input[name=q]")
    search.fill(CUSTOMER_EMAIL)
    search.press("Enter")
    results = page.get_by_test_id("customer-results")
    expect(results).to_contain_text(CUSTOMER_EMAIL)
    expect(results.locator("tbody tr")).to_have_count(1)
    fits_phone(page)
    results.locator("tbody tr a").first.click()
    expect(page).to_have_url(re.compile(r"/privacy/customers/\d+$"))
    customer_id = int(page.url.rsplit("/", 1)[1])
    expect(page.get_by_test_id("customer-data")).to_contain_text(CUSTOMER_NAME)
    expect(page.get_by_test_id("customer-cases")).to_contain_text(ref)
    fits_phone(page)
    page.locator(f"a[href='/privacy/customers/{customer_id}/erase']").click()
    expect(page).to_have_url(re.compile(rf"/privacy/customers/{customer_id}/erase$"))
    fits_phone(page)
    page.locator("textarea[name=reason]").fill("ご本人から電話で消去の依頼があったため。")
    page.locator("input[name=confirm]").check()
    page.get_by_test_id("erase").click()
    expect(page).to_have_url(re.compile(rf"/privacy/customers/{customer_id}$"))
    expect(page.get_by_test_id("customer-erased")).to_be_visible()
    expect(page.get_by_test_id("customer-data")).not_to_contain_text(CUSTOMER_NAME)
    expect(page.get_by_test_id("customer-data")).not_to_contain_text(CUSTOMER_EMAIL)
    fits_phone(page)

    page.goto(f"/cases/{case_id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(ref)
    expect(page.get_by_test_id("anonymised-notice")).to_be_visible()
    expect(page.get_by_test_id("read-logged")).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text(CUSTOMER_NAME)
    expect(page.locator("main")).not_to_contain_text(CUSTOMER_EMAIL)
    expect(page.locator("main")).not_to_contain_text(SUBJECT)
    fits_phone(page)

    session.rollback()  # a new transaction: what the browser's requests committed
    customer = session.get(Customer, customer_id)
    assert (customer.name or "", customer.email or "", customer.phone or "") == ("", "", "")
    case = session.scalars(select(Case).where(Case.id == case_id)).one()
    assert case.customer_id == customer_id
    assert CUSTOMER_NAME not in (case.customer_words or "")
    log_out(page)

    # 3. An executive (desktop) starts a review of the last 30 days and gets its PDF.
    page.set_viewport_size(DESKTOP)
    log_in(page, org.executive)
    page.goto("/reviews/")
    today = datetime.now(ZoneInfo("Asia/Tokyo")).date()
    new = page.get_by_test_id("new-review")
    new.locator("select[name=period_kind]").select_option("custom")
    new.locator("input[name=start]").fill((today - timedelta(days=30)).isoformat())
    new.locator("input[name=end]").fill(today.isoformat())
    new.locator("input[name=title]").fill("品質レビュー（結合テスト）")
    new.get_by_role("button").click()
    expect(page).to_have_url(re.compile(r"/reviews/\d+$"))
    review_url = page.url
    expect(page.get_by_role("heading", level=1)).to_have_text("品質レビュー（結合テスト）")
    expect(page.locator("#pdf")).to_be_visible()

    page.locator("#pdf form").get_by_role("button").click()
    expect(page).to_have_url(re.compile(r"/reviews/\d+#pdf$"))
    link = page.get_by_test_id("pdf-link")
    expect(link).to_be_visible()
    pdf = page.request.get(link.get_attribute("href"))
    assert pdf.status == 200
    assert pdf.headers["content-type"].startswith("application/pdf")
    assert pdf.body().startswith(b"%PDF")

    # The review's pages also fit a phone.
    page.set_viewport_size(PHONE)
    page.goto(review_url)
    fits_phone(page)
    page.goto("/reviews/")
    fits_phone(page)
