"""Themes over a period, and surges against a trailing baseline (real NLP, inline)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from relq.cases.models import Case
from relq.db import db, transaction, utcnow
from relq.themes.services import compute_themes, find_surges
from tests.factories import make_case

KETTLE = [
    "電気ケトルの蓋がロックされず、熱湯がこぼれそうになった。",
    "ケトルの蓋のロックがかからない。注ぐと蓋が開いてしまう。",
    "電気ケトルを傾けたら蓋が開いた。ロックが壊れているのではないか。",
    "ケトルの蓋がロックできず危ない。交換してほしい。",
]
DELIVERY = [
    "注文した荷物が予定日を過ぎても届かない。配送状況を知りたい。",
    "配送が3日遅れている。いつ届くのか教えてほしい。",
    "荷物の配送が遅延していると連絡があったが、まだ来ない。",
]
OTHER = [
    "アプリにログインできない。パスワードを再設定しても入れない。",
    "冷凍パスタの味が以前と違う気がする。",
    "領収書を発行してほしい。",
    "店頭での説明がとても丁寧でした。",
]


@pytest.fixture
def inline(app):
    app.config["ANALYSIS_QUEUE"] = "inline"
    return app


def _log(org, text, days_ago, department=None):
    with transaction():
        make_case(
            org.operator,
            department=department or org.qa,
            subject=text[:20],
            customer_words=text,
            remedy_requested="",
            received_at=utcnow() - timedelta(days=days_ago, hours=1),
        )


def test_themes_group_recurring_words_with_trend_and_verbatims(org, inline):
    for i in range(8):
        _log(org, KETTLE[i % len(KETTLE)], days_ago=i % 20)
    for i in range(5):
        _log(org, DELIVERY[i % len(DELIVERY)], days_ago=3 + i, department=org.logistics)
    for i, text in enumerate(OTHER):
        _log(org, text, days_ago=i + 1)
    for i in range(2):  # the kettle was rarer in the period before
        _log(org, KETTLE[i], days_ago=35)
    db.session.rollback()
    now = utcnow()
    themes = compute_themes(org.executive, start=now - timedelta(weeks=4), end=now)
    labels = [t.label for t in themes]
    kettle = next(t for t in themes if "蓋" in t.phrases or "ケトル" in t.label)
    assert kettle.count >= 6 and kettle.previous[-1] == 2
    assert kettle.change and kettle.change > 1
    assert len(kettle.verbatims) == 3 and all(
        "蓋" in v.text or "ケトル" in v.text for v in kettle.verbatims
    )
    assert any("配送" in label or "荷物" in label for label in labels)
    assert not any(label in ("商品", "電話") for label in labels)
    # Scope: the logistics lead sees only logistics cases' themes.
    lead_themes = compute_themes(org.lead_logistics, start=now - timedelta(weeks=4), end=now)
    assert lead_themes and all(
        "ケトル" not in t.label and "蓋" not in t.phrases for t in lead_themes
    )
    assert all(cid for t in lead_themes for cid in t.case_ids)


def test_observations_are_a_source_of_their_own(org, inline):
    for i in range(4):
        with transaction():
            make_case(
                org.operator,
                department=org.qa,
                subject="問い合わせ",
                customer_words="使い方を知りたい",
                observation="同じロット番号の問い合わせが続いている。製造ロットを確認すべき。",
                received_at=utcnow() - timedelta(days=i + 1),
            )
    db.session.rollback()
    now = utcnow()
    themes = compute_themes(
        org.executive, start=now - timedelta(weeks=4), end=now, source="observation"
    )
    assert themes and any("ロット" in t.label for t in themes)
    assert all("ロット" in v.text for t in themes for v in t.verbatims)


def test_themes_page(org, inline, login_as):
    for i in range(4):
        _log(org, KETTLE[i], days_ago=i + 1)
    html = login_as(org.operator).get("/themes/").get_data(as_text=True)
    assert 'data-testid="themes"' in html and "蓋" in html
    assert 'data-testid="alerts"' not in html  # alerts are for management
    # the trend column's numbers as one chart (relq.charts) above the table
    chart = re.search(r'data-testid="themes-chart"><svg .*?</svg>', html, re.S).group(0)
    assert 'class="chart"' in chart and "この期間" in chart and ">4</text>" in chart


def test_a_theme_from_nothing_is_new(org, inline):
    for week in range(1, 9):
        _log(org, DELIVERY[week % 3], days_ago=7 * week + 1, department=org.logistics)
    for k in range(5):
        _log(
            org,
            "ポイントカードのアプリでポイントが消えた。ポイントを戻してほしい。",
            days_ago=k + 1,
        )
    db.session.rollback()
    points = set(
        db.session.scalars(sa.select(Case.id).where(Case.customer_words.like("%ポイント%")))
    )
    new = [s for s in find_surges() if s.kind == "new"]
    # One alert for the five cases (their phrases and tags describe the same group); nothing
    # in 8 weeks is expected at a little, not zero (the prior).
    assert [set(s.case_ids) for s in new] == [points]
    assert new[0].observed == 5 and 0 < new[0].expected < 0.5


def test_tick_is_idempotent(org, app):
    for i in range(3):
        _log(org, KETTLE[i], days_ago=i + 1)  # saved while analysis is off: waiting
    runner = app.test_cli_runner()
    first = runner.invoke(args=["relq", "tick"])
    assert first.exit_code == 0, first.output
    assert "analysed 3 (failed 0)" in first.output
    second = runner.invoke(args=["relq", "tick"])
    assert "analysed 0 (failed 0), 0 new alert(s)" in second.output


def test_a_themes_drill_down_lists_exactly_the_cases_it_counts(org, inline, login_as):
    refund = [
        "届いた商品が壊れていたので返金を希望します。",
        "返金してほしい。連絡を待っている。",
        "注文を取り消したので返金をお願いしたい。",
    ]
    # A word search for 返金 also finds these: their phrase is 返金処理 / 返金手続き.
    near = ["返金処理がまだ終わらない。", "返金手続きの案内がない。"]
    counted = set()
    for i in range(6):
        with transaction():
            counted.add(
                make_case(
                    org.operator,
                    department=org.qa,
                    subject="返金について",
                    customer_words=refund[i % 3],
                    received_at=utcnow() - timedelta(days=i + 1),
                ).id
            )
    for i, text in enumerate(near * 2):
        _log(org, text, days_ago=i + 2)
    # A logistics case: the QA lead's themes do not count it, and neither does its drill-down.
    with transaction():
        elsewhere = make_case(
            org.operator,
            department=org.logistics,
            subject="返金",
            customer_words=refund[0],
            received_at=utcnow() - timedelta(days=2),
        ).id
    db.session.rollback()

    executive = login_as(org.executive)
    page = executive.get("/themes/").get_data(as_text=True)
    link = re.search(r'<a href="(/themes/cases\?[^"]*theme=%E8%BF%94%E9%87%91[^"]*)"', page)
    assert link, page
    url = link.group(1).replace("&amp;", "&")
    drill = executive.get(url).get_data(as_text=True)
    listed = {int(i) for i in re.findall(r'data-case-id="(\d+)"', drill)}
    assert listed == counted | {elsewhere}
    assert f"{len(listed)} 件がこのテーマに入ります" in drill
    # The count on the themes page is the drill-down's.
    row = page[page.index(link.group(0)) :]
    assert re.search(rf"<td><a [^>]*>{len(listed)}</a></td>", row[: row.index("</tr>")])

    lead = login_as(org.lead_qa)
    drill = lead.get(url).get_data(as_text=True)
    assert {int(i) for i in re.findall(r'data-case-id="(\d+)"', drill)} == counted
    # A theme that is not among the period's themes: said so, nothing listed.
    gone = executive.get("/themes/cases?theme=存在しない").get_data(as_text=True)
    assert "data-case-id" not in gone and "含まれていません" in gone
