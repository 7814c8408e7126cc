"""The Forms import: real-format exports of Google Forms (UTF-8, and Excel's UTF-8 with BOM) and
Microsoft Forms (an Excel workbook), a CP932 sheet, and a file with one bad row: nothing is
imported. The columns that would tie an answer to a person or a moment are never read."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from relq.audit.models import AuditEvent
from relq.db import db
from relq.enps import imports
from relq.enps.models import FactorAnswer, SurveyResponse
from relq.enps.rounds import RoundInput, close_round, create_round, open_round
from relq.errors import Conflict, NotAllowed

FIXTURES = Path(__file__).parent / "fixtures"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def open_round_for(org, name="2026年 秋 パルス"):
    survey_round = create_round(
        RoundInput(name, "census", date(2026, 11, 1), date(2026, 11, 30)), actor=org.admin
    )
    open_round(survey_round, actor=org.admin)
    db.session.commit()
    return survey_round


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def read(name: str) -> imports.Upload:
    return imports.read_upload((FIXTURES / name).read_bytes(), name)


def imported(org, survey_round, name: str) -> int:
    upload = read(name)
    mapping = imports.guess_mapping(upload, survey_round)
    n = imports.import_responses(org.admin, survey_round, upload, mapping)
    db.session.commit()
    return n


# ---- one test per format --------------------------------------------------------------------


def test_google_forms_csv_is_read_mapped_and_imported(org):
    survey_round = open_round_for(org)
    upload = read("google_forms.csv")
    assert upload.kind == "csv" and upload.encoding == "utf-8"
    assert upload.ignored == ["タイムスタンプ", "メールアドレス"]
    mapping = imports.guess_mapping(upload, survey_round)
    assert "おすすめ" in mapping.columns["score"]
    assert "理由" in mapping.columns["reason"]
    assert mapping.columns["department"] == "所属部署"
    assert mapping.columns["level"] == "職位" and mapping.columns["tenure"] == "勤続年数"
    for factor in survey_round.factors:
        assert mapping.columns[f"factor:{factor.code}"].endswith(f"[{factor.name_ja}]")
    assert mapping.departments == {
        "品質保証部": org.qa.id,
        "物流部": org.logistics.id,
        "お客様相談室": org.cs.id,
    }
    assert None not in mapping.levels.values() and None not in mapping.tenures.values()

    assert imports.import_responses(org.admin, survey_round, upload, mapping) == 8
    db.session.commit()
    rows = db.session.scalars(select(SurveyResponse)).all()
    assert sorted(r.score for r in rows) == [3, 5, 6, 7, 8, 9, 9, 10]
    assert {r.source for r in rows} == {"import"}
    assert sum(r.department_id == org.logistics.id for r in rows) == 3
    assert "残業が多く、人が足りない" in {r.reason for r in rows}
    assert count(FactorAnswer) == 8 * 6
    tenure = {b.id: b.name_ja for b in survey_round.bands}
    assert sorted(tenure[r.tenure_band_id] for r in rows).count("10年以上") == 2


def test_excels_utf8_with_bom_reads_the_same(org):
    survey_round = open_round_for(org)
    upload = read("google_forms_bom.csv")
    assert upload.encoding == "utf-8-sig"
    # The BOM is not glued to the first header: タイムスタンプ is still recognised and dropped.
    assert upload.ignored[0] == "タイムスタンプ"
    assert imported(org, survey_round, "google_forms_bom.csv") == 8


def test_microsoft_forms_workbook_is_imported_and_its_person_columns_are_not(org):
    survey_round = open_round_for(org)
    upload = read("microsoft_forms.xlsx")
    assert upload.kind == "xlsx"
    assert upload.ignored == ["ID", "開始時刻", "完了時刻", "メール", "名前", "最終変更時刻"]
    assert not {"ID", "メール", "名前"} & set(upload.columns)
    assert imported(org, survey_round, "microsoft_forms.xlsx") == 8
    # The Likert label 「とてもそう思う」 is 5.
    meaningful = next(f for f in survey_round.factors if f.name_ja == "やりがい")
    values = db.session.scalars(
        select(FactorAnswer.value).where(FactorAnswer.factor_id == meaningful.id)
    ).all()
    assert sorted(values) == [2, 3, 3, 4, 4, 5, 5, 5]


def test_a_cp932_sheet_is_decoded_and_its_wave_dash_bands_match(org):
    survey_round = open_round_for(org)
    upload = read("cp932.csv")
    assert upload.encoding == "cp932"
    mapping = imports.guess_mapping(upload, survey_round)
    assert mapping.columns["score"] == "おすすめ度(0~10)"
    assert None not in mapping.tenures.values()  # 「1～3年」 is the band 「1〜3年」
    assert imported(org, survey_round, "cp932.csv") == 6
    reasons = set(db.session.scalars(select(SurveyResponse.reason)))
    assert "評価の基準がわかりにくい" in reasons


def test_one_bad_row_imports_nothing_and_names_its_line(org):
    survey_round = open_round_for(org)
    upload = read("bad_row.csv")
    mapping = imports.guess_mapping(upload, survey_round)
    checked = imports.check_rows(upload, survey_round, mapping)
    assert [(e.line, e.field, e.code, e.value) for e in checked.errors] == [
        (5, "score", "out_of_range", "11")
    ]
    with pytest.raises(imports.ImportRefused) as refused:
        imports.import_responses(org.admin, survey_round, upload, mapping)
    assert refused.value.errors == checked.errors
    db.session.rollback()
    assert count(SurveyResponse) == 0 and count(FactorAnswer) == 0


# ---- rules ----------------------------------------------------------------------------------


def test_a_closed_round_and_a_non_admin_are_refused(org):
    survey_round = open_round_for(org)
    upload = read("google_forms.csv")
    mapping = imports.guess_mapping(upload, survey_round)
    with pytest.raises(NotAllowed):
        imports.import_responses(org.executive, survey_round, upload, mapping)
    close_round(survey_round, actor=org.admin)
    db.session.commit()
    with pytest.raises(Conflict):
        imports.import_responses(org.admin, survey_round, upload, mapping)
    assert count(SurveyResponse) == 0


def test_nothing_personal_reaches_the_database_and_the_audit_names_no_response(org):
    survey_round = open_round_for(org)
    imported(org, survey_round, "google_forms.csv")
    ids = [str(i) for i in db.session.scalars(select(SurveyResponse.id))]
    events = db.session.scalars(select(AuditEvent)).all()
    import_events = [e for e in events if e.action == imports.IMPORTED]
    assert len(import_events) == 1 and import_events[0].after["responses"] == 8
    dump = repr([(e.before, e.after, e.entity_id) for e in events])
    assert not any(i in dump for i in ids)
    text = repr([tuple(r) for r in db.session.execute(select(SurveyResponse.__table__))])
    for leak in ("employee1@example.co.jp", "2026/11/05", "09:15"):
        assert leak not in text


def test_rows_are_not_stored_in_the_files_order(org):
    survey_round = open_round_for(org)
    header = "おすすめ度,所属部署\n"
    body = "".join(f"{i % 11},品質保証部\n" for i in range(200))
    upload = imports.read_upload((header + body).encode(), "x.csv")
    mapping = imports.guess_mapping(upload, survey_round)
    imports.import_responses(org.admin, survey_round, upload, mapping)
    db.session.commit()
    by_key = db.session.scalars(select(SurveyResponse.score).order_by(SurveyResponse.id)).all()
    assert sorted(by_key) == sorted(i % 11 for i in range(200))
    assert by_key != [i % 11 for i in range(200)]


def test_unmatched_values_and_missing_columns_are_listed_not_guessed(org):
    survey_round = open_round_for(org)
    text = "おすすめ度,所属部署,職位\n8,営業部,一般\n,品質保証部,社長\nabc,物流部,\n"
    upload = imports.read_upload(text.encode(), "x.csv")
    mapping = imports.guess_mapping(upload, survey_round)
    assert mapping.departments["営業部"] is None
    errors = {
        (e.line, e.field, e.code) for e in imports.check_rows(upload, survey_round, mapping).errors
    }
    assert errors == {
        (2, "department", "unknown_value"),
        (3, "score", "missing"),
        (3, "level", "unknown_value"),
        (4, "score", "not_a_number"),
    }
    no_department = imports.read_upload("おすすめ度\n8\n".encode(), "y.csv")
    checked = imports.check_rows(
        no_department, survey_round, imports.guess_mapping(no_department, survey_round)
    )
    assert [(e.line, e.field, e.code) for e in checked.errors] == [(0, "department", "unmapped")]


def test_unreadable_files_are_refused_with_a_code(org):
    with pytest.raises(imports.Invalid) as error:
        imports.read_upload(b"PK\x03\x04not really a workbook", "a.xlsx")
    assert error.value.code == "unreadable_file"
    with pytest.raises(imports.Invalid) as error:
        imports.read_upload(b"  \n", "a.csv")
    assert error.value.code == "empty_file"
    with pytest.raises(imports.Invalid) as error:
        imports.read_upload(b"\xff\xfe\xfa" * 10 + b"\x81", "a.csv")
    assert error.value.code in ("undecodable", "bad_csv")


# ---- the pages ------------------------------------------------------------------------------


def _upload(client, survey_round, name, content_type="text/csv"):
    token = CSRF.search(client.get("/enps/import/").get_data(as_text=True)).group(1)
    data = {
        "csrf_token": token,
        "round_id": str(survey_round.id),
        "file": (io.BytesIO((FIXTURES / name).read_bytes()), name, content_type),
    }
    return client.http.post("/enps/import/", data=data, content_type="multipart/form-data")


def _form_fields(page: str) -> dict[str, str]:
    """What the preview's form would send as it is (hidden fields, selected options)."""
    fields = {}
    for tag in re.findall(r"<input [^>]*>", page):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if 'type="hidden"' in tag and name and value:
            fields[name.group(1)] = value.group(1)
    for name, body in re.findall(
        r'<select id="[^"]+" name="([^"]+)"[^>]*>(.*?)</select>', page, re.S
    ):
        chosen = re.search(r'<option value="([^"]*)" selected>', body)
        fields[name] = chosen.group(1) if chosen else ""
    return fields


def test_the_admin_uploads_previews_and_imports_a_google_file(org, login_as):
    survey_round = open_round_for(org)
    admin = login_as(org.admin)
    response = _upload(admin, survey_round, "google_forms.csv")
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page[:400]
    assert "タイムスタンプ" in page and "メールアドレス" in page  # named as never imported
    assert 'data-testid="ready"' in page
    assert "employee1@example.co.jp" not in page  # the e-mail column is not even shown
    fields = _form_fields(page)
    assert fields["payload"]
    fields["action"] = "import"
    done = admin.post("/enps/import/preview", fields, csrf=False)
    assert done.status_code == 302, done.get_data(as_text=True)[:400]
    assert count(SurveyResponse) == 8


def test_the_preview_of_a_bad_file_lists_the_row_and_the_import_is_refused(org, login_as):
    survey_round = open_round_for(org)
    admin = login_as(org.admin)
    page = _upload(admin, survey_round, "bad_row.csv").get_data(as_text=True)
    assert 'data-testid="row-error-5"' in page
    fields = _form_fields(page) | {"action": "import"}
    refused = admin.post("/enps/import/preview", fields, csrf=False)
    assert refused.status_code == 422
    assert 'data-testid="row-error-5"' in refused.get_data(as_text=True)
    assert count(SurveyResponse) == 0


def test_the_mapping_can_be_changed_on_the_preview(org, login_as):
    survey_round = open_round_for(org)
    admin = login_as(org.admin)
    page = _upload(
        admin,
        survey_round,
        "microsoft_forms.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ).get_data(as_text=True)
    fields = _form_fields(page)
    # Say that 品質保証部 in the file means 物流部, and leave the reason out.
    values = re.search(r'<label for="department-(\d+)">品質保証部</label>', page).group(1)
    fields[f"department-{values}"] = str(org.logistics.id)
    fields["col-reason"] = ""
    fields["action"] = "import"
    assert admin.post("/enps/import/preview", fields, csrf=False).status_code == 302
    rows = db.session.scalars(select(SurveyResponse)).all()
    assert sum(r.department_id == org.logistics.id for r in rows) == 6
    assert {r.reason for r in rows} == {""}


def test_a_forged_or_someone_elses_payload_is_refused(org, login_as):
    survey_round = open_round_for(org)
    admin = login_as(org.admin)
    page = _upload(admin, survey_round, "google_forms.csv").get_data(as_text=True)
    fields = _form_fields(page) | {"action": "import"}
    forged = dict(fields, payload=fields["payload"][:-3] + "abc")
    assert admin.post("/enps/import/preview", forged, csrf=False).status_code == 422
    assert count(SurveyResponse) == 0


def test_only_admins_reach_the_import_and_other_pages_still_refuse_files(org, login_as):
    for user in (org.operator, org.lead_qa, org.executive):
        assert login_as(user).get("/enps/import/").status_code == 403
    admin = login_as(org.admin)
    assert admin.get("/enps/import/").status_code == 200
    # Only the upload takes a file: any other POST with a multipart body is refused.
    response = admin.http.post(
        "/enps/import/preview",
        data={
            "file": (io.BytesIO(b"x"), "a.csv"),
            "payload": "x",
            "csrf_token": CSRF.search(admin.get("/enps/import/").get_data(as_text=True)).group(1),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 415


def test_a_round_closed_between_preview_and_import_refuses_with_409(org, login_as):
    survey_round = open_round_for(org)
    admin = login_as(org.admin)
    page = _upload(admin, survey_round, "google_forms.csv").get_data(as_text=True)
    close_round(survey_round, actor=org.admin)
    db.session.commit()
    refused = admin.post(
        "/enps/import/preview", _form_fields(page) | {"action": "import"}, csrf=False
    )
    assert refused.status_code == 409
    assert 'data-testid="import-message"' in refused.get_data(as_text=True)
    assert count(SurveyResponse) == 0


def test_english_headers_are_recognised_too(org):
    survey_round = open_round_for(org)
    header = [
        "Timestamp",
        "Email Address",
        "How likely is it that you would recommend your workplace to a friend?",
        "How true is each of these for you? [Meaningful work]",
        "How true is each of these for you? [Trust in management]",
        "What is the main reason for your score?",
        "Department",
        "Job level",
        "Years of service",
    ]
    text = ",".join(f'"{h}"' for h in header) + "\n"
    text += "2026/11/05 9:15:03,a@example.com,9,5,4,Good team,Quality Assurance,Staff,1-3 years\n"
    upload = imports.read_upload(text.encode(), "responses.csv")
    assert upload.ignored == ["Timestamp", "Email Address"]
    mapping = imports.guess_mapping(upload, survey_round)
    assert mapping.columns["score"] == header[2] and mapping.columns["reason"] == header[5]
    assert mapping.columns["factor:meaningful_work"] == header[3]
    assert mapping.columns["factor:leadership_trust"] == header[4]
    assert mapping.columns["factor:growth"] is None
    assert (mapping.columns["department"], mapping.columns["level"]) == ("Department", "Job level")
    assert mapping.columns["tenure"] == "Years of service"
    assert mapping.departments == {"Quality Assurance": org.qa.id}
    checked = imports.check_rows(upload, survey_round, mapping)
    assert checked.is_clean and checked.rows[0].score == 9
