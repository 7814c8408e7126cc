"""Honest confidence: at training, on cases held out from it, what share of suggestions at
each confidence were right (relq.learning.held_out_reliability), kept with the model and shown
on the tag admin page as a table and a chart. On small labelled fixtures written for this."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from relq import nlp
from relq.db import db, transaction
from relq.learning import (
    LearnedModel,
    fit_text_model,
    held_out_reliability,
    reliability_buckets,
    reliability_table,
)


def _bucket(buckets, low):
    return next((b["n"], b["right"]) for b in buckets if b["low"] == low)


def test_buckets_count_suggestions_and_right_ones_by_confidence():
    confidences = [0.30, 0.55, 0.58, 0.60, 0.95, 1.0, 0.9, 0.899]
    right = [False, True, False, True, True, True, False, True]
    buckets = reliability_buckets(confidences, right)
    assert [(b["low"], b["high"]) for b in buckets] == [
        (0.0, 0.5),
        (0.5, 0.6),
        (0.6, 0.7),
        (0.7, 0.8),
        (0.8, 0.9),
        (0.9, 1.0),
    ]
    assert _bucket(buckets, 0.0) == (1, 0)
    assert _bucket(buckets, 0.5) == (2, 1)
    assert _bucket(buckets, 0.6) == (1, 1)  # a bucket holds its lower edge
    assert _bucket(buckets, 0.7) == (0, 0)
    assert _bucket(buckets, 0.8) == (1, 1)  # 0.899 is below 0.9
    assert _bucket(buckets, 0.9) == (3, 2)  # and the last one holds 1.0


def test_top_choice_and_every_shown_suggestion_are_both_measured():
    truth = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 0]])
    probabilities = np.array(
        [
            [0.92, 0.05, 0.03],  # top right, 0.9–1.0
            [0.65, 0.30, 0.05],  # top wrong (0.6–0.7); the right one shown too at 0.30
            [0.20, 0.25, 0.55],  # top right, 0.5–0.6
            [0.70, 0.20, 0.10],  # no label: not in `top`; its one shown suggestion is wrong
        ]
    )
    floors = np.array([0.5, 0.3, 0.5])
    found = held_out_reliability(truth, probabilities, floors)
    top, shown = found["top"], found["suggested"]
    assert sum(b["n"] for b in top) == 3
    assert _bucket(top, 0.9) == (1, 1) and _bucket(top, 0.6) == (1, 0)
    assert _bucket(top, 0.5) == (1, 1)
    # Shown: 0.92 (right), 0.65 (wrong), 0.30 (right), 0.55 (right), 0.70 (wrong).
    assert sum(b["n"] for b in shown) == 5
    assert _bucket(shown, 0.0) == (1, 1) and _bucket(shown, 0.7) == (1, 0)


LABELLED = {
    "lid": [
        "ケトルの蓋が閉まらない",
        "蓋のロックが壊れた",
        "蓋がきちんと閉まらずお湯がこぼれる",
        "炊飯器の蓋が開かない",
        "蓋のパッキンが外れた",
        "ポットの蓋がしまらない",
        "フタが割れてしまった",
    ],
    "refund": [
        "返金してほしい",
        "代金を返してほしい",
        "返金の手続きを教えてください",
        "返品して返金を希望します",
        "お金を返してください",
        "返金はいつになりますか",
        "二重請求の分を返金して",
    ],
    "delivery": [
        "荷物が届かない",
        "配達が遅れている",
        "配送状況を知りたい",
        "届いた箱が潰れていた",
        "配達日を変更したい",
        "宅配便がまだ来ない",
        "注文品が届きません",
    ],
}
ENDINGS = ["", "。よろしくお願いします", "。困っています", "。至急"]


@pytest.fixture(scope="module")
def fitted():
    texts, labels = [], []
    for code, items in LABELLED.items():
        for ending in ENDINGS:
            for text in items:
                texts.append(text + ending)
                labels.append({code})
    inputs = [(nlp.normalize(t), " ".join(nlp.analyse(t).lemmas)) for t in texts]
    return fit_text_model([t for t, _ in inputs], [lem for _, lem in inputs], labels)


def test_training_keeps_the_reliability_of_the_held_out_cases_with_the_model(fitted):
    model, metrics = fitted
    reliability = metrics["reliability"]
    top = reliability["top"]
    n = sum(b["n"] for b in top)
    assert n == metrics["held_out"] == 16  # every held-out case has its label
    # The top choice's share right over all buckets is the held-out accuracy.
    assert round(sum(b["right"] for b in top) / n, 3) == metrics["accuracy"]
    shown = reliability["suggested"]
    assert (
        round(sum(b["right"] for b in shown) / sum(b["n"] for b in shown), 3)
        == (metrics["micro_precision"])
    )


def _store(kind: str, metrics: dict) -> LearnedModel:
    with transaction():
        row = LearnedModel(kind=kind, examples=80, metrics=metrics, blob=pickle.dumps(None))
        db.session.add(row)
    return row


def test_the_admin_page_shows_each_models_reliability_as_a_table_and_a_chart(org, login_as):
    buckets = [
        {"low": 0.0, "high": 0.5, "n": 10, "right": 3},
        {"low": 0.5, "high": 0.6, "n": 0, "right": 0},
        {"low": 0.6, "high": 0.7, "n": 0, "right": 0},
        {"low": 0.7, "high": 0.8, "n": 10, "right": 7},
        {"low": 0.8, "high": 0.9, "n": 0, "right": 0},
        {"low": 0.9, "high": 1.0, "n": 20, "right": 19},
    ]
    _store("departments", {"micro_f1": 0.8, "reliability": {"top": buckets, "suggested": []}})
    _store("tags", {"micro_f1": 0.7})  # trained before reliability was measured
    rows = reliability_table(db.session.query(LearnedModel).filter_by(kind="departments").one())
    assert [(r.low, r.suggestions, r.right) for r in rows][:2] == [(0.9, 20, 19), (0.8, 0, 0)]
    assert rows[0].reach == 0.5 and rows[0].right_above == 0.95
    assert rows[2].reach == 0.75 and rows[2].right_above == pytest.approx(26 / 30)

    page = login_as(org.admin).get("/admin/tags").get_data(as_text=True)

    section = page[page.index('data-testid="reliability-departments"') :]
    section = section[: section.index("</table>")]
    # 90–100 %: 20 suggestions, 19 right (95 %); at or above 90 %: half of them, 95 % right.
    assert "<td>20</td><td>19</td>" in section and "<td>95%</td>" in section
    # At or above 70 %: 30 of 40 suggestions, 26 of them right (86 %).
    assert "<td>75%</td>" in section and "<td>86%</td>" in section
    assert 'class="chart"' in page and ">95%</text>" in page  # relq.charts, 19 of 20 right
    assert "再学習すると測定されます" in page  # the tag model has no table yet


def test_the_page_says_so_when_there_is_no_model(org, login_as):
    page = login_as(org.admin).get("/admin/tags").get_data(as_text=True)
    assert 'data-testid="reliability"' in page and "reliability-tags" not in page
