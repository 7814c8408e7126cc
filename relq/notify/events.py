"""The receivers that turn what happened to a case (or a handoff) into notifications. They run
inside the sender's transaction (relq.events) and only add rows: e-mail goes out after the
commit."""

from __future__ import annotations

from relq.notify import handoffs, services

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


def _on_compliment(case, *, actor, compliment, **_):
    services.notify_compliment(compliment, actor=actor)


def _on_handoff_requested(handoff, *, actor, **_):
    handoffs.notify_handoff_requested(handoff, actor=actor)


def _on_handoff_stepped(handoff, *, actor, action, message=None, **_):
    if action in ("answer", "decline"):
        handoffs.notify_handoff_answered(handoff, actor=actor, action=action, message=message)
    elif action == "send_back":
        handoffs.notify_handoff_sent_back(handoff, actor=actor, message=message)
    elif action == "confirm":
        handoffs.notify_handoff_thanked(handoff, actor=actor)


def _on_handoff_overdue(handoff, **_):
    handoffs.notify_handoff_overdue(handoff)


# relq.events' signal name -> receivers (declared in relq/notify/capability.py).
RECEIVERS = {
    "case_transitioned": (_on_transition,),
    "case_created": (_on_created,),
    "case_answered": (_on_answered,),
    "deadline_warned": (_on_deadline_warned,),
    "deadline_missed": (_on_deadline_missed,),
    "escalation_opened": (_on_escalation_opened,),
    "compliment_shared": (_on_compliment,),
    "handoff_requested": (_on_handoff_requested,),
    "handoff_stepped": (_on_handoff_stepped,),
    "handoff_overdue": (_on_handoff_overdue,),
}
