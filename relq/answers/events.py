from __future__ import annotations


def _on_transition(case, *, actor, action, reason, planned_for, **_):
    from relq.answers.services import record_answer

    record_answer(case, actor=actor, action=action, reason=reason, planned_for=planned_for)
