"""An internal request in a browser: an operator asks 品質保証部 for an answer on a case, its
lead takes it on and answers from the 部門間依頼 inbox (read at phone width), the operator sends
it back once, the lead answers again, and the operator confirms, rates it and thanks them; the
case's timeline shows every hop."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import select

from relq.handoffs.models import Handoff
from tests.browser.test_intake_flow import log_in, log_out
from tests.factories import make_case

SUBJECT = "電気ケトルの電源部から異臭"
ASK = "同じロットの出荷前検査の結果を教えてください。"
FIRST_ANSWER = "同ロットの検査結果は正常でした。"
MISSING = "検査日と検査項目も必要です。お客様に説明するためです。"
SECOND_ANSWER = "検査日は11月10日、項目は絶縁抵抗と通電試験です。"
THANKS = "迅速にご確認いただき、ありがとうございました。"


def test_ask_take_on_answer_send_back_answer_confirm_rate_thank(page: Page, org, session):
    case = make_case(
        org.operator,
        department=org.qa,
        subject=SUBJECT,
        remedy_requested="原因を説明してほしい",
        customer_words="使い始めてすぐ、電源部から焦げたような臭いがしました。",
    )
    session.commit()

    # 1. The operator asks QA from the case page: why it matters is prefilled from the case.
    log_in(page, org.operator)
    page.goto(f"/cases/{case.id}")
    panel = page.get_by_test_id("handoff-panel")
    expect(panel.locator("textarea[name=why]")).to_have_value(
        f"案件 {case.ref}：{SUBJECT}\nお客様のご要望：原因を説明してほしい"
    )
    panel.locator("select[name=provider_department_id]").select_option(str(org.qa.id))
    panel.locator("textarea[name=ask]").fill(ASK)
    panel.get_by_test_id("panel-send-handoff").click()
    expect(page.get_by_test_id("handoff-ask")).to_have_text(ASK)
    expect(page.get_by_test_id("handoff-status")).to_have_text("依頼中")
    log_out(page)

    # 2. The QA lead, on a phone, finds it in the 部門間依頼 inbox (counted in the menu).
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, org.lead_qa)
    expect(page.get_by_test_id("badge-handoffs.index")).to_have_text("1")
    page.locator("header nav a[href='/handoffs/']").click()
    inbox = page.get_by_test_id("handoff-inbox")
    expect(inbox).to_contain_text(ASK)
    # A card per request: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    inbox.get_by_role("link", name=ASK).click()

    # 3. Takes it on with one click, then answers in words.
    page.get_by_test_id("step-accept").click()
    expect(page.get_by_test_id("handoff-status")).to_have_text("引受済")
    page.locator("#body-answer").fill(FIRST_ANSWER)
    page.get_by_test_id("step-answer-form").get_by_test_id("step-answer").click()
    expect(page.get_by_test_id("handoff-status")).to_have_text("回答済")
    expect(page.get_by_test_id("thread")).to_contain_text(FIRST_ANSWER)
    log_out(page)

    # 4. The operator reads the answer and sends it back once: not what the customer needs.
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, org.operator)
    expect(page.get_by_test_id("badge-handoffs.index")).to_have_text("1")  # one to confirm
    page.goto("/handoffs/?box=outgoing")
    page.get_by_test_id("handoff-inbox").get_by_role("link", name=ASK).click()
    expect(page.get_by_test_id("thread")).to_contain_text(FIRST_ANSWER)
    page.get_by_test_id("step-send_back-form").locator("summary").click()
    page.locator("#body-send_back").fill(MISSING)
    page.get_by_test_id("step-send_back-form").get_by_test_id("step-send_back").click()
    expect(page.get_by_test_id("handoff-status")).to_have_text("引受済")
    expect(page.get_by_test_id("bounces")).to_have_text("差し戻し 1 回")
    log_out(page)

    # 5. The lead answers again.
    log_in(page, org.lead_qa)
    page.goto("/handoffs/")
    page.get_by_test_id("handoff-inbox").get_by_role("link", name=ASK).click()
    expect(page.get_by_test_id("thread")).to_contain_text(MISSING)
    page.locator("#body-answer").fill(SECOND_ANSWER)
    page.get_by_test_id("step-answer-form").get_by_test_id("step-answer").click()
    expect(page.get_by_test_id("handoff-status")).to_have_text("回答済")
    log_out(page)

    # 6. The operator confirms it, rates it (two 1-5 scales) and thanks them.
    log_in(page, org.operator)
    page.goto(f"/cases/{case.id}")
    page.get_by_test_id("handoff-panel").get_by_role("link", name="H-").click()
    confirm = page.get_by_test_id("confirm-form")
    confirm.get_by_test_id("rating-usefulness").get_by_label("5").check()
    confirm.get_by_test_id("rating-speed").get_by_label("4").check()
    confirm.locator("textarea[name=comment]").fill("お客様に説明できました。")
    confirm.locator("textarea[name=thanks]").fill(THANKS)
    confirm.get_by_test_id("step-confirm").click()
    expect(page.get_by_test_id("handoff-status")).to_have_text("確認済")
    expect(page.get_by_test_id("ratings")).to_contain_text("有用度 5/5 · 速さ 4/5")
    expect(page.get_by_test_id("thanks")).to_have_text(THANKS)

    # 7. The case's timeline shows every hop, from → to, with how long it waited.
    page.get_by_test_id("handoff-case").get_by_role("link").click()
    hops = page.locator("ol.timeline [data-testid=hop-event]")
    expect(hops.first).to_have_text("お客様相談室から品質保証部へ依頼")
    expect(hops.filter(has_text="品質保証部へ依頼 → 差し戻し (待ち時間")).to_have_count(1)
    expect(hops.filter(has_text="品質保証部へ依頼 → 回答 (待ち時間")).to_have_count(2)
    expect(hops.last).to_contain_text("品質保証部へ依頼 → 確認済 (待ち時間")
    expect(page.get_by_test_id("handoff-panel")).to_contain_text("有用度 5/5 · 速さ 4/5")

    # 8. The relationship map (relq/relations, another engineer's) shows the edge
    #    お客様相談室 → 品質保証部 with this handoff, its bounce and its thank-you: its check
    #    goes here.

    session.commit()
    handoff = session.scalar(select(Handoff).where(Handoff.case_id == case.id))
    assert (handoff.status, handoff.bounces, handoff.usefulness, handoff.speed) == (
        "confirmed",
        1,
        5,
        4,
    )
    assert handoff.thanks == THANKS
