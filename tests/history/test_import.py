"""History import (`flask relq import FILE`, relq/history) through the real command, the real
database and, where learning is the point, the real NLP: Zendesk CSV in CP932, Zammad JSON
lines, a mapping file for anything else; every row or none; the dry run writes nothing; each
imported case is marked in the audit trail; the suggesters learn from what was imported."""

from __future__ import annotations

import codecs
import csv
import io
import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from relq.analysis.models import CaseAnalysis
from relq.audit.models import AuditEvent
from relq.cases.models import Case, Customer
from relq.db import db, transaction
from relq.errors import NotAllowed
from relq.history import services
from relq.history.formats import ZENDESK, decode, load_mapping, read_records
from relq.history.services import check_history
from relq.tags.models import CaseTag, Tag
from relq.tags.services import TagInput, save_tag

ZENDESK_COLUMNS = [
    "Id",
    "Subject",
    "Description",
    "Status",
    "Group",
    "Tags",
    "Created at",
    "Solved at",
    "Requester",
    "Requester email",
    "Priority",
    "Via",
]


@pytest.fixture
def tags(org):
    """Tags of this test's own (the starter list is another capability's business)."""
    with transaction():
        category = save_tag(TagInput("hist", "過去", "History", None, []), actor=org.admin)
        made = {
            code: save_tag(TagInput(code, ja, en, category.id, []), actor=org.admin)
            for code, ja, en in (
                ("hist.lid", "蓋の不具合", "Lid"),
                ("hist.delivery", "配送遅れ", "Late delivery"),
                ("hist.refund", "返金要求", "Refund"),
            )
        }
    return {code: tag.id for code, tag in made.items()}


def _zendesk_csv(rows: list[dict], encoding: str = "cp932") -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, ZENDESK_COLUMNS, lineterminator="\r\n")  # as Excel writes
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return out.getvalue().encode(encoding)


def _zendesk_row(n: int, **changes) -> dict:
    row = {
        "Id": str(1000 + n),
        "Subject": f"ケトルの蓋が閉まらない（{n}件目）",
        "Description": "電気ケトルの蓋がロックされず、お湯がこぼれそうになりました。",
        "Status": "closed",
        "Group": "品質保証部",
        "Tags": "hist.lid vip",
        "Created at": f"2024-03-{n + 1:02d} 10:15",
        "Solved at": f"2024-03-{n + 2:02d} 17:40",
        "Requester": f"山田 {n}",
        "Requester email": f"yamada{n % 2}@example.jp",
        "Priority": "normal",
        "Via": "Phone call (incoming)",
    }
    return row | changes


def _run(app, path, *args):
    result = app.test_cli_runner().invoke(
        args=["relq", "import", str(path), "--as", "admin@example.jp", *args]
    )
    db.session.rollback()  # see what the command's own transaction committed
    return result


@pytest.fixture
def admin_email(org):
    with transaction():
        org.admin.email = "admin@example.jp"
    return org.admin.email


def _counts() -> dict[str, int]:
    return {
        "cases": db.session.scalar(select(func.count(Case.id))),
        "customers": db.session.scalar(select(func.count(Customer.id))),
        "case_tags": db.session.scalar(select(func.count(CaseTag.id))),
        "analyses": db.session.scalar(select(func.count(CaseAnalysis.case_id))),
        "imported_events": db.session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == "case.imported")
        ),
    }


def test_a_zendesk_csv_in_cp932_with_one_bad_row_imports_nothing_and_names_the_row(
    app, org, tags, admin_email, tmp_path
):
    rows = [_zendesk_row(n) for n in range(5)]
    rows[2]["Group"] = "宇宙開発部"  # no such department: the file's line 4
    path = tmp_path / "zendesk.csv"
    path.write_bytes(_zendesk_csv(rows))
    before = _counts()

    result = _run(app, path)

    assert result.exit_code == 1
    assert "cp932" in result.output
    assert "line 4: department: unknown_department ('宇宙開発部')" in result.output
    assert "1 row(s) refused" in result.output and "nothing was imported" in result.output
    assert _counts() == before
    # The same file with the row put right imports all five.
    rows[2]["Group"] = "品質保証部"
    path.write_bytes(_zendesk_csv(rows))
    result = _run(app, path)
    assert result.exit_code == 0, result.output
    assert "Imported 5 cases (closed 5)" in result.output
    assert _counts()["cases"] == before["cases"] + 5


def test_a_failure_while_writing_leaves_nothing_half_imported(
    app, org, tags, admin_email, tmp_path, monkeypatch
):
    path = tmp_path / "zendesk.csv"
    path.write_bytes(_zendesk_csv([_zendesk_row(n) for n in range(7)]))
    monkeypatch.setattr(services, "BATCH", 3)
    calls = {"n": 0}
    real = services._insert_returning_ids

    def fail_on_the_third_batch(table, rows):
        if table.name == "cases":
            calls["n"] += 1
            if calls["n"] == 3:
                raise RuntimeError("the disk is full")
        return real(table, rows)

    monkeypatch.setattr(services, "_insert_returning_ids", fail_on_the_third_batch)
    before = _counts()
    result = _run(app, path)
    assert result.exit_code != 0 and calls["n"] == 3  # two batches were written, then it failed
    assert _counts() == before


def test_a_zammad_json_lines_import_keeps_dates_departments_and_tags(
    app, org, tags, admin_email, tmp_path
):
    tickets = [
        {
            "number": "31001",
            "title": "荷物が届かない",
            "body": "注文した商品が一週間たっても届きません。",
            "state": "closed",
            "group": "Logistics",  # matched by the department's English name
            "tags": ["hist.delivery", "urgent"],
            "created_at": "2023-04-01T01:15:00Z",
            "close_at": "2023-04-03T08:30:00Z",
            "priority": "3 high",
            "customer": {"email": "Kato@Example.jp", "fullname": "加藤 花子"},
        },
        {
            "number": "31002",
            "title": "返金してほしい",
            "body": "破損していたので返金をお願いします。",
            "state": "pending reminder",
            "group": "品質保証部",
            "tags": "返金要求, VIP",  # a string, comma-separated; a tag by its Japanese name
            "created_at": "2023-05-10 09:00",  # no zone: the office's (Asia/Tokyo)
            "customer": {"email": "kato@example.jp"},
        },
    ]
    path = tmp_path / "tickets.jsonl"
    path.write_text("\n".join(json.dumps(t, ensure_ascii=False) for t in tickets) + "\n")

    result = _run(app, path)

    assert result.exit_code == 0, result.output
    assert "read as zammad" in result.output
    first, second = db.session.scalars(select(Case).order_by(Case.id)).all()
    assert first.received_at == datetime(2023, 4, 1, 1, 15, tzinfo=UTC)
    assert first.created_at == first.received_at
    assert first.updated_at == datetime(2023, 4, 3, 8, 30, tzinfo=UTC)  # closed then
    assert first.status == "closed" and first.severity == 2
    assert first.responsible_department_id == org.logistics.id
    assert first.intake_department_id == org.cs.id  # the front line sees it, as its own
    assert first.ref == f"C-2023-{first.id:06d}"
    assert second.received_at == datetime(2023, 5, 10, 0, 0, tzinfo=UTC)
    assert second.status == "awaiting_customer"
    assert second.responsible_department_id == org.qa.id
    assert first.customer_id == second.customer_id  # one customer, by e-mail
    assert first.customer.email == "kato@example.jp" and first.customer.name == "加藤 花子"
    on_cases = {
        (ct.case_id, ct.tag_id, ct.state, ct.source) for ct in db.session.scalars(select(CaseTag))
    }
    assert on_cases == {
        (first.id, tags["hist.delivery"], "accepted", "manual"),
        (second.id, tags["hist.refund"], "accepted", "manual"),
    }
    assert "urgent (1)" in result.output  # not on the tag list: left out, and said so
    analyses = db.session.scalars(select(CaseAnalysis.state)).all()
    assert analyses == ["pending", "pending"]  # left for the backfill


def test_the_dry_run_checks_every_row_and_writes_nothing(app, org, tags, admin_email, tmp_path):
    path = tmp_path / "zendesk.csv"
    path.write_bytes(_zendesk_csv([_zendesk_row(n) for n in range(4)], encoding="utf-8-sig"))
    before = _counts()
    result = _run(app, path, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "utf-8-sig" in result.output
    assert "Dry run: 4 cases would be imported (closed 4)." in result.output
    assert _counts() == before
    # A dry run reports a bad row as the import would, and still writes nothing.
    bad = [_zendesk_row(0), _zendesk_row(1, **{"Created at": "昨日の夜"})]
    path.write_bytes(_zendesk_csv(bad))
    result = _run(app, path, "--dry-run")
    assert result.exit_code == 1
    assert "line 3: received_at: unreadable_date ('昨日の夜')" in result.output
    assert _counts() == before


def test_each_imported_case_is_marked_in_the_audit_trail(
    app, org, tags, admin_email, tmp_path, login_as
):
    path = tmp_path / "zendesk.csv"
    path.write_bytes(_zendesk_csv([_zendesk_row(n) for n in range(3)]))
    assert _run(app, path).exit_code == 0
    cases = db.session.scalars(select(Case).order_by(Case.id)).all()
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "case.imported").order_by(AuditEvent.id)
    ).all()
    assert [e.case_id for e in events] == [c.id for c in cases]  # one event per case
    assert {e.actor_id for e in events} == {org.admin.id}
    assert events[0].after["source"] == "zendesk" and events[0].after["external_id"] == "1000"
    assert events[0].after["closed_at"].startswith("2024-03-02T08:40")  # 17:40 in Tokyo
    # No new-case signal for history: no deadline clock, no escalation, nobody notified.
    others = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.case_id.in_([c.id for c in cases]))
    ).all()
    assert set(others) == {"case.imported"}
    page = login_as(org.admin).get(f"/cases/{cases[0].id}").get_data(as_text=True)
    assert "過去データから取り込み" in page
    # Importing the same file again makes nothing twice.
    again = _run(app, path)
    assert again.exit_code == 1
    assert "line 2: external_id: imported_before ('1000')" in again.output
    assert _counts()["cases"] == 3


def test_a_mapping_file_reads_an_excel_export_with_japanese_columns(
    app, org, tags, admin_email, tmp_path
):
    mapping = tmp_path / "excel.toml"
    mapping.write_text(
        """
source = "excel-2023"
unknown_department = "unrouted"
date_formats = ["%Y年%m月%d日 %H時%M分"]
[columns]
external_id = "受付番号"
subject = "件名"
description = "お客様の声"
department = "担当部署"
status = "状況"
received_at = "受付日時"
tags = "分類"
customer_phone = "電話番号"
[statuses]
"完了" = "closed"
"対応中" = "in_progress"
[departments]
"品証" = "qa"
[tags]
"フタ" = "hist.lid"
[defaults]
kind = "complaint"
channel = "phone"
""",
        encoding="utf-8",
    )
    text = (
        "受付番号\t件名\tお客様の声\t担当部署\t状況\t受付日時\t分類\t電話番号\r\n"
        "A-1\t蓋が閉まらない\t蓋が壊れた\t品証\t完了\t2022年11月03日 14時05分\tフタ\t090-1111-2222\r\n"
        "A-2\t電話がつながらない\t窓口に電話したがつながらない\t総務\t対応中\t2022/11/04 09:30\t\t090 1111 2222\r\n"
    )
    path = tmp_path / "export.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))  # Excel's "Unicode text"

    result = _run(app, path, "--mapping", str(mapping))

    assert result.exit_code == 0, result.output
    first, second = db.session.scalars(select(Case).order_by(Case.id)).all()
    assert (first.status, first.responsible_department_id) == ("closed", org.qa.id)
    assert (first.kind, first.channel) == ("complaint", "phone")
    assert first.received_at == datetime(2022, 11, 3, 5, 5, tzinfo=UTC)
    assert second.responsible_department_id is None  # 総務 is not in relq: left unrouted
    assert second.status == "in_progress"
    assert first.customer_id == second.customer_id  # one phone number, written two ways
    assert (
        db.session.scalar(select(CaseTag.tag_id).where(CaseTag.case_id == first.id))
        == (tags["hist.lid"])
    )
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.case_id == first.id))
    assert event.after["source"] == "excel-2023"


def test_rows_with_control_characters_or_no_subject_are_refused(org, tags, app):
    rows = [
        _zendesk_row(0, Description="壊れていた\x00"),
        _zendesk_row(1, Subject="", Description=""),
        _zendesk_row(2, **{"Created at": "2999-01-01 00:00", "Solved at": ""}),
        _zendesk_row(3, Status="archived"),
    ]
    text, _ = decode(_zendesk_csv(rows))
    columns, records = read_records(text)
    check = check_history(columns, records, ZENDESK, actor=org.admin)
    assert [(e.line, e.field, e.code) for e in check.errors] == [
        (2, "description", "control_character"),
        (3, "subject", "missing"),
        (4, "received_at", "in_the_future"),
        (5, "status", "unknown_status"),
    ]
    assert check.cases == []


def test_only_an_admin_may_import(org, app):
    columns, records = read_records("Id,Subject,Created at\n1,蓋,2024-01-01\n")
    with pytest.raises(NotAllowed):
        check_history(columns, records, ZENDESK, actor=org.operator)


def test_a_mapping_file_with_a_status_relq_does_not_know_is_refused(tmp_path):
    from relq.history.formats import FormatError

    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"preset": "zendesk", "statuses": {"solved": "finished"}}))
    with pytest.raises(FormatError, match="finished"):
        load_mapping(path)


# ---- what the suggesters learn from an import ---------------------------------------------

LEARNED = {
    ("hist.lid", "qa"): [
        "ケトルの蓋が閉まらない",
        "炊飯器の蓋が開かなくなった",
        "蓋のロックが壊れてお湯がこぼれた",
        "ポットの蓋がきちんと閉まらない",
        "蓋のパッキンが外れてしまった",
        "蓋のヒンジが割れた",
    ],
    ("hist.delivery", "logistics"): [
        "荷物が届かない",
        "配達が予定日より遅れている",
        "注文した商品がまだ届かない",
        "宅配便が来ないので配送状況を知りたい",
        "配送が遅すぎる",
        "届く予定の荷物が来ない",
    ],
    ("hist.refund", "cs"): [
        "返金してほしい",
        "代金を返してほしい",
        "返金の手続きを教えてください",
        "返品したので返金を希望します",
        "返金はいつになりますか",
        "二重に請求されたので返金してください",
    ],
}
ENDINGS = ["", "。至急対応してください", "。よろしくお願いします", "。困っています"]


@pytest.mark.slow
def test_after_import_and_training_a_new_case_gets_suggestions(
    app, org, tags, admin_email, tmp_path
):
    from relq import nlp
    from relq.analysis.services import analyse_case
    from relq.learning import LearnedModel, suggest_department
    from tests.factories import make_case

    names = {"qa": "品質保証部", "logistics": "物流部", "cs": "お客様相談室"}
    rows, n = [], 0
    for (tag, department), subjects in LEARNED.items():
        for ending in ENDINGS:
            for subject in subjects:
                n += 1
                rows.append(
                    _zendesk_row(
                        n % 27,
                        Id=str(5000 + n),
                        Subject=subject + ending,
                        Description=subject + ending,
                        Group=names[department],
                        Tags=tag,
                    )
                )
    path = tmp_path / "history.csv"
    path.write_bytes(_zendesk_csv(rows))
    nlp.warm_up()

    result = _run(app, path, "--analyse")

    assert result.exit_code == 0, result.output
    assert f"Analysed {len(rows)} cases; 0 failed" in result.output
    assert "tags: trained on 72 cases" in result.output
    assert "departments: trained on 72 cases" in result.output
    assert db.session.scalar(select(func.count(LearnedModel.id))) == 2
    departments = db.session.scalar(select(LearnedModel).filter_by(kind="departments"))
    # The department model tried routing through the imported tags, and measured itself.
    assert "via_labels_tried" in departments.metrics
    assert sum(b["n"] for b in departments.metrics["reliability"]["top"]) == 72 // 5
    with transaction():
        case = make_case(
            org.operator,
            subject="電気ケトルの蓋が閉まらなくなりました",
            customer_words="蓋のロックが壊れたみたいです",
        )
    with transaction():
        analyse_case(case.id)
    suggested = db.session.execute(
        select(Tag.code, CaseTag.source)
        .join(Tag, Tag.id == CaseTag.tag_id)
        .where(CaseTag.case_id == case.id, CaseTag.state == "suggested")
    ).all()
    assert ("hist.lid", "model") in suggested
    guess = suggest_department(db.session.get(Case, case.id))
    assert guess is not None and guess.code == "qa" and guess.confidence > 0.5


def test_a_file_whose_bytes_break_its_byte_order_mark_is_refused_in_words(tmp_path, app, org):
    from relq.history.formats import FormatError

    broken = codecs.BOM_UTF16_LE + "件名".encode("utf-16-le") + b"\x00"  # an odd byte more
    with pytest.raises(FormatError) as refused:
        decode(broken)
    assert refused.value.code == "undecodable"
    path = tmp_path / "broken.csv"
    path.write_bytes(broken)
    result = app.test_cli_runner().invoke(
        args=["relq", "import", str(path), "--as", org.admin.email]
    )
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "UnicodeDecodeError" not in result.output
