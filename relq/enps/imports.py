"""Importing a survey's answers from a Google Forms or Microsoft Forms export into an open round.

The flow: `read_upload` reads the file (Google Forms' CSV in UTF-8, Excel's UTF-8 with BOM or
CP932 as Excel on a Japanese Windows saves it: the case-history import's reader,
relq.history.formats; Microsoft Forms' Excel workbook through openpyxl); `guess_mapping` says
which column feeds which answer (the 0-10 score, each factor, the reason, the department, job
level and tenure) from the Japanese or English question text, and which department or band each
of the file's values means; the admin corrects it on the preview; `check_rows` reads every row
and lists what is wrong with its line number; `import_responses` writes all rows or none.

What is never read: the columns Forms add about the respondent or the moment (Google's
タイムスタンプ, メールアドレス, 名前; Microsoft's ID, 開始時刻, 完了時刻, メール, 名前 and their
English names). They are dropped as the file is read, before anything is kept or shown, and the
preview names them. Imported rows get random keys (`new_response_id`), source "import", no time
but their round's, and are inserted in a shuffled order, as answers through the links are.

The import is recorded as one audit event on the round (how many answers, from which file):
no event names or numbers a response.
"""

from __future__ import annotations

import io
import re
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert

from relq.audit.services import record
from relq.db import db
from relq.enps.models import (
    FactorAnswer,
    SurveyResponse,
    SurveyRound,
    new_response_id,
)
from relq.errors import Conflict, Invalid, NotAllowed
from relq.forms import REFUSED_CHARACTERS
from relq.history.formats import FormatError, decode, is_json, read_records
from relq.org.models import Department, User

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
MAX_VALUES = 200  # distinct departments or bands in one file
REASON_MAX = 2000
BATCH = 1000

IMPORTED = "enps_round.imported"
ENTITY = "enps_round"
AUDIT_LABELS = {IMPORTED: _l("eNPS answers imported from a file")}

BASE_FIELDS = ("score", "reason", "department", "level", "tenure")
REQUIRED_FIELDS = ("score", "department")


def normalised(text: str) -> str:
    """How headers and values are compared: NFKC (full-width letters and digits), one kind of
    wave dash, no outer spaces, case-folded."""
    text = unicodedata.normalize("NFKC", str(text)).replace("〜", "~").strip()
    return re.sub(r"\s+", " ", text).casefold()


# Columns Google Forms and Microsoft Forms add about the respondent or the moment of answering.
PERSONAL_COLUMNS = frozenset(
    normalised(name)
    for name in (
        # Google Forms
        "タイムスタンプ",
        "メールアドレス",
        "名前",
        "Timestamp",
        "Email Address",
        "Email address",
        "Name",
        # Microsoft Forms
        "ID",
        "開始時刻",
        "完了時刻",
        "メール",
        "最終変更時刻",
        "Start time",
        "Completion time",
        "Email",
        "Last modified time",
        # what people add by hand
        "氏名",
        "社員番号",
        "従業員番号",
        "E-mail",
        "Employee ID",
        "回答日時",
        "送信日時",
        "IPアドレス",
        "IP address",
    )
)

# Words in a question that say which answer it is (checked on the normalised header).
HINTS: dict[str, tuple[str, ...]] = {
    "reason": ("理由", "reason", "why"),
    "department": ("部署", "所属", "部門", "department", "division"),
    "tenure": ("勤続", "在籍", "勤務年数", "入社", "tenure", "years"),
    "level": ("職位", "役職", "職階", "職層", "等級", "job level", "level", "grade", "position"),
    "score": (
        "おすすめ",
        "お勧め",
        "オススメ",
        "推奨",
        "すすめ",
        "勧め",
        "recommend",
        "enps",
        "nps",
    ),
}

# Likert labels Microsoft Forms writes for a 1-5 item, and their value.
LIKERT = {
    normalised(k): v
    for k, v in {
        "全くそう思わない": 1,
        "まったくそう思わない": 1,
        "そう思わない": 2,
        "あまりそう思わない": 2,
        "どちらともいえない": 3,
        "どちらとも言えない": 3,
        "ややそう思う": 4,
        "そう思う": 4,
        "とてもそう思う": 5,
        "強くそう思う": 5,
        "strongly disagree": 1,
        "disagree": 2,
        "neutral": 3,
        "agree": 4,
        "strongly agree": 5,
    }.items()
}
NUMBER = re.compile(r"^(\d+)(?:\.0+)?(?:[\s\-:(/].*)?$", re.DOTALL)


# ---- reading the file ------------------------------------------------------------------------


@dataclass
class Upload:
    """A file as read: its columns (without the personal ones) and rows (line, cells)."""

    filename: str
    kind: str  # "csv" or "xlsx"
    encoding: str  # what a CSV was read with
    columns: list[str]
    rows: list[tuple[int, list[str]]]
    ignored: list[str] = field(default_factory=list)  # personal columns dropped

    def to_payload(self) -> dict[str, Any]:
        return {
            "f": self.filename,
            "k": self.kind,
            "e": self.encoding,
            "c": self.columns,
            "r": self.rows,
            "i": self.ignored,
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Upload:
        try:
            upload = cls(
                filename=str(payload["f"]),
                kind=str(payload["k"]),
                encoding=str(payload["e"]),
                columns=[str(c) for c in payload["c"]],
                rows=[(int(line), [str(v) for v in cells]) for line, cells in payload["r"]],
                ignored=[str(c) for c in payload["i"]],
            )
        except (KeyError, TypeError, ValueError):
            raise Invalid("bad_payload") from None
        if any(len(cells) != len(upload.columns) for _line, cells in upload.rows):
            raise Invalid("bad_payload")
        return upload

    def values(self, column: str) -> list[str]:
        index = self.columns.index(column)
        return [cells[index] for _line, cells in self.rows]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def _clean_header(name: Any) -> str:
    return unicodedata.normalize("NFKC", _cell(name)).strip().strip('"')


def _xlsx_table(data: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        raise Invalid("unreadable_file") from None
    try:
        sheet = workbook.worksheets[0]
        header: list[str] | None = None
        rows: list[tuple[int, list[str]]] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell(v) for v in values]
            if not any(c.strip() for c in cells):
                continue
            if header is None:
                header = [_clean_header(v) for v in values]
                continue
            rows.append((number, cells))
    finally:
        workbook.close()
    if header is None:
        raise Invalid("empty_file")
    return header, rows


def _csv_table(data: bytes, filename: str) -> tuple[str, list[str], list[tuple[int, list[str]]]]:
    try:
        text, encoding = decode(data)
    except UnicodeDecodeError:  # a UTF-16 byte-order mark on bytes that are not UTF-16
        raise Invalid("undecodable") from None
    if is_json(text, filename):
        raise Invalid("unreadable_file")
    columns, records = read_records(text, filename)
    rows = [(r.line, [str(r.values.get(c, "")) for c in columns]) for r in records]
    return encoding, columns, rows


def read_upload(data: bytes, filename: str) -> Upload:
    """Read an export: a CSV (UTF-8, UTF-8 with BOM, CP932) or an Excel workbook (first sheet,
    first non-empty row as the questions). The personal columns are dropped here. Raises
    Invalid: file_too_large, empty_file, too_many_rows, unreadable_file, undecodable, bad_csv."""
    if len(data) > MAX_BYTES:
        raise Invalid("file_too_large")
    if not data.strip():
        raise Invalid("empty_file")
    name = REFUSED_CHARACTERS.sub("", filename or "").strip()[-200:]
    try:
        if data.startswith(b"PK\x03\x04") or name.lower().endswith((".xlsx", ".xlsm")):
            kind, encoding = "xlsx", ""
            header, rows = _xlsx_table(data)
        else:
            kind = "csv"
            encoding, header, rows = _csv_table(data, name)
    except FormatError as error:
        raise Invalid(error.code) from None
    if len(rows) > MAX_ROWS:
        raise Invalid("too_many_rows")
    keep = [
        i
        for i, column in enumerate(header)
        if column and normalised(column) not in PERSONAL_COLUMNS
    ]
    ignored = [c for c in header if c and normalised(c) in PERSONAL_COLUMNS]
    width = len(header)
    return Upload(
        filename=name,
        kind=kind,
        encoding=encoding,
        columns=[header[i] for i in keep],
        rows=[(line, [(cells + [""] * width)[i].strip() for i in keep]) for line, cells in rows],
        ignored=ignored,
    )


# ---- which column is which answer ------------------------------------------------------------


def fields_of(survey_round: SurveyRound) -> list[str]:
    """The answers a file can feed: the base ones and one per factor ("factor:<code>")."""
    return [*BASE_FIELDS, *(f"factor:{f.code}" for f in survey_round.factors)]


@dataclass
class Mapping:
    columns: dict[str, str | None]  # field -> column
    departments: dict[str, int | None] = field(default_factory=dict)  # value -> department
    levels: dict[str, int | None] = field(default_factory=dict)  # value -> band
    tenures: dict[str, int | None] = field(default_factory=dict)


def guess_columns(upload: Upload, survey_round: SurveyRound) -> dict[str, str | None]:
    """Each field's column, guessed from the question text: factors first (by their Japanese
    or English name, as in Google's 「設問 [やりがい]」), then the reason, the bands, the
    department, and the score among what is left. Each column feeds one field at most."""
    headers = {c: normalised(c) for c in upload.columns}
    taken: set[str] = set()
    found: dict[str, str | None] = dict.fromkeys(fields_of(survey_round))

    def first(words: tuple[str, ...]) -> str | None:
        for column, header in headers.items():
            if column not in taken and any(w and normalised(w) in header for w in words):
                return column
        return None

    order: list[tuple[str, tuple[str, ...]]] = [
        (f"factor:{f.code}", (f.name_ja, f.name_en, f.code)) for f in survey_round.factors
    ]
    order += [(name, HINTS[name]) for name in ("reason", "department", "tenure", "level")]
    order.append(("score", HINTS["score"]))
    for name, words in order:
        column = first(words)
        if column is not None:
            found[name] = column
            taken.add(column)
    return found


def distinct_values(upload: Upload, column: str | None) -> list[str]:
    """The column's values as they appear first in the file (empty ones left out)."""
    if column is None or column not in upload.columns:
        return []
    return list(dict.fromkeys(v for v in upload.values(column) if v.strip()))


def _named(items, value: str) -> int | None:
    key = normalised(value)
    for item in items:
        names = [item.name_ja, item.name_en, getattr(item, "code", "")]
        if key in {normalised(n) for n in names if n}:
            return item.id
    return None


def departments_for_import() -> list[Department]:
    return list(db.session.scalars(db.select(Department).order_by(Department.id)))


def guess_mapping(upload: Upload, survey_round: SurveyRound) -> Mapping:
    """The columns (guess_columns), and each department and band value of the file matched to
    relq's by its Japanese or English name (or a department's code); None where none matches."""
    columns = guess_columns(upload, survey_round)
    return Mapping(columns=columns, **guess_values(upload, survey_round, columns, Mapping(columns)))


def guess_values(
    upload: Upload, survey_round: SurveyRound, columns: dict[str, str | None], given: Mapping
) -> dict[str, dict[str, int | None]]:
    """Each department and band value of the mapped columns: as `given` says, else guessed."""
    departments = departments_for_import()
    levels = [b for b in survey_round.bands if b.dimension == "level"]
    tenures = [b for b in survey_round.bands if b.dimension == "tenure"]
    out: dict[str, dict[str, int | None]] = {}
    for name, key, items, chosen in (
        ("department", "departments", departments, given.departments),
        ("level", "levels", levels, given.levels),
        ("tenure", "tenures", tenures, given.tenures),
    ):
        out[key] = {
            v: chosen[v] if v in chosen else _named(items, v)
            for v in distinct_values(upload, columns.get(name))[: MAX_VALUES + 1]
        }
    return out


# ---- checking every row ----------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """What is wrong with one row (line 0: with the mapping, not a row)."""

    line: int
    field: str
    code: str
    value: str = ""


@dataclass
class ResponseRow:
    score: int
    reason: str
    department_id: int
    level_band_id: int | None
    tenure_band_id: int | None
    factors: dict[int, int]


@dataclass
class Checked:
    rows: list[ResponseRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    total: int = 0

    @property
    def is_clean(self) -> bool:
        return not self.errors and bool(self.rows)


def parse_number(text: str) -> int | None:
    """A number as Forms write it ("7", "7.0", "１０", "10 (非常に…)") or a Likert label."""
    value = unicodedata.normalize("NFKC", text).strip()
    match = NUMBER.match(value)
    if match:
        return int(match.group(1)[:6])
    return LIKERT.get(normalised(value))


def _mapping_errors(upload: Upload, survey_round: SurveyRound, mapping: Mapping) -> list[RowError]:
    errors = []
    for name in REQUIRED_FIELDS:
        if not mapping.columns.get(name):
            errors.append(RowError(0, name, "unmapped"))
    used: dict[str, str] = {}
    for name, column in mapping.columns.items():
        if not column:
            continue
        if column not in upload.columns:
            errors.append(RowError(0, name, "no_such_column", column))
        elif column in used:
            errors.append(RowError(0, name, "column_used_twice", column))
        used[column] = name
    for name, values in (
        ("department", mapping.departments),
        ("level", mapping.levels),
        ("tenure", mapping.tenures),
    ):
        if len(values) > MAX_VALUES:
            errors.append(RowError(0, name, "too_many_values"))
    return errors


def check_rows(upload: Upload, survey_round: SurveyRound, mapping: Mapping) -> Checked:
    """Every row read through the mapping: the responses it makes, or each of its errors with
    the file's line number. Writes nothing."""
    checked = Checked(total=len(upload.rows), errors=_mapping_errors(upload, survey_round, mapping))
    if checked.errors:
        return checked
    if not upload.rows:
        checked.errors.append(RowError(0, "score", "no_rows"))
        return checked
    index = {name: upload.columns.index(c) for name, c in mapping.columns.items() if c}
    known_departments = {d.id for d in departments_for_import()}
    bands = {b.id: b.dimension for b in survey_round.bands}
    factors = {f"factor:{f.code}": f.id for f in survey_round.factors}
    for line, cells in upload.rows:
        errors: list[RowError] = []

        def cell(name: str, cells=cells) -> str:
            return cells[index[name]].strip() if name in index else ""

        raw = cell("score")
        score = parse_number(raw) if raw else None
        if not raw:
            errors.append(RowError(line, "score", "missing"))
        elif score is None:
            errors.append(RowError(line, "score", "not_a_number", raw))
        elif not 0 <= score <= 10:
            errors.append(RowError(line, "score", "out_of_range", raw))
        reason = cell("reason")
        if len(reason) > REASON_MAX:
            errors.append(RowError(line, "reason", "too_long", reason[:40]))
        elif REFUSED_CHARACTERS.search(reason):
            errors.append(RowError(line, "reason", "control_characters"))
        raw = cell("department")
        department_id = mapping.departments.get(raw) if raw else None
        if not raw:
            errors.append(RowError(line, "department", "missing"))
        elif department_id is None or department_id not in known_departments:
            errors.append(RowError(line, "department", "unknown_value", raw))
        band_ids: dict[str, int | None] = {}
        for name, values in (("level", mapping.levels), ("tenure", mapping.tenures)):
            raw = cell(name)
            band_ids[name] = values.get(raw) if raw else None
            if raw and (band_ids[name] is None or bands.get(band_ids[name]) != name):
                errors.append(RowError(line, name, "unknown_value", raw))
        answers: dict[int, int] = {}
        for name, factor_id in factors.items():
            raw = cell(name)
            if not raw:
                continue
            value = parse_number(raw)
            if value is None:
                errors.append(RowError(line, name, "not_a_number", raw))
            elif not 1 <= value <= 5:
                errors.append(RowError(line, name, "out_of_range", raw))
            else:
                answers[factor_id] = value
        if errors:
            checked.errors.extend(errors)
            continue
        checked.rows.append(
            ResponseRow(
                score=score,  # type: ignore[arg-type]
                reason=reason,
                department_id=department_id,  # type: ignore[arg-type]
                level_band_id=band_ids["level"],
                tenure_band_id=band_ids["tenure"],
                factors=answers,
            )
        )
    return checked


# ---- writing ---------------------------------------------------------------------------------


def can_import(user: User) -> bool:
    return user.is_active and user.role == "admin"


class ImportRefused(Invalid):
    """Some rows (or the mapping) are wrong: nothing was imported. `errors` lists them."""

    def __init__(self, errors: list[RowError]):
        super().__init__("rows_invalid")
        self.errors = errors


def import_responses(
    actor: User, survey_round: SurveyRound, upload: Upload, mapping: Mapping
) -> int:
    """Write every row of the file as an anonymous response of the open round, or none.
    Returns how many. Raises NotAllowed (not an admin), Conflict("round_not_open") (a draft
    or closed round), ImportRefused (any row or the mapping wrong)."""
    if not can_import(actor):
        raise NotAllowed("not_allowed")
    if survey_round.status != "open":
        raise Conflict("round_not_open")
    checked = check_rows(upload, survey_round, mapping)
    if not checked.is_clean:
        raise ImportRefused(checked.errors)
    rows = list(checked.rows)
    # The file's order (often the order of answering) must not survive in the table.
    secrets.SystemRandom().shuffle(rows)
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        responses, answers = [], []
        for row in batch:
            response_id = new_response_id()
            responses.append(
                {
                    "id": response_id,
                    "round_id": survey_round.id,
                    "department_id": row.department_id,
                    "level_band_id": row.level_band_id,
                    "tenure_band_id": row.tenure_band_id,
                    "score": row.score,
                    "reason": row.reason,
                    "reason_terms": None,
                    "source": "import",
                }
            )
            answers += [
                {"response_id": response_id, "factor_id": factor_id, "value": value}
                for factor_id, value in row.factors.items()
            ]
        db.session.execute(insert(SurveyResponse), responses)
        if answers:
            db.session.execute(insert(FactorAnswer), answers)
    db.session.flush()
    record(
        IMPORTED,
        actor=actor,
        entity_type=ENTITY,
        entity_id=survey_round.id,
        after={"responses": len(rows), "file": upload.filename},
    )
    return len(rows)


# ---- the preview's round trip ----------------------------------------------------------------
#
# Between the upload and the import the file travels in the preview's form, signed (so that
# what is imported is what was read and checked, and nothing is kept on the server): only the
# columns that may be imported, never the personal ones.

SALT = "relq-enps-import"
PAYLOAD_MAX_AGE_S = 2 * 3600


def _serializer():
    from flask import current_app
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(current_app.secret_key, salt=SALT)


def sign_upload(upload: Upload, survey_round: SurveyRound, actor: User) -> str:
    return _serializer().dumps({"u": upload.to_payload(), "round": survey_round.id, "by": actor.id})


def unsign_upload(token: str, actor: User) -> tuple[Upload, int]:
    """(the upload, its round id) from the preview's form. Raises Invalid("bad_payload") for a
    token that is forged, of someone else, or older than two hours."""
    from itsdangerous import BadData

    try:
        data = _serializer().loads(token, max_age=PAYLOAD_MAX_AGE_S)
    except BadData:
        raise Invalid("bad_payload") from None
    if not isinstance(data, dict) or data.get("by") != actor.id:
        raise Invalid("bad_payload")
    round_id = data.get("round")
    if not isinstance(round_id, int) or not isinstance(data.get("u"), dict):
        raise Invalid("bad_payload")
    return Upload.from_payload(data["u"]), round_id


VALUE_FIELDS = (("department", "departments"), ("level", "levels"), ("tenure", "tenures"))


def _index(text: str | None, size: int) -> int | None:
    text = (text or "").strip()
    if not text.isdigit() or len(text) > 6:
        return None
    value = int(text)
    return value if value < size else None


def mapping_from_form(form, upload: Upload, survey_round: SurveyRound) -> Mapping:
    """The mapping the preview's form says: `col-<field>` the column's position ("" none);
    `<field>-<i>` the department or band id of the i-th distinct value of that field's column
    ("" none), counted while `for-<field>` still names the same column (else guessed again)."""
    columns: dict[str, str | None] = {}
    for name in fields_of(survey_round):
        position = _index(form.get(f"col-{name}"), len(upload.columns))
        columns[name] = upload.columns[position] if position is not None else None
    given = Mapping(columns)
    for name, key in VALUE_FIELDS:
        column = columns.get(name)
        previous = _index(form.get(f"for-{name}"), len(upload.columns))
        if column is None or previous is None or upload.columns[previous] != column:
            continue
        chosen: dict[str, int | None] = {}
        for i, value in enumerate(distinct_values(upload, column)[:MAX_VALUES]):
            raw = (form.get(f"{name}-{i}") or "").strip()
            chosen[value] = int(raw) if raw.isdigit() and len(raw) < 10 else None
        setattr(given, key, chosen)
    return Mapping(columns=columns, **guess_values(upload, survey_round, columns, given))
