"""The case list as a CSV file: what the list shows, with the same filters and scope.

The rows come from `relq.cases.listing.export_rows`, the list's own query (so from
`visible_cases`: nothing the user could not open) read through one cursor; this module turns
them into CSV as a stream of bytes, a batch at a time, so that 100,000 cases never sit in
memory at once. The file is UTF-8 with a byte-order mark (Excel in Japanese reads a CSV
without one as Shift_JIS) and CRLF line ends. A cell whose text begins with = + - @, a tab
or a CR is neutralised with a leading apostrophe, so that a spreadsheet shows a customer's
"=HYPERLINK(...)" as text instead of running it (CSV / formula injection).

Every export is one audit event (`cases.exported`) with the query string and the number of
rows, recorded (and committed) before the first byte is sent: an export cut short is audited
all the same.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo

from relq.audit.services import record
from relq.cases.listing import CaseRow
from relq.org.models import User

BOM = "\ufeff"
# What a spreadsheet may read as the start of a formula (OWASP: CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EXPORT_BATCH = 1000


def neutralise(text: str) -> str:
    """`text` as a cell a spreadsheet shows and never evaluates."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@dataclass(frozen=True)
class ExportWords:
    """The words of the file, in the exporting person's language, and their time zone."""

    header: tuple[str, ...]
    kinds: Mapping[str, str]
    statuses: Mapping[str, str]
    severities: Mapping[int, str]
    channels: Mapping[str, str]
    clock_kinds: Mapping[str, str]
    clock_states: Mapping[str, str]
    locale: str
    zone: tzinfo


def _local(moment: datetime | None, zone: tzinfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""


def _cells(row: CaseRow, words: ExportWords, now: datetime) -> list[str]:
    deadline = row.deadline(now)
    return [
        row.ref,
        _local(row.received_at, words.zone),
        words.kinds.get(row.kind, row.kind),
        str(row.severity),
        neutralise(row.subject),
        words.statuses.get(row.status, row.status),
        neutralise(row.department(words.locale) or ""),
        neutralise(row.assignee or ""),
        words.channels.get(row.channel, row.channel),
        words.clock_kinds.get(deadline.kind, deadline.kind) if deadline else "",
        _local(deadline.due_at, words.zone) if deadline else "",
        words.clock_states.get(deadline.state, deadline.state) if deadline else "",
        str(deadline.minutes) if deadline and deadline.state == "overdue" else "",
    ]


def csv_chunks(rows: Iterable[CaseRow], words: ExportWords, *, now: datetime) -> Iterator[bytes]:
    """The CSV file of `rows`, as UTF-8 byte chunks of about EXPORT_BATCH rows each (the first
    begins with the byte-order mark and the header)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow([neutralise(h) for h in words.header])
    pending = 0
    for row in rows:
        writer.writerow(_cells(row, words, now))
        pending += 1
        if pending >= EXPORT_BATCH:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue().encode("utf-8")


def record_export(actor: User, *, query: str, rows: int) -> None:
    """Audit one export of the case list by `actor`: its query string (the filters) and how
    many cases it holds. The event names the exporting person's list (entity case_list, id
    the actor's)."""
    record(
        "cases.exported",
        actor=actor,
        entity_type="case_list",
        entity_id=actor.id,
        after={"query": query, "rows": rows, "format": "csv"},
    )
