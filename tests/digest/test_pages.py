"""The digest's pages: the executives' landing page, a week, the archive and its diff; the
archived snapshot is immutable; a GET never stores; who may read which digest."""

from __future__ import annotations

from sqlalchemy import func, select

from relq.audit.models import AuditEvent
from relq.cases.models import Case
from relq.db import db, transaction
from relq.digest import services
from relq.digest.models import DigestSnapshot
from tests.digest.helpers import WEEK, case_at, tokyo

URL = f"/digest/{WEEK}"


def snapshots() -> int:
    return db.session.scalar(select(func.count()).select_from(DigestSnapshot))


def test_an_executive_lands_on_the_digest_of_the_last_complete_week(org, login_as):
    client = login_as(org.executive)
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/digest/")
    page = client.get("/digest/").get_data(as_text=True)
    assert 'data-testid="digest-summary"' in page and 'data-testid="digest-not-archived"' in page
    assert snapshots() == 0  # reading never stores
    assert 'href="/digest/subscription"' in page  # where they choose what comes by e-mail


def test_the_archived_digest_does_not_change_when_its_cases_do(org, login_as):
    with transaction():
        cases = [case_at(org, tokyo(2026, 4, 28, 9 + i), kind="complaint") for i in range(3)]
        services.build(WEEK, None, actor=org.admin)
    before = services.archived(WEEK, None).data
    # Afterwards a case is reclassified and another one is backdated into the week.
    with transaction():
        case = db.session.get(Case, cases[0].id)
        case.kind = "inquiry"
        case_at(org, tokyo(2026, 4, 29, 9), kind="complaint")
    with transaction():
        again = services.build(WEEK, None)
    assert again.data == before
    assert again.data["sections"]["cases"]["volume"]["by_kind"]["complaint"] == 3
    page = login_as(org.executive).get(URL).get_data(as_text=True)
    assert 'data-testid="digest-archived"' in page
    assert before["summary"]["ja"][0]["text"] in page
    # Computed afresh (not archived) the week would read 4 cases, 3 complaints.
    fresh = services.compute(WEEK, None).data["sections"]["cases"]["volume"]
    assert fresh["total"] == 4 and fresh["by_kind"]["complaint"] == 3


def test_a_get_computes_without_storing_and_an_admin_archives_by_post(org, login_as):
    with transaction():
        case_at(org, tokyo(2026, 4, 28, 9))
    admin = login_as(org.admin)
    page = admin.get(URL).get_data(as_text=True)
    assert 'data-testid="digest-archive-button"' in page
    assert snapshots() == 0
    assert admin.post(f"{URL}/archive", {}, csrf=False).status_code == 400  # CSRF
    response = admin.post(f"{URL}/archive", {}, token_from=URL)
    assert response.status_code == 302
    assert snapshots() == 1
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "digest.archived"))
    assert [e.actor_id for e in audit] == [org.admin.id]
    # Archiving twice keeps the first.
    admin.post(f"{URL}/archive", {}, token_from=URL)
    assert snapshots() == 1
    # An executive reads it but has no archive button, and may not post.
    executive = login_as(org.executive)
    assert "digest-archive-button" not in executive.get(URL).get_data(as_text=True)
    assert executive.post(f"{URL}/archive", {}, token_from=URL).status_code == 403


def test_a_lead_reads_their_own_department_and_nobody_elses(org, login_as):
    with transaction():
        case_at(org, tokyo(2026, 4, 28, 9), department=org.qa)
        case_at(org, tokyo(2026, 4, 28, 10), department=org.logistics)
    lead = login_as(org.lead_qa)
    own = lead.get(URL)
    assert own.status_code == 200
    assert "品質保証部" in own.get_data(as_text=True)
    assert lead.get(f"{URL}?department={org.qa.id}").status_code == 200
    assert lead.get(f"{URL}?department={org.logistics.id}").status_code == 403
    assert lead.get(f"{URL}?department=").status_code == 403  # the company's
    assert lead.get(f"/digest/archive?department={org.logistics.id}").status_code == 403
    assert login_as(org.operator).get(URL).status_code == 403
    executive = login_as(org.executive)
    assert executive.get(f"{URL}?department={org.logistics.id}").status_code == 200


def test_bad_weeks_and_departments_are_refused_plainly(org, login_as):
    executive = login_as(org.executive)
    assert executive.get("/digest/2026-W99").status_code == 404
    assert executive.get("/digest/next-week").status_code == 404
    assert executive.get("/digest/2999-W01").status_code == 404  # not over yet
    assert executive.get(f"{URL}?department=99999").status_code == 404
    assert executive.get(f"{URL}?department=abc").status_code == 400
    assert executive.get(f"{URL}?department=99999999999").status_code == 400


def test_the_archive_lists_past_weeks_and_the_page_compares_with_the_week_before(org, login_as):
    with transaction():
        case_at(org, tokyo(2026, 4, 21, 9))
        for hour in (9, 10, 11):
            case_at(org, tokyo(2026, 4, 28, hour))
        services.build(WEEK.previous(), None)
        services.build(WEEK, None)
    executive = login_as(org.executive)
    archive = executive.get("/digest/archive").get_data(as_text=True)
    assert archive.index(str(WEEK)) < archive.index(str(WEEK.previous()))  # newest first
    rows = services.diff(services.archived(WEEK, None), services.archived(WEEK.previous(), None))
    cases = next(r for r in rows if r["name"] == "cases")
    assert cases == {"name": "cases", "value": 3, "previous": 1, "direction": "up"}
    page = executive.get(URL).get_data(as_text=True)
    assert 'data-testid="digest-diff"' in page and "▲" in page


def test_the_page_draws_charts_with_the_same_numbers_as_its_tables(org, login_as):
    with transaction():
        for hour in (9, 10):
            case_at(org, tokyo(2026, 4, 28, hour), kind="complaint", product="電気ケトル KT-200")
    page = login_as(org.executive).get(URL).get_data(as_text=True)
    assert page.count("<svg") >= 3
    assert "電気ケトル KT-200" in page
    charts = services.charts(services.compute(WEEK, None), "ja")
    assert {"volume_days", "volume_weeks", "channels", "products"} <= set(charts)
    assert b"PNG" in charts["products"].png()[:8]


def test_the_clock_archives_the_weeks_that_are_due_once(org):
    from datetime import timedelta as td

    from relq.digest.services import ARCHIVE_AFTER, archive_due

    with transaction():
        case_at(org, tokyo(2026, 4, 14, 9))  # 2026-W16: the record's first week
        case_at(org, tokyo(2026, 4, 28, 9))
    end = WEEK.bounds()[1]
    with transaction():
        found = archive_due(end + ARCHIVE_AFTER - td(minutes=1))  # W18 is not due yet
    assert found[:2] == ["2026-W16", "2026-W17"]
    assert {f"2026-W17/{d.id}" for d in (org.cs, org.qa, org.logistics)} == set(found[2:])
    with transaction():
        found = archive_due(end + ARCHIVE_AFTER)
    assert found[0] == str(WEEK)
    assert {f"{WEEK}/{d.id}" for d in (org.cs, org.qa, org.logistics)} <= set(found)
    with transaction():
        assert archive_due(end + ARCHIVE_AFTER + td(hours=1)) == []
    assert [s.week for s in services.archive_list(None)] == [str(WEEK), "2026-W17", "2026-W16"]
