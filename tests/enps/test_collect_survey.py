"""The respondent's page behind a one-time link: the anonymity statement before the form, one
answer per link, refusals that do not tell a used link from one that never existed, a closed
round's 409, bad input's 422 (the link stays unused), no audit event, Japanese and English."""

from __future__ import annotations

import logging
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from relq.audit.models import AuditEvent
from relq.db import db
from relq.enps.collect import Answer, invite, submit_answer
from relq.enps.models import FactorAnswer, SurveyInvitation, SurveyResponse
from relq.enps.rounds import RoundInput, close_round, create_round, open_round
from relq.errors import Conflict, Invalid, NotFound
from tests.factories import make_department

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


# ---- helpers the other eNPS collection tests use too -------------------------------------------


def make_open_round(org, name="2026年下期 従業員サーベイ", **fields):
    survey_round = create_round(
        RoundInput(name, "census", date(2026, 10, 1), date(2026, 10, 31), **fields),
        actor=org.admin,
    )
    open_round(survey_round, actor=org.admin)
    db.session.commit()
    return survey_round


def issue_links(org, survey_round, emails) -> list[str]:
    """One token per address (what the admin's page shows once)."""
    result = invite(survey_round, actor=org.admin, emails=list(emails))
    db.session.commit()
    return [i.token for i in result.issued]


def answer_data(survey_round, department, *, score=8, reason="上司が話を聞いてくれる", value=4):
    data = {"score": str(score), "reason": reason, "department_id": str(department.id)}
    for factor in survey_round.factors:
        data[f"factor_{factor.id}"] = str(value)
    levels = [b for b in survey_round.bands if b.dimension == "level"]
    data["level_band_id"] = str(levels[0].id)
    data["tenure_band_id"] = "0"  # 答えない
    return data


def post_answer(client, token, data, lang=""):
    path = f"/enps/survey/{token}" + (f"?lang={lang}" if lang else "")
    page = client.get(path)
    match = CSRF.search(page.get_data(as_text=True))
    assert match, page.status_code
    return client.post(path, {**data, "csrf_token": match.group(1)}, csrf=False)


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def _html(response) -> str:
    return response.get_data(as_text=True)


# ---- the page -----------------------------------------------------------------------------------


def test_the_statement_comes_before_the_form_in_japanese_by_default(app, org, client):
    survey_round = make_open_round(org)
    (token,) = issue_links(org, survey_round, ["a@example.jp"])
    response = client.get(f"/enps/survey/{token}")
    assert response.status_code == 200
    html = _html(response)
    statement = html.index('data-testid="anonymity-statement"')
    assert statement < html.index('data-testid="survey-form"')
    assert "あなたは、現在の職場を親しい友人や知人にどの程度おすすめしたいと思いますか？" in html
    assert "全くすすめたくない" in html and "非常にすすめたい" in html
    assert "その点数をつけた理由は何ですか？" in html
    assert "答えない" in html
    for name in ("やりがい", "人間関係", "評価と報酬", "成長機会", "職場環境", "経営への信頼"):
        assert name in html
    # What is kept and what is not, and the thresholds of this round.
    assert "保存されないもの" in html and "5" in html


def test_english_is_chosen_with_lang(app, org, client):
    survey_round = make_open_round(org)
    (token,) = issue_links(org, survey_round, ["a@example.jp"])
    html = _html(client.get(f"/enps/survey/{token}?lang=en"))
    assert (
        "How likely are you to recommend your current workplace to a close friend or "
        "acquaintance?" in html
    )
    assert "Not at all likely" in html and "Extremely likely" in html
    assert "Trust in management" in html and "Prefer not to say" in html
    assert 'action="/enps/survey/' in html and "lang=en" in html


def test_an_answer_is_saved_once_and_the_link_is_then_refused(app, org, client):
    survey_round = make_open_round(org)
    (token,) = issue_links(org, survey_round, ["a@example.jp"])
    response = post_answer(client, token, answer_data(survey_round, org.qa, score=9))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/enps/survey/thanks")
    assert "ありがとう" in _html(client.get("/enps/survey/thanks"))
    saved = db.session.scalars(select(SurveyResponse)).one()
    assert (saved.score, saved.department_id, saved.source) == (9, org.qa.id, "link")
    assert saved.level_band_id is not None and saved.tenure_band_id is None
    assert count(FactorAnswer) == 6
    assert db.session.scalars(select(SurveyInvitation.used)).one() is True

    again = client.get(f"/enps/survey/{token}")
    assert again.status_code == 404
    assert 'data-testid="survey-refused"' in _html(again)
    data = answer_data(survey_round, org.qa, score=0)
    # The page is gone, so the form cannot be fetched again: post with a token from elsewhere.
    (other,) = issue_links(org, survey_round, ["b@example.jp"])
    refused = client.post(f"/enps/survey/{token}", data, token_from=f"/enps/survey/{other}")
    assert refused.status_code == 404
    assert count(SurveyResponse) == 1


def test_a_used_link_and_a_made_up_one_get_the_same_answer(app, org, client):
    survey_round = make_open_round(org)
    (token,) = issue_links(org, survey_round, ["a@example.jp"])
    assert post_answer(client, token, answer_data(survey_round, org.qa)).status_code == 302
    used = client.get(f"/enps/survey/{token}")
    unknown = client.get("/enps/survey/" + "x" * 32)
    malformed = client.get("/enps/survey/abc")
    assert used.status_code == unknown.status_code == malformed.status_code == 404
    # The same page, but for the CSRF token of the language switch (and the path it returns to).
    pages = [
        CSRF.sub("", _html(r)).replace(path, "PATH")
        for r, path in ((used, token), (unknown, "x" * 32), (malformed, "abc"))
    ]
    assert pages[0] == pages[1] == pages[2]


def test_a_closed_round_refuses_with_409(app, org, client):
    survey_round = make_open_round(org)
    first, second = issue_links(org, survey_round, ["a@example.jp", "b@example.jp"])
    page = client.get(f"/enps/survey/{first}")
    csrf = CSRF.search(_html(page)).group(1)
    close_round(survey_round, actor=org.admin)
    db.session.commit()
    assert client.get(f"/enps/survey/{second}").status_code == 409
    response = client.post(
        f"/enps/survey/{first}",
        {**answer_data(survey_round, org.qa), "csrf_token": csrf},
        csrf=False,
    )
    assert response.status_code == 409
    assert "受け付けていません" in _html(response)
    assert count(SurveyResponse) == 0
    with pytest.raises(Conflict):
        submit_answer(second, Answer(score=5, department_id=org.qa.id))


@pytest.mark.parametrize(
    "change",
    [
        {"score": "11"},
        {"score": "-1"},
        {"score": ""},
        {"department_id": "0"},
        {"department_id": "999999"},
        {"department_id": "99999999999"},
        {"tenure_band_id": "99999999999"},
        {"reason": "理由\x00です"},
        {"reason": "長" * 2001},
        {"factor": "6"},
        {"level_band_id": "999999"},
    ],
)
def test_bad_input_is_refused_and_the_link_stays_unused(app, org, client, change):
    survey_round = make_open_round(org)
    (token,) = issue_links(org, survey_round, ["a@example.jp"])
    data = answer_data(survey_round, org.qa)
    if "factor" in change:
        data[f"factor_{survey_round.factors[0].id}"] = change.pop("factor")
    data |= change
    response = post_answer(client, token, data)
    assert response.status_code == 422
    assert count(SurveyResponse) == 0
    db.session.expire_all()
    assert db.session.scalars(select(SurveyInvitation.used)).one() is False
    # The same link then works.
    assert post_answer(client, token, answer_data(survey_round, org.qa)).status_code == 302


def test_an_inactive_department_or_another_rounds_band_is_refused_by_the_service(app, org):
    survey_round = make_open_round(org)
    other = make_open_round(org, name="別のラウンド")
    (token,) = issue_links(org, survey_round, ["a@example.jp"])
    closed = make_department("closed", "廃止部", "Closed")
    closed.is_active = False
    db.session.commit()
    with pytest.raises(Invalid, match="department"):
        submit_answer(token, Answer(score=5, department_id=closed.id))
    foreign = next(b for b in other.bands if b.dimension == "level")
    with pytest.raises(Invalid, match="level"):
        submit_answer(token, Answer(score=5, department_id=org.qa.id, level_band_id=foreign.id))
    with pytest.raises(Invalid, match="factor"):
        submit_answer(
            token,
            Answer(score=5, department_id=org.qa.id, factor_values={other.factors[0].id: 3}),
        )
    db.session.rollback()
    with pytest.raises(NotFound):
        submit_answer("y" * 32, Answer(score=5, department_id=org.qa.id))


def test_the_post_needs_its_csrf_token(app, org, client):
    survey_round = make_open_round(org)
    (token,) = issue_links(org, survey_round, ["a@example.jp"])
    response = client.post(f"/enps/survey/{token}", answer_data(survey_round, org.qa), csrf=False)
    assert response.status_code in (400, 422)
    assert count(SurveyResponse) == 0


def test_an_answer_writes_no_audit_event_and_no_log_line_with_its_token(app, org, client, caplog):
    survey_round = make_open_round(org)
    (token,) = issue_links(org, survey_round, ["a@example.jp"])
    events = count(AuditEvent)
    caplog.set_level(logging.DEBUG)
    assert post_answer(client, token, answer_data(survey_round, org.qa)).status_code == 302
    assert count(AuditEvent) == events
    assert all(token not in record.getMessage() for record in caplog.records)
    assert token not in caplog.text


def test_the_respondents_page_fits_a_phone(app, org, client):
    survey_round = make_open_round(org)
    (token,) = issue_links(org, survey_round, ["a@example.jp"])
    html = _html(client.get(f"/enps/survey/{token}"))
    assert 'name="viewport"' in html and "enps-survey.css" in html
    assert 'class="scale scale-11"' in html
