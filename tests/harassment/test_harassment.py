"""Customer-harassment mode: flagging, who reads the record, describing it, caring for the staff
member, and management's counts."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from relq import events
from relq.audit.models import AuditEvent
from relq.cases.services import MissingInput, NotAllowed
from relq.db import utcnow
from relq.harassment.models import ACTIONS, BEHAVIOURS, HarassmentReport, StaffFollowUp
from relq.harassment.services import (
    UNDESCRIBED,
    AlreadyFlagged,
    InvalidChoice,
    ReportConflict,
    add_follow_up,
    flag_case,
    flagged_case_ids,
    harassment_counts,
    last_months,
    update_report,
)
from tests.factories import make_case, make_department, make_user

QUOTE = "「お前の名前をSNSに晒してやる」と三回言われた"
WHAT = "返金に加えて社長の土下座を要求し、二時間電話を切らなかった"


def _describe(report, actor):
    update_report(
        report,
        actor=actor,
        changes={
            "behaviours": ["threats", "sns_exposure"],
            "demand_valid": "no",
            "manner_acceptable": "no",
            "fact_what": WHAT,
            "quotes": QUOTE,
            "actions": ["end_contact"],
        },
        expected_version=report.version,
    )


def _label(mapping, code):
    with force_locale("ja"):
        return str(mapping[code])


# ---- flagging --------------------------------------------------------------------------------


def test_flag_opens_the_record_audits_and_announces_it(org, session):
    case = make_case(org.operator, department=org.qa)
    heard = []

    def receiver(sender, **kwargs):
        heard.append((sender, kwargs))

    with events.harassment_flagged.connected_to(receiver):
        report = flag_case(case, actor=org.operator)

    assert report.case_id == case.id
    assert report.flagged_by_id == org.operator.id
    assert report.staff_member_id == org.operator.id  # the one who flags bore it, by default
    assert heard == [(case, {"actor": org.operator, "report": report})]
    event = session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "harassment.flagged"))
    assert (event.entity_type, event.entity_id, event.actor_id) == (
        "harassment_report",
        report.id,
        org.operator.id,
    )
    # Not on the case's timeline, which everyone who sees the case reads.
    assert event.case_id is None
    assert list(session.scalars(flagged_case_ids())) == [case.id]


def test_a_case_is_flagged_once(org, session, login_as):
    case = make_case(org.operator, department=org.qa)
    first = flag_case(case, actor=org.operator)
    with pytest.raises(AlreadyFlagged) as refused:
        flag_case(case, actor=org.lead_cs)
    assert refused.value.report is first
    session.commit()

    response = login_as(org.operator2).post(
        f"/harassment/flag/{case.id}", {}, token_from=f"/cases/{case.id}"
    )
    assert response.status_code == 302
    # operator2 may not read the record: sent back to the case, not to the record.
    assert response.headers["Location"].endswith(f"/cases/{case.id}")
    assert session.scalar(sa.select(sa.func.count()).select_from(HarassmentReport)) == 1


def test_the_lead_can_flag_for_an_operator_of_the_front_line(org, session):
    case = make_case(org.operator, department=org.qa)
    with pytest.raises(MissingInput):
        flag_case(case, actor=org.lead_cs, staff_member_id=org.lead_qa.id)
    report = flag_case(case, actor=org.lead_cs, staff_member_id=org.operator.id)
    assert (report.flagged_by_id, report.staff_member_id) == (org.lead_cs.id, org.operator.id)


def test_an_operator_of_another_contact_department_flags_for_themselves(org, session):
    branch = make_department("branch", "大阪相談室", "Osaka Contact Office", contact=True)
    osaka = make_user("operator", branch)
    case = make_case(org.operator, department=org.qa)
    report = flag_case(case, actor=osaka)
    assert report.staff_member_id == osaka.id


def test_only_the_front_line_flags(org, session, login_as):
    case = make_case(org.operator, department=org.qa)
    for outsider in (org.lead_qa, org.executive, org.admin):
        with pytest.raises(NotAllowed):
            flag_case(case, actor=outsider)
    session.commit()

    url = f"/harassment/flag/{case.id}"
    # The owning department's lead sees the case but may not flag it; the logistics lead does
    # not see it at all; executives may not flag.
    assert login_as(org.lead_qa).post(url, {}, token_from="/thanks/").status_code == 403
    assert login_as(org.lead_logistics).post(url, {}, token_from="/thanks/").status_code == 404
    assert login_as(org.executive).post(url, {}, token_from="/thanks/").status_code == 403
    assert session.scalar(sa.select(sa.func.count()).select_from(HarassmentReport)) == 0

    response = login_as(org.operator).post(url, {}, token_from=f"/cases/{case.id}")
    report = session.scalar(sa.select(HarassmentReport))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/harassment/{report.id}")


def test_the_front_line_sees_the_flag_button_others_do_not(org, session, login_as):
    case = make_case(org.operator, department=org.qa)
    session.commit()
    html = login_as(org.operator).get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'data-testid="harassment-flag"' in html
    html = login_as(org.lead_qa).get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'data-testid="harassment-panel"' not in html


# ---- who reads the record --------------------------------------------------------------------

READERS = ("operator", "lead_cs", "executive", "admin")
NOTICE_ONLY = ("lead_qa", "operator2")


def test_details_are_for_the_staff_members_side_only(org, session, login_as):
    case = make_case(org.operator, department=org.qa)
    report = flag_case(case, actor=org.operator)
    _describe(report, org.operator)
    session.commit()
    threats = _label(BEHAVIOURS, "threats")
    case_url, record_url = f"/cases/{case.id}", f"/harassment/{report.id}"

    for name in READERS:
        client = login_as(getattr(org, name))
        html = client.get(case_url).get_data(as_text=True)
        assert 'data-testid="harassment-summary"' in html, name
        assert threats in html, name
        assert 'data-testid="harassment-notice"' not in html, name
        record = client.get(record_url)
        assert record.status_code == 200, name
        assert QUOTE in record.get_data(as_text=True) and WHAT in record.get_data(as_text=True)

    for name in NOTICE_ONLY:
        client = login_as(getattr(org, name))
        html = client.get(case_url).get_data(as_text=True)
        assert 'data-testid="harassment-notice"' in html, name
        for secret in ('data-testid="harassment-summary"', threats, QUOTE, WHAT, record_url):
            assert secret not in html, (name, secret)
        assert client.get(record_url).status_code == 404, name

    # The logistics lead does not see the case, nor, through it, the record.
    outsider = login_as(org.lead_logistics)
    assert outsider.get(case_url).status_code == 404
    assert outsider.get(record_url).status_code == 404


def test_executives_read_but_do_not_edit(org, session, login_as):
    case = make_case(org.operator, department=org.qa)
    report = flag_case(case, actor=org.operator)
    _describe(report, org.operator)
    session.commit()
    client = login_as(org.executive)
    html = client.get(f"/harassment/{report.id}").get_data(as_text=True)
    assert 'data-testid="record-details"' in html and 'data-testid="save-record"' not in html
    response = client.post(
        f"/harassment/{report.id}/edit",
        {"version": report.version, "fact_what": "x"},
        token_from=f"/harassment/{report.id}",
    )
    assert response.status_code == 403
    with pytest.raises(NotAllowed):
        update_report(report, actor=org.executive, changes={}, expected_version=report.version)


# ---- describing the record -------------------------------------------------------------------


def _form_from(html: str) -> dict:
    def value(name):
        return re.search(rf'name="{name}"[^>]*value="([^"]*)"', html).group(1)

    return {"csrf_token": value("csrf_token"), "version": value("version")}


def test_update_records_field_names_but_no_text(org, session, login_as):
    case = make_case(org.operator, department=org.qa)
    report = flag_case(case, actor=org.operator)
    session.commit()
    client = login_as(org.operator)
    form = _form_from(client.get(f"/harassment/{report.id}").get_data(as_text=True))
    form |= {
        "behaviours": ["sns_exposure", "threats"],
        "demand_valid": "yes",
        "manner_acceptable": "no",
        "quotes": QUOTE,
        "actions": ["police"],
    }
    response = client.post(f"/harassment/{report.id}/edit", form)
    assert response.status_code == 302
    session.expire_all()
    saved = session.get(HarassmentReport, report.id)
    assert saved.behaviours == ["threats", "sns_exposure"]  # in the vocabulary's order
    assert (saved.demand_valid, saved.manner_acceptable) == ("yes", "no")
    assert saved.quotes == QUOTE and saved.actions == ["police"]
    event = session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "harassment.updated"))
    assert event.after == {
        "fields": ["behaviours", "demand_valid", "manner_acceptable", "actions", "quotes"]
    }
    assert event.before is None and event.case_id is None
    assert QUOTE not in str(event.after)


def test_unknown_codes_are_refused(org, session, login_as):
    case = make_case(org.operator, department=org.qa)
    report = flag_case(case, actor=org.operator)
    for changes in ({"behaviours": ["rudeness"]}, {"actions": ["sue"]}, {"demand_valid": "maybe"}):
        with pytest.raises(InvalidChoice):
            update_report(report, actor=org.operator, changes=changes, expected_version=1)
    session.commit()

    client = login_as(org.operator)
    form = _form_from(client.get(f"/harassment/{report.id}").get_data(as_text=True))
    form |= {"behaviours": ["threats", "rudeness"], "fact_what": WHAT}
    response = client.post(f"/harassment/{report.id}/edit", form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'data-testid="group-behaviours"' in html and 'class="error"' in html
    assert WHAT in html  # what was typed is kept
    session.expire_all()
    assert session.get(HarassmentReport, report.id).behaviours == []


def test_stale_edit_conflicts_and_keeps_the_typing(org, session, login_as):
    case = make_case(org.operator, department=org.qa)
    report = flag_case(case, actor=org.operator)
    session.commit()
    mine = login_as(org.operator)
    form = _form_from(mine.get(f"/harassment/{report.id}").get_data(as_text=True))
    # Meanwhile the lead adds the evidence.
    _describe(session.get(HarassmentReport, report.id), org.lead_cs)
    session.commit()

    form |= {"fact_how": "怒鳴り声で、三十分ごとにかけ直してきた"}
    response = mine.post(f"/harassment/{report.id}/edit", form)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert 'data-testid="conflict"' in html
    assert "怒鳴り声で、三十分ごとにかけ直してきた" in html
    assert org.lead_cs.name in html
    session.expire_all()
    saved = session.get(HarassmentReport, report.id)
    assert saved.fact_how == "" and saved.fact_what == WHAT

    with pytest.raises(ReportConflict):
        update_report(saved, actor=org.operator, changes={"fact_how": "x"}, expected_version=1)
    # The re-rendered form carries the current version: saving again works.
    form["version"] = re.search(r'name="version"[^>]*value="(\d+)"', html).group(1)
    assert mine.post(f"/harassment/{report.id}/edit", form).status_code == 302


# ---- care for the staff member ---------------------------------------------------------------


def test_follow_up_is_recorded(org, session, login_as):
    case = make_case(org.operator, department=org.qa)
    report = flag_case(case, actor=org.operator)
    session.commit()
    lead = login_as(org.lead_cs)
    assert 'data-testid="needs-care"' in lead.get("/harassment/").get_data(as_text=True)

    response = lead.post(
        f"/harassment/{report.id}/follow-ups",
        {"held_at": "2026-01-05T10:30", "body": "面談。体調に問題なし。次回から二人体制で対応。"},
        token_from=f"/harassment/{report.id}",
    )
    assert response.status_code == 302
    follow_up = session.scalar(sa.select(StaffFollowUp))
    assert follow_up.recorded_by_id == org.lead_cs.id
    assert follow_up.held_at == datetime(2026, 1, 5, 1, 30, tzinfo=UTC)  # typed in Tokyo time
    event = session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "harassment.follow_up_added")
    )
    assert event.entity_id == report.id and "二人体制" not in str(event.after)

    assert "二人体制" in lead.get(f"/harassment/{report.id}").get_data(as_text=True)
    assert 'data-testid="needs-care"' not in lead.get("/harassment/").get_data(as_text=True)
    case_page = lead.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "2026-01-05 10:30" in case_page  # the summary's last follow-up


def test_follow_up_needs_a_body_and_a_past_time(org, session, login_as):
    case = make_case(org.operator, department=org.qa)
    report = flag_case(case, actor=org.operator)
    with pytest.raises(MissingInput):
        add_follow_up(report, actor=org.lead_cs, held_at=utcnow(), body="  ")
    with pytest.raises(MissingInput):
        add_follow_up(report, actor=org.lead_cs, held_at=utcnow() + timedelta(days=1), body="x")
    with pytest.raises(NotAllowed):
        add_follow_up(report, actor=org.lead_qa, held_at=utcnow(), body="x")
    session.commit()
    response = login_as(org.lead_cs).post(
        f"/harassment/{report.id}/follow-ups",
        {"held_at": "2026-01-05T10:30", "body": ""},
        token_from=f"/harassment/{report.id}",
    )
    assert response.status_code == 422
    assert session.scalar(sa.select(sa.func.count()).select_from(StaffFollowUp)) == 0


# ---- management ------------------------------------------------------------------------------


def test_counts_per_office_month_and_behaviour(org, session):
    now = datetime(2026, 3, 15, 3, 0, tzinfo=UTC)
    flagged = [
        # 2026-02-01 01:00 in Tokyo: February, though still January in UTC.
        (datetime(2026, 1, 31, 16, 0, tzinfo=UTC), ["threats", "sns_exposure"]),
        (datetime(2026, 2, 20, 0, 0, tzinfo=UTC), ["threats"]),
        (datetime(2026, 3, 10, 0, 0, tzinfo=UTC), []),
        (datetime(2025, 8, 1, 0, 0, tzinfo=UTC), ["violence"]),  # before the six months
    ]
    for at, behaviours in flagged:
        case = make_case(org.operator, department=org.qa)
        report = flag_case(case, actor=org.operator)
        report.flagged_at, report.behaviours = at, behaviours
    session.flush()

    start, end = last_months(6, now=now)
    counts = harassment_counts(org.executive, start, end)
    assert [m.isoformat() for m in counts.months] == [
        "2025-10-01",
        "2025-11-01",
        "2025-12-01",
        "2026-01-01",
        "2026-02-01",
        "2026-03-01",
    ]
    assert counts.reports == [0, 0, 0, 0, 2, 1]
    assert counts.by_behaviour["threats"] == [0, 0, 0, 0, 2, 0]
    assert counts.by_behaviour["sns_exposure"] == [0, 0, 0, 0, 1, 0]
    assert counts.by_behaviour[UNDESCRIBED] == [0, 0, 0, 0, 0, 1]
    assert sum(counts.by_behaviour["violence"]) == 0
    assert counts.highest == 3

    # The operator's lead counts them; the QA lead (who owns the cases) does not.
    assert harassment_counts(org.lead_cs, start, end).reports == counts.reports
    assert sum(harassment_counts(org.lead_qa, start, end).reports) == 0


def test_management_page_lists_the_team_s_records(org, session, login_as):
    case = make_case(org.operator, department=org.qa)
    report = flag_case(case, actor=org.operator)
    update_report(
        report,
        actor=org.operator,
        changes={"behaviours": ["abusive_language"], "actions": ["end_contact"]},
        expected_version=report.version,
    )
    session.commit()
    row = f'data-testid="report-{report.id}"'
    for user in (org.lead_cs, org.executive, org.admin):
        html = login_as(user).get("/harassment/").get_data(as_text=True)
        assert row in html and case.ref in html
        assert _label(BEHAVIOURS, "abusive_language") in html
        assert _label(ACTIONS, "end_contact") in html
        chart = re.search(r'data-testid="harassment-chart"><svg .*?</svg>', html, re.S)
        assert chart and 'class="chart"' in chart.group(0)
        assert ">1</text>" in chart.group(0)  # the case flagged this month, above its bar
        # the legend names the behaviours of these months only; the table lists them all
        assert _label(BEHAVIOURS, "abusive_language") in chart.group(0)
        assert _label(BEHAVIOURS, "violence") not in chart.group(0)
    for user in (org.lead_qa, org.lead_logistics):
        html = login_as(user).get("/harassment/").get_data(as_text=True)
        assert row not in html and case.ref not in html
    assert login_as(org.operator).get("/harassment/").status_code == 403


def test_menu_shows_the_overview_to_management_only(org, session, login_as):
    assert "/harassment/" in login_as(org.lead_cs).get("/thanks/").get_data(as_text=True)
    assert "/harassment/" not in login_as(org.operator).get("/thanks/").get_data(as_text=True)
