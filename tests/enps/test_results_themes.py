"""Comment themes: the reasons' terms read by the real NLP at the clock's step, counted per
group only where the gate shows comments."""

from __future__ import annotations

import re

from sqlalchemy import select

from relq.capability import installed
from relq.db import db
from relq.enps import themes
from relq.enps.gate import Group, Suppressed
from relq.enps.models import SurveyResponse
from tests.enps.test_gate_helpers import add_answers, make_round

REASONS = [
    "評価制度が不透明で、頑張っても報酬に反映されない",
    "評価制度の基準が分からない",
    "上司が話を聞いてくれる",
    "残業が多くて忙しい",
    "残業が減らない",
    "評価制度に納得できない",
    "職場の人間関係が良い",
    "上司の支援がある",
    "報酬が低い",
    "残業代がきちんと出る",
    "特になし",
    "評価制度と報酬が見直された",
]


def test_the_tick_reads_reasons_with_the_nlp(org, app):
    r = make_round(org.admin)
    add_answers(r, org.qa, [5] * len(REASONS), reason=REASONS)
    add_answers(r, org.qa, [8, 8])  # no reason: nothing to read
    assert any(step is themes.tick for _name, step in installed().ticks)
    assert themes.tick(None) == {"reasons_read": len(REASONS)}
    assert themes.tick(None) == {"reasons_read": 0}
    stored = db.session.scalars(
        select(SurveyResponse.reason_terms).where(SurveyResponse.reason != "")
    ).all()
    assert all(s is not None for s in stored)
    first = next(s for s in stored if "評価制度" in s and "反映" in s)
    assert "報酬" in first.split("\n")
    assert db.session.scalars(
        select(SurveyResponse.reason_terms).where(SurveyResponse.reason == "")
    ).all() == [None, None]


def test_themes_count_answers_per_term_where_comments_are_shown(org):
    r = make_round(org.admin)
    add_answers(r, org.qa, [5] * len(REASONS), reason=REASONS)
    themes.read_reasons()
    found = themes.themes(Group(r.id, org.qa.id))
    counts = dict(found.terms)
    assert counts["評価制度"] == 4
    assert counts["残業"] == 2  # 残業代 is its own compound
    assert counts["上司"] == 2
    assert all(n >= 2 for n in counts.values())
    assert found.comments == len(REASONS) and found.unread == 0
    assert found.terms == sorted(found.terms, key=lambda t: -t[1])


def test_no_themes_where_comments_are_hidden(org):
    r = make_round(org.admin)
    add_answers(r, org.qa, [5] * 9, reason=REASONS[:9])
    add_answers(r, org.cs, [5] * 12, reason=REASONS)
    themes.read_reasons()
    assert isinstance(themes.themes(Group(r.id, org.qa.id)), Suppressed)
    # cs has 12 comments, but the company minus cs would be qa's 9: hidden as well.
    assert isinstance(themes.themes(Group(r.id, org.cs.id)), Suppressed)
    assert not isinstance(themes.themes(Group(r.id)), Suppressed)


def test_unread_reasons_are_counted_not_guessed(org):
    r = make_round(org.admin)
    add_answers(r, org.qa, [5] * len(REASONS), reason=REASONS)
    found = themes.themes(Group(r.id))
    assert found.terms == [] and found.unread == len(REASONS)


def test_page_shows_themes_and_verbatims_only_where_allowed(org, login_as):
    r = make_round(org.admin)
    add_answers(r, org.qa, [5] * len(REASONS), reason=REASONS)
    add_answers(r, org.cs, [9] * 9, reason="仲間に恵まれている")
    themes.read_reasons()
    db.session.commit()
    executive = login_as(org.executive)
    company = executive.get(f"/enps/results/rounds/{r.id}").get_data(as_text=True)
    assert 'data-testid="theme-terms"' in company and "評価制度" in company
    assert company.count("仲間に恵まれている") == 9
    # A department with 12 comments beside one with 9: company minus it would be 9 < 10.
    qa = executive.get(f"/enps/results/rounds/{r.id}/departments/{org.qa.id}")
    page = qa.get_data(as_text=True)
    assert 'data-testid="themes-hidden"' in page and 'data-testid="comments"' not in page
    assert not re.search(r"評価制度が不透明", page)
