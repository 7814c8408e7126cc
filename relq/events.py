"""What happened to a case, announced to the capabilities that care (deadlines, escalations,
notifications), so that the case services do not need to know them.

Receivers run synchronously inside the sender's transaction: they may add and flush rows,
never commit, and an exception in one rolls the whole change back, as if it were inline code.
Each signal's sender is the case; keyword arguments are listed beside it. A capability names
the signals it receives in its declaration (relq/capability.py), by their names here.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# case, actor (User | None), new_customer (whether intake made the customer: no history yet).
# Sent once the case and its observation note exist, before a routing rule routes it (which
# sends case_transitioned "route" like a person routing it).
case_created = _signals.signal("case-created")
# case, actor, action (a TRANSITIONS key), before (status), after (status), reason,
# planned_for (a date, for the "plan" answer)
case_transitioned = _signals.signal("case-transitioned")
# case, actor, changes (the changed fields' new values)
case_updated = _signals.signal("case-updated")
# case, actor, note
note_added = _signals.signal("note-added")
# case, analysis (its CaseAnalysis, just stored: key phrases, search words; tags suggested)
case_analysed = _signals.signal("case-analysed")
# case, actor, answer (a DepartmentAnswer: the owner's 受領 / 対応予定 / 対応済 / 対応しない)
case_answered = _signals.signal("case-answered")
# case (may be None for a surge), escalation
escalation_opened = _signals.signal("escalation-opened")
# case (may be None), escalation, actor
escalation_closed = _signals.signal("escalation-closed")
# case, deadline (a CaseDeadline) — tick stamped it warned / missed
deadline_warned = _signals.signal("deadline-warned")
deadline_missed = _signals.signal("deadline-missed")
# case, actor, report (a HarassmentReport)
harassment_flagged = _signals.signal("harassment-flagged")
# case, actor, compliment (a thanks Compliment just passed on, naming a department and perhaps
# a staff member)
compliment_shared = _signals.signal("compliment-shared")
# None, alert (a SurgeAlert just recorded)
surge_recorded = _signals.signal("surge-recorded")

# Internal-customer handoffs (relq/handoffs). The sender is the handoff (its case may be None).
# handoff, actor — a department asked another
handoff_requested = _signals.signal("handoff-requested")
# handoff, actor, action (a handoffs.models.STEPS key), before (status), message (or None)
handoff_stepped = _signals.signal("handoff-stepped")
# handoff — tick found it past its due time / past its grace (stalled)
handoff_overdue = _signals.signal("handoff-overdue")
handoff_stalled = _signals.signal("handoff-stalled")
