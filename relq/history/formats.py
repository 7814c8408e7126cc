"""Reading a past system's export: bytes to text, text to records, columns to relq's fields.

An export is CSV (comma, tab or semicolon; Excel's "CSV UTF-8", its CP932 "CSV" and its
UTF-16 "Unicode text" alike) or JSON (one object per line, or one array of objects). Each
record keeps the line it starts on, so that an error names the line a person opens the file
at. Which column feeds which relq field, and how a status, priority or channel of the old
system reads in relq, is a `Mapping`: the presets for Zendesk's and Zammad's exports, or a
mapping file (TOML or JSON) that names a preset to start from and changes what differs.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import tomllib
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from relq.cases.models import CHANNELS, KINDS, STATUSES
from relq.errors import Invalid


class FormatError(Invalid):
    """The file or the mapping cannot be read at all (not one row's fault): `code` says why,
    `detail` says where."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(code, detail)
        self.detail = detail

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}" if self.detail else self.code


# ---- bytes to text ----------------------------------------------------------------------------

ENCODINGS = ("auto", "utf-8", "utf-8-sig", "cp932", "utf-16")


def decode(data: bytes, encoding: str = "auto") -> tuple[str, str]:
    """(text, the encoding it was read with). `auto`: a byte-order mark says UTF-8 or UTF-16;
    without one, UTF-8 if the bytes are valid UTF-8 (Japanese in CP932 practically never is),
    else CP932, what Excel on a Japanese Windows writes. Raises FormatError."""
    if encoding != "auto":
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as error:
            raise FormatError("undecodable", f"{encoding}: {error}") from None
    # A byte-order mark names the encoding; bytes that then do not decode are a broken file,
    # said as such (not a UnicodeDecodeError from deep inside the import).
    for mark, name, codec in (
        (codecs.BOM_UTF8, "utf-8-sig", "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16", "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16", "utf-16"),
    ):
        if data.startswith(mark):
            try:
                return data.decode(codec), name
            except UnicodeDecodeError as error:
                raise FormatError("undecodable", f"{name} (byte-order mark): {error}") from None
    for candidate in ("utf-8", "cp932"):
        try:
            return data.decode(candidate), candidate
        except UnicodeDecodeError:
            continue
    raise FormatError("undecodable", "neither UTF-8 nor CP932: name the encoding (--encoding)")


# ---- text to records --------------------------------------------------------------------------


@dataclass
class Record:
    """One row of the export: the line it starts on and its values by column name (JSON
    values as they were: lists, numbers, nested objects)."""

    line: int
    values: dict[str, Any]


def is_json(text: str, name: str = "") -> bool:
    if name.lower().endswith((".jsonl", ".ndjson", ".json")):
        return True
    return text.lstrip()[:1] in ("{", "[")


def read_records(text: str, name: str = "") -> tuple[list[str], list[Record]]:
    """(columns, records) of a CSV or JSON export. Raises FormatError for a file that is not
    one (a JSON line that does not parse names its line)."""
    if is_json(text, name):
        return _json_records(text)
    return _csv_records(text)


def _csv_records(text: str) -> tuple[list[str], list[Record]]:
    first = text.split("\n", 1)[0]
    delimiter = max(("\t", ",", ";"), key=first.count)
    if not first.count(delimiter) and not first.strip():
        raise FormatError("empty_file")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [_clean_header(h) for h in next(reader)]
    except StopIteration:
        raise FormatError("empty_file") from None
    records = []
    line = reader.line_num + 1
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                values = dict(zip(header, row, strict=False))
                if len(row) > len(header):
                    values["\0extra"] = row[len(header) :]
                records.append(Record(line, values))
            line = reader.line_num + 1
    except csv.Error as error:
        raise FormatError("bad_csv", f"line {line}: {error}") from None
    return header, records


def _clean_header(name: str) -> str:
    return unicodedata.normalize("NFKC", name).strip().strip('"')


def _json_records(text: str) -> tuple[list[str], list[Record]]:
    stripped = text.lstrip()
    items: list[tuple[int, Any]]
    if stripped.startswith("["):
        try:
            items = list(enumerate(json.loads(stripped), start=1))
        except json.JSONDecodeError as error:
            raise FormatError("bad_json", f"line {error.lineno}: {error.msg}") from None
    else:
        items = []
        for number, raw in enumerate(text.splitlines(), start=1):
            if raw.strip():
                try:
                    items.append((number, json.loads(raw)))
                except json.JSONDecodeError as error:
                    raise FormatError("bad_json", f"line {number}: {error.msg}") from None
    columns: dict[str, None] = {}
    records = []
    for line, item in items:
        if not isinstance(item, dict):
            raise FormatError("bad_json", f"line {line}: not an object")
        columns.update(dict.fromkeys(item))
        records.append(Record(line, item))
    return list(columns), records


def value_at(values: dict[str, Any], column: str) -> Any:
    """A column's value; "customer.email" reaches into a JSON object."""
    if column in values:
        return values[column]
    found: Any = values
    for part in column.split("."):
        if not isinstance(found, dict) or part not in found:
            return None
        found = found[part]
    return found


# ---- columns to fields ------------------------------------------------------------------------

# relq's fields an export can feed. "description" is the customer's own words.
FIELDS = (
    "external_id",
    "subject",
    "description",
    "remedy_requested",
    "product",
    "status",
    "department",
    "tags",
    "received_at",
    "closed_at",
    "kind",
    "channel",
    "severity",
    "customer_name",
    "customer_email",
    "customer_phone",
)
UNKNOWN_DEPARTMENT = ("error", "unrouted")
UNKNOWN_TAGS = ("skip", "error")


@dataclass(frozen=True)
class Mapping:
    """How an export reads in relq. `columns`: each field's candidate columns, the first one
    the file has wins. Value maps are keyed by the old system's value, lower-cased; a
    department or tag is matched by its relq code or name when the map does not name it."""

    source: str
    columns: dict[str, tuple[str, ...]]
    statuses: dict[str, str] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    channels: dict[str, str] = field(default_factory=dict)
    severities: dict[str, int] = field(default_factory=dict)
    departments: dict[str, str] = field(default_factory=dict)  # value -> code ("": unrouted)
    tags: dict[str, str] = field(default_factory=dict)  # value -> tag code ("": dropped)
    tag_separator: str | None = None  # None: any whitespace, or a comma
    unknown_department: str = "error"
    unknown_tags: str = "skip"
    timezone: str = "Asia/Tokyo"  # for dates written without one
    date_formats: tuple[str, ...] = ()
    intake_department: str = ""  # code; default: the first customer-contact department
    default_status: str = "closed"
    default_kind: str = "inquiry"
    default_channel: str = "email"
    default_severity: int = 3

    def column_for(self, field_name: str, columns: list[str]) -> str | None:
        """The column that feeds a field in a file with these columns (None: no column).
        JSON paths ("customer.email") count when their first part is a column."""
        present = set(columns)
        for candidate in self.columns.get(field_name, ()):
            if candidate in present or candidate.split(".", 1)[0] in present:
                return candidate
        return None


ZENDESK = Mapping(
    source="zendesk",
    columns={
        "external_id": ("Id", "ID", "id"),
        "subject": ("Subject", "subject"),
        "description": ("Description", "description"),
        "status": ("Status", "status"),
        "department": ("Group", "group", "group_name"),
        "tags": ("Tags", "tags"),
        "received_at": ("Created at", "created_at"),
        "closed_at": ("Solved at", "solved_at"),
        "kind": ("Type", "Ticket type", "type"),
        "channel": ("Via", "via.channel", "via"),
        "severity": ("Priority", "priority"),
        "customer_name": ("Requester", "requester.name", "requester"),
        "customer_email": ("Requester email", "requester.email"),
        "product": ("Product",),
    },
    statuses={
        "new": "received",
        "open": "in_progress",
        "pending": "awaiting_customer",
        "hold": "in_progress",
        "on-hold": "in_progress",
        "solved": "resolved",
        "closed": "closed",
    },
    kinds={
        "question": "inquiry",
        "incident": "complaint",
        "problem": "complaint",
        "task": "request",
    },
    severities={"urgent": 1, "high": 2, "normal": 3, "low": 4},
    tag_separator=None,
)

ZAMMAD = Mapping(
    source="zammad",
    columns={
        "external_id": ("number", "Number", "id"),
        "subject": ("title", "Title"),
        "description": ("body", "article.body", "first_article", "description", "note"),
        "status": ("state", "State", "state.name"),
        "department": ("group", "Group", "group.name"),
        "tags": ("tags", "Tags"),
        "received_at": ("created_at", "Created at"),
        "closed_at": ("close_at", "closed_at", "Closed at"),
        "channel": ("create_article_type", "channel", "article.type"),
        "severity": ("priority", "Priority", "priority.name"),
        "customer_name": ("customer", "Customer", "customer.fullname"),
        "customer_email": ("customer.email", "customer_email"),
        "customer_phone": ("customer.phone", "customer_phone"),
        "product": ("product",),
    },
    statuses={
        "new": "received",
        "open": "in_progress",
        "pending reminder": "awaiting_customer",
        "pending close": "resolved",
        "closed": "closed",
        "merged": "closed",
    },
    severities={"1 low": 4, "2 normal": 3, "3 high": 2, "low": 4, "normal": 3, "high": 2},
    tag_separator=",",
)

PRESETS = {"zendesk": ZENDESK, "zammad": ZAMMAD}

# What a channel's name in any system usually says (checked in order, on its lower case).
CHANNEL_WORDS = (
    ("phone", ("phone", "voice", "call", "tel", "電話")),
    ("email", ("mail", "メール")),
    ("social", ("twitter", "facebook", "instagram", "line", "social", "sns")),
    ("web", ("web", "form", "chat", "widget", "api", "フォーム", "チャット")),
    ("letter", ("letter", "post", "fax", "手紙", "郵送")),
    ("visit", ("visit", "walk", "来店", "来訪")),
)


def detect_preset(columns: list[str]) -> Mapping | None:
    """The preset whose external id and subject columns the file has (Zendesk's "Id" and
    "Subject", Zammad's "number" and "title")."""
    for preset in PRESETS.values():
        if preset.column_for("external_id", columns) and preset.column_for("subject", columns):
            return preset
    return None


def _lowered(table: Any, name: str) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise FormatError("bad_mapping", f"{name} must be a table")
    return {unicodedata.normalize("NFKC", str(k)).strip().lower(): v for k, v in table.items()}


def load_mapping(path: str | Path) -> Mapping:
    """A mapping file (TOML, or JSON by its .json name): `preset` to start from (zendesk,
    zammad, or none), `source` (the old system's name, kept in the audit trail), tables
    `columns`, `statuses`, `kinds`, `channels`, `severities`, `departments`, `tags`, and the
    settings `tag_separator`, `unknown_department` (error | unrouted), `unknown_tags`
    (skip | error), `timezone`, `date_formats`, `intake_department`, `defaults` (status, kind,
    channel, severity). Raises FormatError naming what is wrong."""
    path = Path(path)
    try:
        raw = path.read_bytes()
        spec = json.loads(raw) if path.suffix.lower() == ".json" else tomllib.loads(raw.decode())
    except (OSError, ValueError) as error:  # JSONDecodeError and TOMLDecodeError are ValueErrors
        raise FormatError("bad_mapping", f"{path.name}: {error}") from None
    return mapping_from(spec, default_source=path.stem)


def mapping_from(spec: dict[str, Any], *, default_source: str = "import") -> Mapping:
    """A Mapping from a mapping file's contents (see load_mapping)."""
    known = {
        "preset",
        "source",
        "columns",
        "statuses",
        "kinds",
        "channels",
        "severities",
        "departments",
        "tags",
        "tag_separator",
        "unknown_department",
        "unknown_tags",
        "timezone",
        "date_formats",
        "intake_department",
        "defaults",
    }
    unknown = set(spec) - known
    if unknown:
        raise FormatError("bad_mapping", f"unknown keys: {', '.join(sorted(unknown))}")
    preset_name = spec.get("preset") or ""
    if preset_name and preset_name not in PRESETS:
        raise FormatError("bad_mapping", f"preset must be one of {', '.join(PRESETS)}")
    base = PRESETS.get(preset_name) or Mapping(source=default_source, columns={})
    columns = dict(base.columns)
    for name, given in (spec.get("columns") or {}).items():
        if name not in FIELDS:
            raise FormatError("bad_mapping", f"columns.{name}: not a field ({', '.join(FIELDS)})")
        names = [given] if isinstance(given, str) else given
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise FormatError("bad_mapping", f"columns.{name}: a column name or a list of them")
        columns[name] = tuple(_clean_header(n) for n in names)
    changes: dict[str, Any] = {"columns": columns, "source": spec.get("source") or base.source}
    if not preset_name:
        changes["source"] = spec.get("source") or default_source
    checks = {
        "statuses": STATUSES,
        "kinds": KINDS,
        "channels": CHANNELS,
        "severities": (1, 2, 3, 4),
    }
    for name, allowed in checks.items():
        if name in spec:
            table = _lowered(spec[name], name)
            wrong = sorted(str(v) for v in table.values() if v not in allowed)
            if wrong:
                raise FormatError("bad_mapping", f"{name}: {', '.join(wrong)} not known to relq")
            changes[name] = getattr(base, name) | table
    for name in ("departments", "tags"):
        if name in spec:
            table = _lowered(spec[name], name)
            if not all(isinstance(v, str) for v in table.values()):
                raise FormatError("bad_mapping", f'{name}: values are relq codes (or "")')
            changes[name] = getattr(base, name) | table
    for name, allowed in (
        ("unknown_department", UNKNOWN_DEPARTMENT),
        ("unknown_tags", UNKNOWN_TAGS),
    ):
        if name in spec:
            if spec[name] not in allowed:
                raise FormatError("bad_mapping", f"{name}: one of {', '.join(allowed)}")
            changes[name] = spec[name]
    for name in ("tag_separator", "timezone", "intake_department"):
        if name in spec:
            if not isinstance(spec[name], str):
                raise FormatError("bad_mapping", f"{name}: a string")
            changes[name] = spec[name]
    if "date_formats" in spec:
        formats = spec["date_formats"]
        if not isinstance(formats, list) or not all(isinstance(f, str) for f in formats):
            raise FormatError("bad_mapping", "date_formats: a list of strptime formats")
        changes["date_formats"] = tuple(formats)
    defaults = spec.get("defaults") or {}
    for name, allowed in (
        ("status", STATUSES),
        ("kind", KINDS),
        ("channel", CHANNELS),
        ("severity", (1, 2, 3, 4)),
    ):
        if name in defaults:
            if defaults[name] not in allowed:
                raise FormatError("bad_mapping", f"defaults.{name}: {defaults[name]!r} not known")
            changes[f"default_{name}"] = defaults[name]
    try:
        ZoneInfo(changes.get("timezone", base.timezone))
    except (KeyError, ValueError) as error:
        raise FormatError("bad_mapping", f"timezone: {error}") from None
    return replace(base, **changes)


def iter_fields(mapping: Mapping, columns: list[str]) -> Iterator[tuple[str, str]]:
    """(field, column) of every field this file feeds."""
    for name in FIELDS:
        column = mapping.column_for(name, columns)
        if column is not None:
            yield name, column
