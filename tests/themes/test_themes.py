"""Themes over a period, and surges against a trailing baseline (real NLP, inline)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from relq.cases.models import Case
from relq.db import db, transaction, utcnow
from relq.themes.models import SurgeAlert
from relq.themes.services import compute_themes, find_surges, poisson_sf, record_surges
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


def test_poisson_tail():
    assert poisson_sf(0, 3.0) == 1.0
    assert poisson_sf(1, 2.0) == pytest.approx(1 - 0.1353352832, rel=1e-6)
    assert poisson_sf(12, 1.0) < 1e-8


def test_planted_surge_is_found_and_a_flat_series_is_not(org, inline, login_as):
    # Nine weeks: the kettle complaint about once a week, then six in the last week;
    # deliveries three a week throughout (flat).
    for week in range(1, 9):
        _log(org, KETTLE[week % len(KETTLE)], days_ago=7 * week + 2)
        for k in range(3):
            _log(org, DELIVERY[k], days_ago=7 * week + 1 + k, department=org.logistics)
    for k in range(6):
        _log(org, KETTLE[k % len(KETTLE)], days_ago=k % 6)
    for k in range(3):
        _log(org, DELIVERY[k], days_ago=k + 1, department=org.logistics)
    db.session.rollback()
    surges = find_surges()
    this_week = set(
        db.session.scalars(
            sa.select(Case.id).where(
                Case.received_at >= utcnow() - timedelta(days=7), Case.customer_words.like("%蓋%")
            )
        )
    )
    kettle = surges[0]
    # The kettle's cases surged (named by a phrase such as 蓋 or ロック, or by their tag)...
    assert kettle.kind == "surge" and set(kettle.case_ids) >= this_week and kettle.p_value < 0.001
    # ...and the flat delivery series did not.
    keys = [s.key for s in surges]
    assert not any(k in ("phrase:配送", "phrase:荷物", "tag:delivery.late") for k in keys), keys
    with transaction():
        first = record_surges()
    with transaction():
        second = record_surges()
    assert first and second == []  # idempotent within the week
    assert db.session.scalar(sa.select(sa.func.count(SurgeAlert.id))) == len(first)
    html = login_as(org.executive).get("/themes/").get_data(as_text=True)
    assert 'data-testid="alerts"' in html


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
    # One alert for the five cases (their phrases and tags describe the same group).
    assert [set(s.case_ids) for s in new] == [points]
    assert new[0].observed == 5 and new[0].expected == 0


def test_tick_is_idempotent(org, app):
    for i in range(3):
        _log(org, KETTLE[i], days_ago=i + 1)  # saved while analysis is off: waiting
    runner = app.test_cli_runner()
    first = runner.invoke(args=["relq", "tick"])
    assert first.exit_code == 0, first.output
    assert "analysed 3 (failed 0)" in first.output
    second = runner.invoke(args=["relq", "tick"])
    assert "analysed 0 (failed 0), 0 new alert(s)" in second.output
