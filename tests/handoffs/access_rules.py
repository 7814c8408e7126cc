"""Access-matrix rows for handoffs between departments.

The handoff under test is the operator's (customer contact, cs) request to quality assurance on
the matrix's case: the operator and the cs lead (lead_intake) are its asking side, the QA lead
(lead_owner) its providing side, executives read it, the logistics lead (lead_other) is an
outsider for whom it does not exist (404), and admins have nothing to do with it (403; they set
the time each department pair has). The steps are posted empty: a side gets the page again with
the form's errors (422), never a 403.
"""

from relq.handoffs.services import request_handoff

SIDES = {"operator", "lead_owner", "lead_intake"}
EXPECTED = {
    "handoffs.index": SIDES | {"lead_other"},
    "handoffs.new": SIDES | {"lead_other"},
    "handoffs.new_for_case": SIDES,
    "handoffs.detail": SIDES | {"executive"},
    "handoffs.step": SIDES,
    "handoffs.confirm": SIDES,
    "handoffs.message": SIDES,
    "handoffs.policies": {"admin"},
}
CASE_ROUTES = {
    "handoffs.new_for_case",
    "handoffs.detail",
    "handoffs.step",
    "handoffs.confirm",
    "handoffs.message",
}


def arguments(org, case):
    handoff = request_handoff(
        actor=org.operator,
        provider_department_id=org.qa.id,
        ask="同ロットの検査結果を教えてください",
        why="お客様が原因の説明を待っています",
        case=case,
    )
    return {"handoff_id": handoff.id}
