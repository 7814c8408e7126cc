"""The case's clocks follow what happens to the case. Receivers run inside the sender's
transaction (they add and flush, never commit)."""

from __future__ import annotations

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
