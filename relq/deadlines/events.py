"""The case's clocks follow what happens to the case. Receivers run inside the sender's
transaction (they add and flush, never commit)."""

from __future__ import annotations

from relq import events
from relq.db import utcnow
from relq.deadlines import services


def on_case_created(case, **_kwargs) -> None:
    services.start_case_clocks(case, now=utcnow())


def on_case_transitioned(case, *, action: str, **_kwargs) -> None:
    services.apply_clock_rules(case, action, now=utcnow())


def on_note_added(case, *, note, **_kwargs) -> None:
    # A response to the customer is the first response, whoever writes it.
    if note.kind == "response":
        services.meet(case, "first_response", now=utcnow())


def on_case_updated(case, *, changes: dict, **_kwargs) -> None:
    if "severity" in changes:
        services.reschedule(case, now=utcnow())


def connect() -> None:
    events.case_created.connect(on_case_created)
    events.case_transitioned.connect(on_case_transitioned)
    events.note_added.connect(on_note_added)
    events.case_updated.connect(on_case_updated)
