"""Survey rounds for admins: create with the issue's items and bands, edit while draft, open,
close (then read-only: 409), thresholds never below 5/10, a pulse copying an earlier round's
items, every change audited; invitations: links shown once (page and CSV), only digests kept,
re-inviting replaces an unused link, counts only, e-mail in the recipient's language."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from datetime import date

import pytest
from sqlalchemy import select

from relq.audit.models import AuditEvent
from relq.db import db
from relq.enps.collect import invite, parse_addresses
from relq.enps.models import SurveyInvitation, SurveyRound
from relq.enps.rounds import (
    RoundInput,
    close_round,
    create_round,
    open_round,
    update_round,
)
from relq.errors import Conflict, Invalid, NotAllowed
from tests.enps.test_collect_survey import (
    answer_data,
    issue_links,
    make_open_round,
    post_answer,
)
from tests.factories import make_user

LINK = re.compile(r"http://localhost/enps/survey/([A-Za-z0-9_-]+)")


def _input(**fields) -> RoundInput:
    values = {
        "name": "2026年上期 従業員サーベイ",
        "kind": "census",
        "period_start": date(2026, 4, 1),
        "period_end": date(2026, 4, 30),
    } | fields
    return RoundInput(**values)


def _html(response) -> str:
    return response.get_data(as_text=True)


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


# ---- the services --------------------------------------------------------------------------------


def test_a_new_round_has_the_issues_items_and_bands_and_is_audited(app, org):
    survey_round = create_round(_input(), actor=org.admin)
    db.session.commit()
    assert survey_round.status == "draft"
    assert [f.name_ja for f in survey_round.factors] == [
        "やりがい",
        "人間関係",
        "評価と報酬",
        "成長機会",
        "職場環境",
        "経営への信頼",
    ]
    assert survey_round.factors[5].name_en == "Trust in management"
    assert survey_round.factors[2].code == "recognition_pay"
    levels = [b.name_ja for b in survey_round.bands if b.dimension == "level"]
    tenures = [b.name_ja for b in survey_round.bands if b.dimension == "tenure"]
    assert levels == ["一般", "主任・係長", "課長以上"]
    assert tenures == ["1年未満", "1〜3年", "3〜10年", "10年以上"]
    (event,) = _events("enps_round.created")
    assert event.entity_id == survey_round.id and event.actor_id == org.admin.id
    assert event.after["factors"][0] == "やりがい"


@pytest.mark.parametrize(
    "fields, code",
    [
        ({"min_group": 4}, "min_group"),
        ({"min_comments": 9}, "min_comments"),
        ({"name": " "}, "name"),
        ({"name": "x\x00"}, "name"),
        ({"kind": "weekly"}, "kind"),
        ({"period_end": date(2026, 3, 31)}, "period"),
        ({"factors": [("やりがい", "A"), ("やりがい", "B")]}, "factors"),
        ({"levels": [("長" * 81, "x")]}, "levels"),
    ],
)
def test_refused_settings(app, org, fields, code):
    with pytest.raises(Invalid) as refused:
        create_round(_input(**fields), actor=org.admin)
    assert refused.value.code == code


def test_thresholds_may_be_raised(app, org):
    survey_round = create_round(_input(min_group=8, min_comments=15), actor=org.admin)
    assert (survey_round.min_group, survey_round.min_comments) == (8, 15)


def test_only_admins_run_rounds(app, org):
    for user in (org.executive, org.lead_qa, org.operator):
        with pytest.raises(NotAllowed):
            create_round(_input(), actor=user)
    survey_round = make_open_round(org)
    with pytest.raises(NotAllowed):
        invite(survey_round, actor=org.executive, emails=["a@example.jp"])
    with pytest.raises(NotAllowed):
        close_round(survey_round, actor=org.lead_qa)


def test_a_draft_is_edited_and_the_change_audited_then_open_and_closed_are_fixed(app, org):
    survey_round = create_round(_input(), actor=org.admin)
    update_round(
        survey_round,
        _input(name="2026年上期", factors=[("やりがい", "Meaningful work"), ("裁量", "Autonomy")]),
        actor=org.admin,
    )
    db.session.commit()
    assert [f.code for f in survey_round.factors] == ["meaningful_work", "autonomy"]
    (event,) = _events("enps_round.updated")
    assert event.before["name"] == "2026年上期 従業員サーベイ"
    assert event.after["factors"] == ["やりがい", "裁量"]
    assert "period_start" not in event.after  # only what changed

    open_round(survey_round, actor=org.admin)
    with pytest.raises(Conflict):
        update_round(survey_round, _input(), actor=org.admin)
    with pytest.raises(Conflict):
        open_round(survey_round, actor=org.admin)
    close_round(survey_round, actor=org.admin)
    db.session.commit()
    assert survey_round.closed_at is not None
    for attempt in (
        lambda: update_round(survey_round, _input(), actor=org.admin),
        lambda: open_round(survey_round, actor=org.admin),
        lambda: close_round(survey_round, actor=org.admin),
        lambda: invite(survey_round, actor=org.admin, emails=["a@example.jp"]),
    ):
        with pytest.raises(Conflict) as refused:
            attempt()
        assert refused.value.status == 409
    assert [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))][
        -4:
    ] == ["enps_round.created", "enps_round.updated", "enps_round.opened", "enps_round.closed"]


def test_a_draft_round_sends_no_links(app, org):
    survey_round = create_round(_input(), actor=org.admin)
    with pytest.raises(Conflict):
        invite(survey_round, actor=org.admin, emails=["a@example.jp"])


# ---- invitations -------------------------------------------------------------------------------


def test_links_for_departments_and_addresses_keep_only_digests(app, org):
    inactive = make_user("lead", org.logistics, email="gone@example.jp")
    inactive.is_active = False
    db.session.commit()
    survey_round = make_open_round(org)
    result = invite(
        survey_round,
        actor=org.admin,
        department_ids=[org.logistics.id],
        emails=parse_addresses("new.person@example.jp, Lead@Example.jp\n" + org.lead_qa.email),
    )
    db.session.commit()
    emails = [i.email for i in result.issued]
    assert org.lead_logistics.email in emails and "gone@example.jp" not in emails
    assert "new.person@example.jp" in emails and org.lead_qa.email in emails
    stored = {i.recipient_email: i for i in db.session.scalars(select(SurveyInvitation))}
    assert set(stored) == set(emails)
    for issued in result.issued:
        assert (
            stored[issued.email].token_digest == hashlib.sha256(issued.token.encode()).hexdigest()
        )
        assert stored[issued.email].used is False
    assert stored[org.lead_qa.email].user_id == org.lead_qa.id
    assert stored["new.person@example.jp"].user_id is None
    (event,) = _events("enps_round.invited")
    assert event.after["links"] == len(emails) and "new.person@example.jp" not in str(event.after)


def test_inviting_again_replaces_an_unused_link_and_skips_a_used_one(app, org, client):
    survey_round = make_open_round(org)
    first_a, first_b = issue_links(org, survey_round, ["a@example.jp", "b@example.jp"])
    assert post_answer(client, first_b, answer_data(survey_round, org.qa)).status_code == 302
    again = invite(survey_round, actor=org.admin, emails=["a@example.jp", "b@example.jp"])
    db.session.commit()
    assert [(i.email, i.replaced) for i in again.issued] == [("a@example.jp", True)]
    assert again.already_used == 1
    assert client.get(f"/enps/survey/{first_a}").status_code == 404
    assert client.get(f"/enps/survey/{again.issued[0].token}").status_code == 200
    assert len(db.session.scalars(select(SurveyInvitation)).all()) == 2


def test_pasted_addresses_are_checked(app, org):
    assert parse_addresses(" A@example.jp;b@example.jp、a@example.jp ") == [
        "a@example.jp",
        "b@example.jp",
    ]
    with pytest.raises(Invalid):
        parse_addresses("a@example.jp, not-an-address")


# ---- the pages -----------------------------------------------------------------------------------


def test_only_admins_reach_the_rounds_pages(app, org, login_as, client):
    survey_round = make_open_round(org)
    for user in (org.executive, org.lead_qa, org.operator):
        c = login_as(user)
        assert c.get("/enps/rounds/").status_code == 403
        assert c.get(f"/enps/rounds/{survey_round.id}").status_code == 403
    assert "/login" in client.get("/enps/rounds/").headers["Location"]
    admin = login_as(org.admin)
    assert admin.get("/enps/rounds/999999").status_code == 404
    assert admin.get("/enps/rounds/99999999999").status_code == 404


def test_the_menu_shows_the_survey_to_admins_only(app, org, login_as):
    assert "従業員サーベイ" in _html(login_as(org.admin).get("/cases/"))
    assert 'href="/enps/rounds/"' not in _html(login_as(org.executive).get("/cases/"))


def test_an_admin_runs_a_round_through_the_pages(app, org, login_as):
    admin = login_as(org.admin)
    page = _html(admin.get("/enps/rounds/new"))
    assert "やりがい | Meaningful work" in page and "課長以上 | Manager and above" in page
    response = admin.post(
        "/enps/rounds/new",
        {
            "name": "2026年下期 従業員サーベイ",
            "kind": "census",
            "period_start": "2026-10-01",
            "period_end": "2026-10-31",
            "min_group": "5",
            "min_comments": "10",
            "factors": "やりがい | Meaningful work\n人間関係 | Relationships",
            "levels": "一般 | Staff\n管理職 | Manager",
            "tenures": "1年未満 | Less than 1 year\n1年以上 | 1 year or more",
        },
        token_from="/enps/rounds/new",
    )
    assert response.status_code == 302, _html(response)[:2000]
    survey_round = db.session.scalars(select(SurveyRound)).one()
    detail = f"/enps/rounds/{survey_round.id}"
    assert response.headers["Location"].endswith(detail)
    assert [f.name_ja for f in survey_round.factors] == ["やりがい", "人間関係"]

    bad = admin.post(
        f"{detail}/edit",
        {
            "name": "x",
            "kind": "census",
            "period_start": "2026-10-01",
            "period_end": "2026-10-31",
            "min_group": "4",
            "min_comments": "10",
        },
        token_from=f"{detail}/edit",
    )
    assert bad.status_code == 422 and "引き下げはできません" in _html(bad)

    assert admin.post(f"{detail}/open", token_from=detail).status_code == 302
    assert admin.get(f"{detail}/edit").status_code == 409
    links = admin.post(
        f"{detail}/invite",
        {"department_ids": [str(org.qa.id)], "emails": "x@example.jp", "as": "page"},
        token_from=detail,
    )
    assert links.status_code == 200
    html = _html(links)
    tokens = LINK.findall(html)
    assert len(tokens) == 3  # the QA lead, the executive (QA), x@example.jp
    assert "data:text/csv;charset=utf-8;base64," in html
    as_csv = admin.post(
        f"{detail}/invite", {"emails": "y@example.jp", "as": "csv"}, token_from=detail
    )
    assert as_csv.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(as_csv.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["email", "link"] and rows[1][0] == "y@example.jp"
    assert LINK.match(rows[1][1])
    # The round's page counts links and used ones; it never lists who.
    page = _html(admin.get(detail))
    assert 'data-testid="invited">4<' in page and 'data-testid="used">0 (0.0 %)<' in page
    assert "x@example.jp" not in page
    refused = admin.post(f"{detail}/invite", {"emails": "nope"}, token_from=detail)
    assert refused.status_code == 422 and "nope" in _html(refused)

    assert admin.post(f"{detail}/close", token_from=detail).status_code == 302
    closed = _html(admin.get(detail))
    assert 'data-testid="read-only"' in closed and "invite-form" not in closed
    assert (
        admin.post(f"{detail}/invite", {"emails": "z@example.jp"}, token_from=detail).status_code
        == 409
    )
    assert admin.post(f"{detail}/close", token_from=detail).status_code == 409
    index = _html(admin.get("/enps/rounds/"))
    assert "2026年下期 従業員サーベイ" in index and "締め切り" in index


def test_a_pulse_round_copies_an_earlier_rounds_items(app, org, login_as):
    earlier = create_round(
        _input(factors=[("裁量", "Autonomy"), ("やりがい", "Meaningful work")]), actor=org.admin
    )
    db.session.commit()
    page = _html(login_as(org.admin).get(f"/enps/rounds/new?copy={earlier.id}"))
    assert "裁量 | Autonomy\nやりがい | Meaningful work" in page
    assert 'value="pulse" selected' in page or 'selected value="pulse"' in page


def test_links_are_mailed_in_the_recipients_language(app, org, login_as, monkeypatch):
    import relq.notify.mail as mail

    sent = []
    monkeypatch.setattr(mail, "_send", lambda messages: (sent.extend(messages), ([], []))[1])
    app.config.update(MAIL_SERVER="smtp.example.jp", MAIL_QUEUE="inline")
    english = make_user("operator", org.cs, email="en@example.jp", locale="en", name="Emily")
    db.session.commit()
    survey_round = make_open_round(org)
    detail = f"/enps/rounds/{survey_round.id}"
    admin = login_as(org.admin)
    response = admin.post(
        f"{detail}/invite", {"emails": f"{english.email}\n{org.lead_qa.email}"}, token_from=detail
    )
    assert response.status_code == 200
    tokens = LINK.findall(_html(response))
    bodies = {str(m["To"]): m.get_content() for _i, m in sent}
    assert len(sent) == 2
    en = next(b for to, b in bodies.items() if "en@example.jp" in to)
    ja = next(b for to, b in bodies.items() if org.lead_qa.email in to)
    assert "employee survey" in en and "従業員サーベイ" in ja
    assert {LINK.search(en).group(1), LINK.search(ja).group(1)} == set(tokens)


def _capture_mail(app, monkeypatch) -> list:
    import relq.notify.mail as mail

    sent: list = []
    monkeypatch.setattr(mail, "_send", lambda messages: (sent.extend(messages), ([], []))[1])
    app.config.update(MAIL_SERVER="smtp.example.jp", MAIL_QUEUE="inline")
    return sent


def test_reminders_go_by_mail_to_unused_links_only_and_the_page_says_how_many(
    app, org, login_as, client, monkeypatch
):
    survey_round = make_open_round(org)
    answered, waiting_a, waiting_b = issue_links(
        org, survey_round, ["done@example.jp", "a@example.jp", "b@example.jp"]
    )
    assert post_answer(client, answered, answer_data(survey_round, org.qa)).status_code == 302
    sent = _capture_mail(app, monkeypatch)
    detail = f"/enps/rounds/{survey_round.id}"
    admin = login_as(org.admin)
    response = admin.post(f"{detail}/remind", token_from=detail, follow_redirects=True)
    assert response.status_code == 200
    page = _html(response)
    assert "2 件" in page and "a@example.jp" not in page and "done@example.jp" not in page
    assert sorted(str(m["To"]) for _i, m in sent) == ["a@example.jp", "b@example.jp"]
    new_tokens = [LINK.search(m.get_content()).group(1) for _i, m in sent]
    for old in (waiting_a, waiting_b):
        assert client.get(f"/enps/survey/{old}").status_code == 404
    for new in new_tokens:
        assert client.get(f"/enps/survey/{new}").status_code == 200
    (event,) = _events("enps_round.reminded")
    assert event.after == {"links": 2}


def test_without_mail_there_are_no_reminders_and_no_list_of_who_has_not_answered(
    app, org, login_as
):
    survey_round = make_open_round(org)
    (token,) = issue_links(org, survey_round, ["a@example.jp"])
    digest = db.session.scalars(select(SurveyInvitation.token_digest)).one()
    detail = f"/enps/rounds/{survey_round.id}"
    admin = login_as(org.admin)
    page = _html(admin.get(detail))
    assert 'data-testid="remind"' not in page and "a@example.jp" not in page
    response = admin.post(f"{detail}/remind", token_from=detail, follow_redirects=True)
    assert "メール送信が設定されていません" in _html(response)
    db.session.expire_all()
    assert db.session.scalars(select(SurveyInvitation.token_digest)).one() == digest
    assert not _events("enps_round.reminded")


def test_the_rounds_list_draws_the_response_rate(app, org, login_as, client):
    survey_round = make_open_round(org)
    tokens = issue_links(org, survey_round, ["a@example.jp", "b@example.jp"])
    assert post_answer(client, tokens[0], answer_data(survey_round, org.qa)).status_code == 302
    page = _html(login_as(org.admin).get("/enps/rounds/"))
    assert 'data-testid="response-rate-chart"' in page and "<svg" in page
    assert "50.0 %" in page


def test_survey_links_stay_out_of_the_access_log(app):
    import logging

    token = "A" * 32
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record):
            lines.append(self.format(record))

    keep = Keep()
    werkzeug, gunicorn = logging.getLogger("werkzeug"), logging.getLogger("gunicorn.access")
    levels = werkzeug.level, gunicorn.level
    # (Alembic's logging set-up in the tests' migrations disables loggers that existed then.)
    disabled = werkzeug.disabled, gunicorn.disabled
    for logger in (werkzeug, gunicorn):
        logger.addHandler(keep)
        logger.setLevel(logging.INFO)
        logger.disabled = False
    try:
        werkzeug.info(
            '%s - - [03/Dec/2026 12:00:00] "%s" %s -',
            "127.0.0.1",
            f"GET /enps/survey/{token} HTTP/1.1",
            200,
        )
        gunicorn.info(
            '%(h)s "%(r)s" %(s)s',
            {"h": "10.0.0.1", "r": f"POST /enps/survey/{token}?lang=en HTTP/1.1", "s": 302},
        )
        werkzeug.info('"%s" %s', "GET /enps/survey/thanks HTTP/1.1", 200)
    finally:
        for logger, level, off in zip((werkzeug, gunicorn), levels, disabled, strict=True):
            logger.removeHandler(keep)
            logger.setLevel(level)
            logger.disabled = off
    assert len(lines) == 3 and not any(token in line for line in lines)
    assert sum("/enps/survey/[link]" in line for line in lines) == 2
    assert "/enps/survey/thanks" in lines[2]


def test_out_of_range_departments_and_formula_addresses_are_harmless(app, org, login_as):
    survey_round = make_open_round(org)
    detail = f"/enps/rounds/{survey_round.id}"
    admin = login_as(org.admin)
    refused = admin.post(
        f"{detail}/invite", {"department_ids": ["99999999999"], "as": "page"}, token_from=detail
    )
    assert refused.status_code == 422
    with pytest.raises(Invalid):
        invite(survey_round, actor=org.admin, department_ids=[2**40])
    as_csv = admin.post(
        f"{detail}/invite", {"emails": "=1+1@example.jp", "as": "csv"}, token_from=detail
    )
    rows = list(csv.reader(io.StringIO(as_csv.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[1][0] == "'=1+1@example.jp"
