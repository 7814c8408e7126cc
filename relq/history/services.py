"""Checking and importing a past system's cases. `check_history` reads every row and says
what it would become or what is wrong with it, writing nothing (the dry run is exactly this);
`import_history` writes a checked file's cases, all of them or none: it refuses a file with
any row error, and writes inside the caller's one transaction, which commits it whole.

An imported case is history, not a new contact: it keeps the old system's dates, status,
department and tags, and is marked in the audit trail by one `case.imported` event of its
own (its source and id there, on the case's timeline, in the actor's name). No new-case
signal is sent, so no deadline clock starts, no escalation is raised and nobody is notified
about a case that was closed years ago. Its analysis is left pending: `flask relq nlp
backfill` (or the next tick) reads it, and `flask relq tags train` learns from it.

Speed: rows are checked in Python against departments, tags and earlier imports read once,
then written with one multi-row INSERT per table and thousand cases (no ORM objects, no
per-case queries): thousands of cases a second, where intake through `create_case` makes
about 400 on SQLite (bench/intake_bench.py).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table, select

from relq import access
from relq.analysis.models import CaseAnalysis
from relq.audit.models import AuditEvent
from relq.cases.models import KINDS, STATUSES, Case, Customer
from relq.cases.services import normalise_phone
from relq.db import db, utcnow
from relq.errors import Invalid, NotAllowed
from relq.forms import REFUSED_CHARACTERS
from relq.history.formats import CHANNEL_WORDS, Mapping, Record, value_at
from relq.org.models import Department, User
from relq.tags.models import CaseTag, Tag

IMPORTED = "case.imported"
BATCH = 1000
# Column lengths of cases and customers: longer text is cut (with …), not refused.
LIMITS = {"subject": 200, "product": 120, "customer_name": 120, "customer_email": 254}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S %z",
    "%Y-%m-%d %H:%M %z",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
)


@dataclass(frozen=True)
class RowError:
    """What is wrong with one row: its line in the file, the relq field, a code, the value."""

    line: int
    field: str
    code: str
    value: str = ""

    def __str__(self) -> str:
        shown = f" ({self.value[:60]!r})" if self.value else ""
        return f"line {self.line}: {self.field}: {self.code}{shown}"


@dataclass
class CaseRow:
    """A checked row: what its case will be."""

    line: int
    external_id: str
    intake_token: str
    subject: str
    customer_words: str
    remedy_requested: str
    product: str
    status: str
    department_id: int | None
    tag_ids: list[int]
    received_at: datetime
    closed_at: datetime | None
    kind: str
    channel: str
    severity: int
    customer_name: str = ""
    customer_email: str = ""
    customer_phone: str = ""


@dataclass
class HistoryCheck:
    """Every row of a file checked: the cases it would make, or what is wrong; what was
    dropped on the way (tags the list does not have) and counts for the summary."""

    source: str
    rows: int
    cases: list[CaseRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    skipped_tags: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    departments: Counter = field(default_factory=Counter)
    columns: dict[str, str] = field(default_factory=dict)  # field -> the column feeding it

    @property
    def is_clean(self) -> bool:
        return not self.errors


def _key(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip().lower()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(_text(v) for v in value)
    if isinstance(value, dict):  # a JSON object where a text was expected: its usual text
        for key in ("body", "fullname", "name"):
            if value.get(key):
                return _text(value[key])
        return " ".join(_text(value.get(k)) for k in ("lastname", "firstname") if value.get(k))
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Reader:
    """What checking needs from the database, read once: departments, tags, earlier imports."""

    def __init__(self, mapping: Mapping):
        self.mapping = mapping
        self.zone = ZoneInfo(mapping.timezone)
        departments = db.session.scalars(select(Department).where(Department.is_active)).all()
        self.departments: dict[str, int] = {}
        for d in departments:
            for name in (d.code, d.name_ja, d.name_en):
                self.departments.setdefault(_key(name), d.id)
        self.tags: dict[str, int] = {}
        tags = db.session.scalars(select(Tag).where(Tag.is_active)).all()
        parents = {t.parent_id for t in tags if t.parent_id}
        for t in tags:
            if t.id in parents:
                continue  # a category with tags of its own is not put on cases
            for name in (t.code, t.name_ja, t.name_en):
                self.tags.setdefault(_key(name), t.id)

    def department(self, value: str) -> tuple[int | None, str | None]:
        """(department id, error code); an empty value leaves the case unrouted."""
        key = _key(value)
        if not key:
            return None, None
        if key in self.mapping.departments:
            code = self.mapping.departments[key]
            if not code:
                return None, None
            found = self.departments.get(_key(code))
            return (found, None) if found else (None, "mapped_department_unknown")
        found = self.departments.get(key)
        if found is not None:
            return found, None
        if self.mapping.unknown_department == "unrouted":
            return None, None
        return None, "unknown_department"

    def tag_ids(self, value: Any) -> tuple[list[int], list[str]]:
        """(tag ids, the values no tag of the list matched)."""
        if isinstance(value, list):
            names = [_text(v) for v in value]
        else:
            text = _text(value)
            separator = self.mapping.tag_separator
            names = text.split(separator) if separator else re.split(r"[\s,]+", text)
        ids, unknown = [], []
        for name in names:
            key = _key(name)
            if not key:
                continue
            if key in self.mapping.tags:
                mapped = self.mapping.tags[key]
                if not mapped:
                    continue
                key = _key(mapped)
            found = self.tags.get(key)
            if found is None:
                unknown.append(name.strip())
            elif found not in ids:
                ids.append(found)
        return ids, unknown

    def moment(self, value: Any) -> datetime | None:
        """An aware UTC datetime from the ways exports write one; None if it reads as none."""
        text = _text(value)
        if not text:
            return None
        text = unicodedata.normalize("NFKC", text)
        parsed = None
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            for form in (*self.mapping.date_formats, *DATE_FORMATS):
                try:
                    parsed = datetime.strptime(text, form)
                    break
                except ValueError:
                    continue
        if parsed is None:
            raise ValueError(text)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=self.zone)
        return parsed.astimezone(UTC)


def _coded(value: str, table: dict[str, Any], allowed) -> Any:
    key = _key(value)
    if key in table:
        return table[key]
    return key if key in allowed else None


def _channel(value: str, mapping: Mapping) -> str | None:
    key = _key(value)
    if key in mapping.channels:
        return mapping.channels[key]
    for code, words in CHANNEL_WORDS:
        if key == code or any(w in key for w in words):
            return code
    return None


def _token(source: str, external_id: str, row: CaseRow) -> str:
    """The case's intake token: the same old case imported twice is refused by the token's
    unique index (and before that by the check)."""
    if external_id:
        token = f"import:{source}:{external_id}"
        if len(token) <= 64:
            return token
        seed = f"{source}\0{external_id}"
    else:
        seed = f"{source}\0{row.received_at.isoformat()}\0{row.subject}\0{row.customer_words}"
    return "import:" + hashlib.sha256(seed.encode()).hexdigest()[:48]


def check_history(
    columns: list[str],
    records: list[Record],
    mapping: Mapping,
    *,
    actor: User,
    progress: Callable[[int], None] | None = None,
) -> HistoryCheck:
    """Check every row of an export against relq's rules, writing nothing: each becomes a
    CaseRow or one or more RowErrors. Raises NotAllowed (not an admin) or Invalid
    ("no_subject_column": the file has nothing relq can call a subject)."""
    if not access.can_import_history(actor):
        raise NotAllowed("import")
    fed = {}
    for name in mapping.columns:
        column = mapping.column_for(name, columns)
        if column is not None:
            fed[name] = column
    if "subject" not in fed and "description" not in fed:
        raise Invalid("no_subject_column", ", ".join(columns[:20]))
    reader = _Reader(mapping)
    check = HistoryCheck(source=mapping.source, rows=len(records), columns=fed)
    now = utcnow()
    tokens: dict[str, int] = {}

    for n, record in enumerate(records, start=1):
        errors: list[RowError] = []

        def fail(
            field_name: str, code: str, value: Any = "", *, line=record.line, into=errors
        ) -> None:
            into.append(RowError(line, field_name, code, _text(value)))

        values = {name: value_at(record.values, column) for name, column in fed.items()}
        if "\0extra" in record.values:
            fail("row", "more_cells_than_columns", record.values["\0extra"])
        texts = {
            name: _text(values.get(name))
            for name in (
                "external_id",
                "subject",
                "description",
                "remedy_requested",
                "product",
                "status",
                "department",
                "kind",
                "channel",
                "severity",
                "customer_name",
                "customer_email",
                "customer_phone",
            )
        }
        for name, text in texts.items():
            if REFUSED_CHARACTERS.search(text):
                fail(name, "control_character", text.encode("unicode_escape").decode())
        subject = texts["subject"] or texts["description"].split("\n", 1)[0]
        if not subject:
            fail("subject", "missing")
        try:
            received_at = reader.moment(values.get("received_at"))
        except ValueError as error:
            fail("received_at", "unreadable_date", str(error))
            received_at = None
        else:
            if received_at is None:
                fail("received_at", "missing")
            elif received_at > now:
                fail("received_at", "in_the_future", values.get("received_at"))
        try:
            closed_at = reader.moment(values.get("closed_at"))
        except ValueError as error:
            fail("closed_at", "unreadable_date", str(error))
            closed_at = None
        if closed_at and received_at and closed_at < received_at:
            fail("closed_at", "before_received_at", values.get("closed_at"))
        status = mapping.default_status
        if texts["status"]:
            status = _coded(texts["status"], mapping.statuses, STATUSES)
            if status is None:
                fail("status", "unknown_status", texts["status"])
        department_id, department_error = reader.department(texts["department"])
        if department_error:
            fail("department", department_error, texts["department"])
        if status == "received" and department_id is not None:
            status = "routed"  # as intake does with a department chosen
        if status in ("routed", "acknowledged") and department_id is None and not department_error:
            fail("department", "needed_for_status", texts["status"])
        kind = mapping.default_kind
        if texts["kind"]:
            kind = _coded(texts["kind"], mapping.kinds, KINDS) or mapping.default_kind
        channel = mapping.default_channel
        if texts["channel"]:
            channel = _channel(texts["channel"], mapping) or mapping.default_channel
        severity = mapping.default_severity
        if texts["severity"]:
            found = _coded(texts["severity"], mapping.severities, ("1", "2", "3", "4"))
            if found is None:
                fail("severity", "unknown_severity", texts["severity"])
            else:
                severity = int(found)
        tag_ids, unknown_tags = reader.tag_ids(values.get("tags"))
        if unknown_tags:
            if mapping.unknown_tags == "error":
                fail("tags", "unknown_tag", ", ".join(unknown_tags))
            check.skipped_tags.update(unknown_tags)
        email = _key(texts["customer_email"])
        if email and not EMAIL.match(email):
            fail("customer_email", "not_an_email", texts["customer_email"])
        phone = normalise_phone(texts["customer_phone"])
        if len(phone) > 32:
            fail("customer_phone", "too_long", texts["customer_phone"])
        if progress is not None and n % 500 == 0:
            progress(500)
        if errors:
            check.errors.extend(errors)
            continue
        assert received_at is not None and status is not None
        row = CaseRow(
            line=record.line,
            external_id=texts["external_id"],
            intake_token="",
            subject=_cut(subject, LIMITS["subject"]),
            customer_words=texts["description"],
            remedy_requested=texts["remedy_requested"],
            product=_cut(texts["product"], LIMITS["product"]),
            status=status,
            department_id=department_id,
            tag_ids=tag_ids,
            received_at=received_at,
            closed_at=closed_at if status in ("resolved", "closed") else None,
            kind=kind,
            channel=channel,
            severity=severity,
            customer_name=_cut(texts["customer_name"], LIMITS["customer_name"]),
            customer_email=email,
            customer_phone=phone,
        )
        row.intake_token = _token(mapping.source, row.external_id, row)
        first = tokens.setdefault(row.intake_token, record.line)
        if first != record.line:
            check.errors.append(
                RowError(record.line, "external_id", f"same_case_as_line_{first}", row.external_id)
            )
            continue
        check.cases.append(row)
        check.statuses[status] += 1
        check.departments[department_id] += 1
    if progress is not None:
        progress(len(records) % 500)
    _refuse_earlier_imports(check)
    return check


def _refuse_earlier_imports(check: HistoryCheck) -> None:
    """A row whose case an earlier import brought in already is an error (importing a file
    twice makes nothing twice)."""
    by_token = {row.intake_token: row for row in check.cases}
    tokens = list(by_token)
    seen: dict[str, int] = {}
    for start in range(0, len(tokens), 500):
        found = db.session.execute(
            select(Case.intake_token, Case.id).where(
                Case.intake_token.in_(tokens[start : start + 500])
            )
        ).all()
        seen.update((token, case_id) for token, case_id in found)
    if not seen:
        return
    for token in seen:
        row = by_token[token]
        check.errors.append(RowError(row.line, "external_id", "imported_before", row.external_id))
    check.cases = [row for row in check.cases if row.intake_token not in seen]
    check.errors.sort(key=lambda e: e.line)


def intake_department_id(mapping: Mapping) -> int:
    """The department imported cases were taken in by: the mapping's, or the first
    customer-contact department (so that the front line sees them, as it sees its own).
    Raises Invalid("no_intake_department")."""
    query = select(Department.id).where(Department.is_active)
    if mapping.intake_department:
        query = query.where(Department.code == mapping.intake_department)
    else:
        query = query.where(Department.is_customer_contact).order_by(Department.id)
    found = db.session.scalar(query.limit(1))
    if found is None:
        raise Invalid("no_intake_department", mapping.intake_department)
    return found


def import_history(
    check: HistoryCheck,
    mapping: Mapping,
    *,
    actor: User,
    progress: Callable[[int], None] | None = None,
) -> list[int]:
    """Write the cases of a checked file (customers found or made, tags accepted, analysis
    pending, one `case.imported` audit event each) in the caller's transaction, and flush.
    Returns the new cases' ids, in the file's order. Raises NotAllowed, or Invalid
    ("rows_refused") when any row had an error: then nothing is written."""
    if not access.can_import_history(actor):
        raise NotAllowed("import")
    if check.errors:
        raise Invalid("rows_refused", len(check.errors))
    intake_id = intake_department_id(mapping)
    now = utcnow()
    ids: list[int] = []
    for start in range(0, len(check.cases), BATCH):
        batch = check.cases[start : start + BATCH]
        customers = _customers(batch)
        case_ids = _insert_returning_ids(
            Case.__table__,
            [
                {
                    "intake_token": row.intake_token,
                    "kind": row.kind,
                    "channel": row.channel,
                    "received_at": row.received_at,
                    "product": row.product,
                    "subject": row.subject,
                    "customer_words": row.customer_words,
                    "remedy_requested": row.remedy_requested,
                    "severity": row.severity,
                    "status": row.status,
                    "intake_department_id": intake_id,
                    "responsible_department_id": row.department_id,
                    "assignee_id": None,
                    "created_by_id": actor.id,
                    "customer_id": customer_id,
                    "created_at": row.received_at,
                    "updated_at": row.closed_at or row.received_at,
                    "version": 1,
                }
                for row, customer_id in zip(batch, customers, strict=True)
            ],
        )
        tags = [
            {
                "case_id": case_id,
                "tag_id": tag_id,
                "state": "accepted",
                "source": "manual",
                "confidence": None,
                "reasons": [],
                "created_at": row.received_at,
                "decided_by_id": None,
                "decided_at": row.closed_at or row.received_at,
            }
            for row, case_id in zip(batch, case_ids, strict=True)
            for tag_id in row.tag_ids
        ]
        if tags:
            db.session.execute(CaseTag.__table__.insert(), tags)
        db.session.execute(
            CaseAnalysis.__table__.insert(),
            [
                {"case_id": case_id, "state": "pending", "requested_at": now, "attempts": 0}
                for case_id in case_ids
            ],
        )
        db.session.execute(
            AuditEvent.__table__.insert(),
            [
                {
                    "at": now,
                    "actor_id": actor.id,
                    "action": IMPORTED,
                    "entity_type": "case",
                    "entity_id": case_id,
                    "case_id": case_id,
                    "before": None,
                    "after": _audit_after(check.source, row),
                }
                for row, case_id in zip(batch, case_ids, strict=True)
            ],
        )
        ids.extend(case_ids)
        if progress is not None:
            progress(len(batch))
    db.session.flush()
    return ids


def _audit_after(source: str, row: CaseRow) -> dict[str, Any]:
    after: dict[str, Any] = {
        "source": source,
        "external_id": row.external_id,
        "received_at": row.received_at.isoformat(),
        "status": row.status,
        "responsible_department_id": row.department_id,
    }
    if row.closed_at is not None:
        after["closed_at"] = row.closed_at.isoformat()
    return after


def _insert_returning_ids(table: Table, rows: list[dict[str, Any]]) -> list[int]:
    """One multi-row INSERT (SQLAlchemy's insertmanyvalues) giving the new ids in row order."""
    if not rows:
        return []
    statement = table.insert().returning(table.c.id, sort_by_parameter_order=True)
    return list(db.session.execute(statement, rows).scalars())


def _customers(batch: list[CaseRow]) -> list[int | None]:
    """Each row's customer id: the customer with the same e-mail or phone (in relq already or
    earlier in the file), else a new one; None for an anonymous case. A name alone makes a
    customer of its own each time, as at intake (names are not identities)."""
    emails = {row.customer_email for row in batch if row.customer_email}
    phones = {row.customer_phone for row in batch if row.customer_phone}
    by_email: dict[str, int] = {}
    by_phone: dict[str, int] = {}
    for values, column, found in (
        (emails, Customer.email, by_email),
        (phones, Customer.phone, by_phone),
    ):
        ordered = sorted(values)
        for start in range(0, len(ordered), 500):
            for key, customer_id in db.session.execute(
                select(column, Customer.id)
                .where(column.in_(ordered[start : start + 500]))
                .order_by(Customer.id.desc())
            ).tuples():
                found[key] = customer_id  # the oldest wins (read last)
    new: list[dict[str, Any]] = []
    slots: list[int | tuple[int]] = []  # an id, or (index into new,)
    new_by_email: dict[str, int] = {}
    new_by_phone: dict[str, int] = {}
    for row in batch:
        email, phone = row.customer_email, row.customer_phone
        if email and email in by_email:
            slots.append(by_email[email])
        elif phone and phone in by_phone:
            slots.append(by_phone[phone])
        elif email and email in new_by_email:
            slots.append((new_by_email[email],))
        elif phone and phone in new_by_phone:
            slots.append((new_by_phone[phone],))
        elif email or phone or row.customer_name:
            index = len(new)
            new.append(
                {
                    "name": row.customer_name or None,
                    "email": email or None,
                    "phone": phone or None,
                    "created_at": row.received_at,
                }
            )
            if email:
                new_by_email[email] = index
            if phone:
                new_by_phone[phone] = index
            slots.append((index,))
        else:
            slots.append(0)  # anonymous
    new_ids = _insert_returning_ids(Customer.__table__, new)
    return [(new_ids[slot[0]] if isinstance(slot, tuple) else slot) or None for slot in slots]
