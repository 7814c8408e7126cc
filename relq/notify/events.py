"""The receivers that turn what happened to a case into notifications. They run inside the
sender's transaction (relq.events) and only add rows: e-mail goes out after the commit."""

from __future__ import annotations

from relq import events
from relq.notify import services

ROUTING_ACTIONS = ("route", "reroute")


def _on_transition(case, *, actor, action, reason="", **_):
    if action in ROUTING_ACTIONS:
        services.notify_routed(case, actor=actor, action=action, reason=reason)


def _on_created(case, *, actor, **_):
    # Routed at intake by the person who logged it (the form's department).
    if case.status == "routed":
        services.notify_routed(case, actor=actor)


def _on_answered(case, *, actor, answer, **_):
    services.notify_answered(case, actor=actor, answer=answer)


def _on_deadline_warned(case, *, deadline, **_):
    services.notify_deadline("deadline_soon", case, deadline)


def _on_deadline_missed(case, *, deadline, **_):
    services.notify_deadline("deadline_missed", case, deadline)


def _on_escalation_opened(case, *, escalation, **_):
    services.notify_escalation(case, escalation)


def connect() -> None:
    events.case_transitioned.connect(_on_transition)
    events.case_created.connect(_on_created)
    events.case_answered.connect(_on_answered)
    events.deadline_warned.connect(_on_deadline_warned)
    events.deadline_missed.connect(_on_deadline_missed)
    events.escalation_opened.connect(_on_escalation_opened)
