"""Opaque cursors and keyset paging in the case list's own order.

A cursor carries the sort and the last row's sort-key values; the next page is the rows after
those values in that order (keyset), so rows inserted or changed meanwhile never make a page
repeat or skip a row the walk has not passed yet, and a deep page costs what the first does.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_

from relq.cases.models import Case
from relq.cases.services import SORTS
from relq.errors import Invalid

ASC, DESC = "asc", "desc"
# Each sort of the list (relq.cases.services.SORTS) as its key columns and directions.
KEYS = {
    "received_at": ((Case.received_at, ASC), (Case.id, ASC)),
    "-received_at": ((Case.received_at, DESC), (Case.id, DESC)),
    "severity": ((Case.severity, ASC), (Case.received_at, DESC), (Case.id, DESC)),
    "-updated_at": ((Case.updated_at, DESC), (Case.id, DESC)),
    "status": ((Case.status, ASC), (Case.received_at, DESC), (Case.id, DESC)),
}
assert set(KEYS) == set(SORTS), "every sort of the list pages by its keys"


class BadCursor(Invalid):
    field_name = "cursor"

    def __init__(self):
        super().__init__("bad_cursor")


def _plain(value):
    return {"t": value.isoformat()} if isinstance(value, datetime) else value


def _typed(value):
    if isinstance(value, dict) and set(value) == {"t"}:
        return datetime.fromisoformat(value["t"])
    return value


def encode(kind: str, values: list) -> str:
    raw = json.dumps([kind, [_plain(v) for v in values]], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def types_of(keys) -> list[type]:
    return [
        datetime if c.key.endswith("_at") else (str if c.key == "status" else int) for c, _ in keys
    ]


def decode(cursor: str, kind: str, types: list[type]) -> list:
    """The values a cursor of `kind` carries; BadCursor for anything else (another sort's
    cursor, a tampered one)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        found_kind, values = json.loads(raw)
        values = [_typed(v) for v in values]
    except (ValueError, TypeError):
        raise BadCursor() from None
    if found_kind != kind or not isinstance(values, list) or len(values) != len(types):
        raise BadCursor()
    for value, expected in zip(values, types, strict=True):
        if not isinstance(value, expected) or isinstance(value, bool):
            raise BadCursor()
        if isinstance(value, datetime) and value.tzinfo is None:
            raise BadCursor()
        if isinstance(value, int) and not -(2**31) <= value < 2**31:
            raise BadCursor()
    return values


def after(keys, values: list) -> ColumnElement[bool]:
    """Rows after `values` in the order `keys` (columns with directions): (k1 beyond v1) or
    (k1 = v1 and k2 beyond v2) or ... : portable, and each branch can use the sort's index."""
    branches = []
    for i, (column, direction) in enumerate(keys):
        equal = [c == v for (c, _d), v in zip(keys[:i], values[:i], strict=True)]
        beyond = column > values[i] if direction == ASC else column < values[i]
        branches.append(and_(*equal, beyond))
    return or_(*branches)
