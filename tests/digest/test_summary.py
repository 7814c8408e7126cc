"""The summary's sentences, written from the numbers by templates, in Japanese and English:
rising, falling, flat, new, empty, waiting for a decision and a stuck department pair, each
linking to its evidence."""

from __future__ import annotations

import copy

import pytest

from relq.digest.summary import summarise

KINDS = ("inquiry", "complaint", "request", "compliment")


def data(total=10, baseline=10.0, by_kind=None, baseline_by_kind=None, **sections):
    by_kind = by_kind or {"inquiry": total, "complaint": 0, "request": 0, "compliment": 0}
    baseline_by_kind = baseline_by_kind or {k: (baseline if k == "inquiry" else 0) for k in KINDS}
    found = {
        "cases": {
            "available": True,
            "volume": {
                "total": total,
                "baseline": baseline,
                "weeks_before": [baseline] * 4,
                "by_kind": by_kind,
                "baseline_by_kind": baseline_by_kind,
            },
            "observations": {"count": 0},
        },
        "themes": {"available": True, "themes": [], "surges": [], "surge_count": 0},
        "escalations": {
            "available": True,
            "open": {"waiting_for_decision": 0, "oldest_days": None},
            "decided": {"total": 0},
        },
        "relations": {"available": True, "stalls": [], "department_names": {}},
        "deadlines": {"available": True, "target": 0.9, "totals": {}},
        "thanks": {"available": True, "total": 0},
    }
    for name, changes in sections.items():
        found[name].update(changes)
    return {"sections": found}


def sentences(app, found):
    with app.test_request_context():
        summary = summarise(found)
    assert set(summary) == {"ja", "en"}
    assert [s["kind"] for s in summary["ja"]] == [s["kind"] for s in summary["en"]]
    assert 5 <= len(summary["en"]) <= 8
    return summary


def first(summary, locale):
    return summary[locale][0]


def test_rising(app):
    summary = sentences(app, data(total=15, baseline=10.0))
    assert first(summary, "en")["kind"] == "rising"
    assert first(summary, "en")["text"] == (
        "15 cases were received this week, 50% more than in the 4 weeks before (10 a week)."
    )
    assert first(summary, "ja")["text"] == (
        "今週は 15 件を受け付けました。前 4 週間（週平均 10 件）より 50% 増えています。"
    )
    assert first(summary, "en")["anchor"] == "volume"


def test_falling_and_the_kind_that_fell_most(app):
    found = data(
        total=6,
        baseline=12.0,
        by_kind={"inquiry": 5, "complaint": 1, "request": 0, "compliment": 0},
        baseline_by_kind={"inquiry": 5.0, "complaint": 7.0, "request": 0, "compliment": 0},
    )
    summary = sentences(app, found)
    assert first(summary, "en")["kind"] == "falling"
    assert "50% fewer" in first(summary, "en")["text"]
    assert "50% 減っています" in first(summary, "ja")["text"]
    mover = summary["en"][1]
    assert mover["kind"] == "falling"
    assert mover["text"] == "Complaint fell to 1 from 7 a week."
    assert summary["ja"][1]["text"] == "苦情は週平均 7 件から 1 件に減りました。"


def test_flat(app):
    summary = sentences(app, data(total=21, baseline=20.0))
    assert first(summary, "en")["kind"] == "flat"
    assert "about as many as" in first(summary, "en")["text"]
    assert "ほぼ同じ" in first(summary, "ja")["text"]


def test_new_volume_and_a_new_theme(app):
    found = data(
        total=4,
        baseline=0.0,
        themes={
            "themes": [{"label": "蓋 · 割れ", "count": 4, "is_new": True}],
        },
    )
    summary = sentences(app, found)
    assert first(summary, "en")["kind"] == "new"
    assert "there were none in the 4 weeks before" in first(summary, "en")["text"]
    theme = next(s for s in summary["en"] if s["anchor"] == "themes")
    assert theme == {
        "kind": "new",
        "anchor": "themes",
        "text": "A new theme appeared: 蓋 · 割れ (4 cases).",
    }
    assert "新しいテーマが現れました：蓋 · 割れ（4 件）。" in [s["text"] for s in summary["ja"]]


def test_a_surge_is_the_news(app):
    surge = {"label": "KT-200 · 蓋", "observed": 9, "expected": 0.5}
    summary = sentences(app, data(themes={"surges": [surge], "surge_count": 2}))
    theme = next(s for s in summary["en"] if s["anchor"] == "themes")
    assert theme["text"] == (
        "2 surges were found; the strongest: KT-200 · 蓋, 9 cases against 0.5 expected."
    )


def test_empty_week(app):
    summary = sentences(app, data(total=0, baseline=0.0))
    assert first(summary, "en") == {
        "kind": "empty",
        "anchor": "volume",
        "text": "No cases were received this week, nor in the 4 weeks before.",
    }
    assert first(summary, "ja")["text"] == "今週も、その前の 4 週間も、受け付けた案件はありません。"
    texts = [s["text"] for s in summary["en"]]
    assert "No escalation waits for a management decision." in texts
    assert "No pair of departments is stuck." in texts
    assert "No deadline fell due this week." in texts


def test_waiting_for_a_decision(app):
    found = data(escalations={"open": {"waiting_for_decision": 3, "oldest_days": 12.6}})
    summary = sentences(app, found)
    waiting = next(s for s in summary["en"] if s["anchor"] == "escalations")
    assert waiting["kind"] == "waiting"
    assert waiting["text"] == (
        "3 escalations wait for a management decision, the oldest for 12.6 days."
    )
    ja = next(s for s in summary["ja"] if s["anchor"] == "escalations")
    assert (
        ja["text"] == "3 件のエスカレーションが経営判断を待っています。最も古いものは 12.6 日です。"
    )


def test_a_stuck_department_pair_is_named_in_each_language(app):
    names = {
        "2": {"ja": "品質保証部", "en": "Quality Assurance"},
        "3": {"ja": "物流部", "en": "Logistics"},
    }
    edge = {
        "requester_id": 2,
        "provider_id": 3,
        "median_turnaround_minutes": 540 * 3,
        "bounce_rate": 0.4,
    }
    summary = sentences(app, data(relations={"stalls": [edge], "department_names": names}))
    en = next(s for s in summary["en"] if s["kind"] == "stuck")
    ja = next(s for s in summary["ja"] if s["kind"] == "stuck")
    assert en["anchor"] == "departments"
    assert en["text"].startswith("Handoffs from Quality Assurance to Logistics are stuck")
    assert "40% sent back" in en["text"]
    assert ja["text"].startswith("品質保証部から物流部への依頼が滞っています")
    edge["bounce_rate"] = 0.0  # stuck by waiting only: no "0% sent back"
    summary = sentences(app, data(relations={"stalls": [edge], "department_names": names}))
    en = next(s for s in summary["en"] if s["kind"] == "stuck")
    assert en["text"] == (
        "Handoffs from Quality Assurance to Logistics are stuck: a median of 3 business days."
    )


@pytest.mark.parametrize("total", [0, 3, 30])
def test_the_same_numbers_give_the_same_sentences(app, total):
    found = data(total=total, baseline=10.0)
    assert sentences(app, copy.deepcopy(found)) == sentences(app, found)


def test_every_sentence_links_to_a_section_of_the_page(app):
    found = data(
        total=30,
        baseline=10.0,
        thanks={"total": 2, "by_department": [{"department_id": 1, "count": 2}]},
    )
    found["sections"]["cases"]["observations"] = {"count": 3}
    summary = sentences(app, found)
    anchors = {s["anchor"] for s in summary["en"]}
    assert anchors <= {"volume", "themes", "escalations", "departments", "thanks", "observations"}
    assert len(summary["en"]) <= 8


def test_a_steep_rise_reads_as_times_as_many(app):
    summary = sentences(app, data(total=13, baseline=0.25))
    assert first(summary, "en")["kind"] == "rising"
    assert first(summary, "en")["text"] == (
        "13 cases were received this week, 52 times as many as in the 4 weeks before (0.2 a week)."
    )
    assert "の 52 倍です" in first(summary, "ja")["text"]
