"""An employee survey in a browser: the admin creates a round with the default items, opens it
and makes a one-time link; an employee, not logged in and on a phone, opens the link, reads what
is and is not stored, answers and is thanked; the same link is then refused. Once the round is
closed, an executive reads the department table: 物流部, with fewer than 5 answers, is hidden."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from relq.db import db
from relq.enps.collect import Answer, invite, submit_answer
from relq.enps.models import SurveyResponse, SurveyRound
from relq.enps.rounds import close_round
from tests.browser.test_intake_flow import log_in, log_out

LINK = re.compile(r"https?://[^\s<]+/enps/survey/[A-Za-z0-9_-]+")


def test_an_employee_answers_through_a_one_time_link(page: Page, org, session):
    # 1. The admin finds the survey in the menu and creates a round with the default items.
    log_in(page, org.admin)
    page.locator("header nav a[href='/enps/rounds/']").click()
    page.get_by_test_id("new-round").click()
    form = page.get_by_test_id("round-form")
    expect(form.locator("textarea[name=factors]")).to_contain_text(
        "評価と報酬 | Recognition and pay"
    )
    form.locator("input[name=name]").fill("2026年度下期 従業員サーベイ")
    form.locator("input[name=period_start]").fill("2026-11-01")
    form.locator("input[name=period_end]").fill("2026-11-20")
    form.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("round-status")).to_have_text("下書き")
    page.get_by_test_id("open-round").click()
    expect(page.get_by_test_id("round-status")).to_have_text("受付中")

    # 2. A link for one employee, shown once.
    page.locator("textarea[name=emails]").fill("kenta.yamada@example.jp")
    page.get_by_test_id("invite-page").click()
    links = page.get_by_test_id("survey-links")
    expect(links).to_contain_text("kenta.yamada@example.jp")
    link = LINK.search(links.inner_text()).group(0)
    log_out(page)

    # 3. The employee, on a phone, reads the statement first, then answers.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(link)
    statement = page.get_by_test_id("anonymity-statement")
    expect(statement).to_contain_text("保存されないもの")
    expect(statement).to_contain_text("氏名、ユーザーアカウント、メールアドレス")
    expect(page.get_by_test_id("score-question")).to_contain_text(
        "あなたは、現在の職場を親しい友人や知人にどの程度おすすめしたいと思いますか？"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_test_id("score-7").check()
    form = page.get_by_test_id("survey-form")
    rows = form.locator(".factor-row")
    expect(rows).to_have_count(6)
    for position, value in enumerate((4, 3, 2, 4, 3, 3)):
        rows.nth(position).locator(f"input[value='{value}']").check()
    form.locator("textarea[name=reason]").fill("評価の基準がもう少し分かりやすいと良いと思います。")
    form.locator("select[name=department_id]").select_option(label="物流部")
    form.locator("select[name=tenure_band_id]").select_option(label="3〜10年")
    page.get_by_test_id("send-answer").click()
    expect(page.get_by_test_id("survey-thanks")).to_contain_text("ご回答ありがとうございました")

    db.session.rollback()  # a fresh read of what the server saved
    saved = db.session.scalars(select(SurveyResponse)).one()
    assert (saved.score, saved.department_id, saved.level_band_id) == (7, org.logistics.id, None)

    # 4. The same link again: refused, and nothing more is saved.
    page.goto(link)
    expect(page.get_by_test_id("survey-refused")).to_contain_text("このリンクは使えません")
    db.session.rollback()  # a fresh read of what the server saved
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 1

    # 5. More colleagues answer (8 in お客様相談室, 8 in 品質保証部, 2 more in 物流部), the round
    #    closes, and an executive reads the department table.
    survey_round = db.session.scalars(select(SurveyRound)).one()
    groups = [(org.cs, 8), (org.qa, 8), (org.logistics, 2)]
    emails = [f"{d.code}{i}@example.jp" for d, n in groups for i in range(n)]
    issued = invite(survey_round, actor=org.admin, emails=emails).issued
    tokens = iter(i.token for i in issued)
    for department, n in groups:
        for i in range(n):
            submit_answer(next(tokens), Answer(score=(3 + 2 * i) % 11, department_id=department.id))
    close_round(survey_round, actor=org.admin)
    db.session.commit()
    page.set_viewport_size({"width": 1000, "height": 900})
    log_in(page, org.executive)
    page.goto(f"/enps/results/rounds/{survey_round.id}")
    table = page.get_by_test_id("departments")
    logistics = table.get_by_test_id(f"departments-{org.logistics.id}")
    expect(logistics).to_contain_text("物流部")
    expect(logistics.get_by_test_id("enps-suppressed")).to_be_visible()
    expect(logistics).not_to_contain_text("3")
    expect(
        table.get_by_test_id(f"departments-{org.qa.id}").get_by_test_id("enps-value")
    ).to_be_visible()
