"""Surges a person acts on: product-level keys, a correction over every key tried, learned
generic phrases, and alerts that link to exactly their cases (real NLP, real database)."""

from __future__ import annotations

import random
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from relq.audit.models import AuditEvent
from relq.db import db, transaction, utcnow
from relq.themes import surges
from relq.themes.models import GenericPhrase, SurgeAlert
from relq.themes.products import Catalogue, parse_product
from relq.themes.services import record_surges
from relq.themes.surges import find_surges, holm, read_weeks
from tests.factories import make_case

# A small office's ordinary weeks: (product, what the customer said).
ORDINARY = [
    ("電気ケトル KT-200", "電気ケトルのお湯が沸くまでに時間がかかるようになった。"),
    ("電気ケトル KT-100", "ケトルの電源ランプが点かないことがある。"),
    ("炊飯器 RC-550", "炊飯器でご飯を炊くと底が焦げる。"),
    ("炊飯器 RC-550", "内釜のコーティングがはがれてきた。"),
    ("冷凍パスタ ボロネーゼ", "冷凍パスタのソースの量が少ない気がする。"),
    ("冷凍パスタ カルボナーラ", "パスタの麺がくっついて固まっていた。"),
    ("公式オンラインストア", "注文した荷物が届かない。配送状況を知りたい。"),
    ("公式オンラインストア", "ポイントが付与されていない。"),
    ("グラノーラ 400g", "グラノーラの袋のチャックが閉まらない。"),
    ("オーブントースター OT-30", "トースターのタイマーが最後まで回らない。"),
]
LID = [
    "蓋のロックがかからず、注ぐときに蓋が開いて熱湯がこぼれた。",
    "蓋がロックできない。傾けると蓋が外れそうになる。",
    "注ぎ口の蓋のロックが壊れて、お湯がこぼれた。",
]


@pytest.fixture
def inline(app):
    app.config["ANALYSIS_QUEUE"] = "inline"
    return app


def _log(org, product, text, days_ago, hours=1):
    with transaction():
        case = make_case(
            org.operator,
            department=org.qa,
            subject=text[:20],
            customer_words=text,
            remedy_requested="",
            product=product,
            received_at=utcnow() - timedelta(days=days_ago, hours=hours),
        )
    return case.id


def _ordinary_weeks(org, weeks=range(1, 9), per_week=10, seed=7):
    rng = random.Random(seed)
    for week in weeks:
        for k in range(per_week):
            product, text = ORDINARY[rng.randrange(len(ORDINARY))]
            _log(org, product, text, days_ago=7 * week + k % 6)


def test_product_fields_are_parsed_into_model_product_and_family():
    kettle = parse_product("電気ケトル ＫＴ－２００")
    assert (kettle.model, kettle.family) == ("KT-200", "電気ケトル")
    assert [u.code for u in kettle.units()] == ["model:KT200", "family:電気ケトル"]
    cx60, cx5 = parse_product("マツダ CX-60"), parse_product("CX-5")
    assert cx60.model == "CX-60" and cx5.model == "CX-5" and cx60.units()[0] != cx5.units()[0]
    pasta = parse_product("冷凍パスタ ボロネーゼ")
    assert pasta.model is None
    assert [u.code for u in pasta.units()] == ["product:冷凍パスタ ボロネーゼ", "family:冷凍パスタ"]
    assert parse_product("グラノーラ 400g").model is None  # a weight, not a model number
    catalogue = Catalogue([kettle, cx60, pasta])
    # An empty product field: the text's model numbers place the case, if a product has them.
    assert [u.label for u in catalogue.units_from_text(["kt-200", "蓋"], [])] == [
        "KT-200",
        "電気ケトル",
    ]
    assert catalogue.units_from_text(["e3", "エラー"], ["エラー"]) == []  # an error code
    assert catalogue.is_product_word("電気ケトルkt-200") and catalogue.is_product_word("ケトル")
    assert not catalogue.is_product_word("蓋")


def test_a_planted_product_spike_is_alerted_with_its_product_named(org, inline, login_as):
    _ordinary_weeks(org)
    _ordinary_weeks(org, weeks=[0], seed=8)
    spike = {_log(org, "電気ケトル KT-200", LID[k % 3], days_ago=k % 6) for k in range(9)}
    db.session.rollback()
    found = find_surges()
    assert found, "the spike was missed"
    top = found[0]
    assert top.unit.level == "model" and top.unit.label == "KT-200"
    assert top.label.startswith("KT-200 · ")
    assert set(top.case_ids) == spike and top.observed == 9 and top.expected < 1
    # The same cases are one alert, not one per phrase, tag and product level.
    assert all(len(set(s.case_ids) & spike) < 5 for s in found[1:]), [s.label for s in found]

    with transaction():
        alerts = record_surges()
    alert = alerts[0]
    assert (alert.product_level, alert.product) == ("model", "KT-200")
    # Every key tried counts, with the phrases learned as generic left out.
    assert alert.keys_tested == read_weeks(utcnow(), surges.generic_phrases()).keys_tried > 5
    assert db.session.scalar(
        sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.action == "surge.recorded", AuditEvent.entity_id == alert.id
        )
    )
    page = login_as(org.executive).get("/themes/").get_data(as_text=True)
    assert re.search(r"KT-200 · [^:<]+: 9 件 \(週平均 0\.\d 件\)", page), page
    assert f'href="/themes/alerts/{alert.id}"' in page
    detail = login_as(org.executive).get(f"/themes/alerts/{alert.id}").get_data(as_text=True)
    listed = {int(i) for i in re.findall(r'data-case-id="(\d+)"', detail)}
    assert listed == spike
    # Alerts are for management.
    assert login_as(org.operator).get(f"/themes/alerts/{alert.id}").status_code == 403
    with transaction():
        assert record_surges() == []  # once per key and week


def test_a_flat_series_with_many_small_phrases_raises_nothing(org, inline):
    # Nine ordinary weeks; this week, as every week, a few phrases come three times each.
    _ordinary_weeks(org, weeks=range(0, 9))
    small = [
        ("炊飯器 RC-550", "炊飯器の予約ボタンが反応しない。"),
        ("冷凍パスタ ボロネーゼ", "パスタの袋に小さな穴が開いていた。"),
        ("公式オンラインストア", "クーポンコードが使えなかった。"),
        ("グラノーラ 400g", "グラノーラのレーズンが少ない。"),
    ]
    for product, text in small:
        for k in range(3):
            _log(org, product, text, days_ago=k + 1)
    db.session.rollback()
    week = read_weeks(utcnow())
    # Those phrases are three cases against a baseline near zero: the old test's false alarm.
    assert week.cases and max(len(s.get(surges.BASELINE_WEEKS, ())) for s in week.cases.values())
    assert find_surges() == []


def test_the_correction_counts_every_key_tried(org, inline):
    assert holm({"a": 0.004, "b": 0.03}, tried=2) == {"a", "b"}
    # The same p-values among 20 keys tried (18 without cases enough to test): neither passes.
    assert holm({"a": 0.004, "b": 0.03}, tried=20) == set()
    assert holm({"a": 0.001, "b": 0.03}, tried=20) == {"a"}
    _ordinary_weeks(org, weeks=range(1, 9))
    for k in range(4):
        _log(org, "炊飯器 RC-550", "炊飯器の表示が消えて操作できなくなった。", days_ago=k + 1)
    db.session.rollback()
    week = read_weeks(utcnow())
    this_week = [k for k, slots in week.cases.items() if slots.get(surges.BASELINE_WEEKS)]
    # Keys heard only in the weeks before count as tried too.
    assert week.keys_tried > len(this_week) > 0
    [found] = find_surges() or [None]
    assert found is None or found.keys_tested == week.keys_tried


def test_phrases_heard_in_most_weeks_are_learned_as_generic(org, inline):
    # A car maker's office: ディーラー in nearly every case, every week.
    for week in range(1, 11):
        for k in range(4):
            _log(
                org,
                ["CX-60", "CX-5", "MX-30"][k % 3],
                ["ディーラーで点検を受けたが、説明が分かりにくかった。", "ディーラーに行く予定。"][
                    k % 2
                ],
                days_ago=7 * week + k,
            )
    for k in range(5):
        _log(org, "CX-60", "ディーラーで見てもらったがエンジン警告灯が消えない。", days_ago=k + 1)
    db.session.rollback()
    with transaction():
        learned = surges.learn_generic_phrases(utcnow())
    assert "ディーラー" in {g.phrase for g in learned}
    assert db.session.scalar(sa.select(GenericPhrase.weeks)) >= surges.GENERIC_MIN_WEEKS
    found = find_surges(generic=surges.generic_phrases())
    assert all("ディーラー" not in s.label for s in found), [s.label for s in found]
    assert any(s.unit.label == "CX-60" for s in found), [s.label for s in found]


def test_the_alert_table_keeps_its_constraints(org, app):
    with pytest.raises(sa.exc.IntegrityError), transaction():
        db.session.add(
            SurgeAlert(
                key="x",
                label="x",
                kind="surge",
                product_level="brand",
                week_end=utcnow().date(),
                observed=3,
                expected=1.0,
                p_value=0.01,
                case_ids=[],
            )
        )
