from relq.escalations.services import raise_escalation

DECIDERS = {"lead_owner", "executive"}
EXPECTED = {
    "escalations.index": {"lead_owner", "lead_intake", "lead_other", "executive", "admin"},
    # lead_intake sees it through the case their department took in; lead_other not at all.
    "escalations.detail": {"lead_owner", "lead_intake", "executive", "admin"},
    # The escalation under test is department-level (a repeat customer) and belongs to qa:
    # its lead and the executives act on it.
    "escalations.close": DECIDERS,
    "escalations.comment": DECIDERS,
    "escalations.owner": DECIDERS,
    # The board's bulk actions: every lead and executive may post a selection (the matrix
    # posts none: the board again, 422); each selected escalation is then checked in scope.
    "escalations.close_selected": {"lead_owner", "lead_intake", "lead_other", "executive"},
    "escalations.owner_selected": {"lead_owner", "lead_intake", "lead_other", "executive"},
}
CASE_ROUTES = {"escalations.detail"}
REFUSALS = {
    (endpoint, "lead_other"): 404
    for endpoint in EXPECTED
    if endpoint
    not in ("escalations.index", "escalations.close_selected", "escalations.owner_selected")
}


def arguments(org, case):
    escalation = raise_escalation(case, "repeat_customer", detail="3")
    return {"escalation_id": escalation.id}
