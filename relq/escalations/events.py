"""What raises escalations: the case's own facts at intake and on edit, a harassment flag,
a missed deadline, a recorded surge, a stalled handoff."""

from __future__ import annotations

TEXT_FIELDS = {"subject", "customer_words", "remedy_requested"}
# Which missed deadline raises which escalation (first response is the front line's own
# clock and shows on its deadline attainment instead).
MISSED = {"acknowledge": "acknowledge_missed", "resolution": "resolution_missed"}


def _on_created(case, *, new_customer=False, **_):
    from relq.escalations.services import check_case

    # A customer intake has just made has no earlier case: nothing to count.
    check_case(case, repeat_possible=not new_customer)


def _on_updated(case, *, changes, **_):
    from relq.escalations.services import check_case

    if "severity" in changes or TEXT_FIELDS & set(changes):
        check_case(case, texts_changed=bool(TEXT_FIELDS & set(changes)))


def _on_note(case, *, note, **_):
    from relq.escalations.services import check_safety

    if note.kind == "observation":
        check_safety(case, [note.body])


def _on_harassment(case, *, report, **_):
    from relq.escalations.services import raise_escalation

    raise_escalation(case, "harassment")


def _on_deadline_missed(case, *, deadline, **_):
    from relq.escalations.services import raise_escalation

    reason = MISSED.get(deadline.kind)
    if reason is not None:
        raise_escalation(case, reason, now=deadline.missed_at)


def _on_surge(_sender, *, alert, **_):
    from relq.escalations.services import raise_escalation

    raise_escalation(
        None,
        "surge",
        surge_alert_id=alert.id,
        detail=f"{alert.label}: {alert.observed} / {alert.expected:.1f}",
    )


def _on_transition(case, *, action, **_):
    from relq.escalations.services import follow_department

    if action in ("route", "reroute"):
        follow_department(case)


def _on_handoff_stalled(handoff, **_):
    from relq.escalations.services import raise_stalled_handoff

    raise_stalled_handoff(handoff)
