"""Access-matrix rows for the REST API and its token page.

The API's routes are called by tests/api/test_matrix.py with each actor's bearer token (and
with a read-only token, and with a session cookie only): the page matrix cannot call them, as
the API refuses a browser's session. The token page (/settings/api-tokens) is an ordinary page
and stays in the page matrix: everyone keeps their own tokens; the token under test is the
operator's, which nobody else may revoke (404: it does not exist for them) but an admin.
"""

from relq.api.tokens import create_token
from tests.access import ANON, CASE_WORKERS, EVERYONE

API_CASE_WORKERS = CASE_WORKERS
EXPECTED = {
    "api.v1.cases.list_cases": EVERYONE,
    "api.v1.cases.get_case": EVERYONE - {"lead_other"},
    "api.v1.cases.create": {"operator", "lead_intake"},
    "api.v1.cases.update": CASE_WORKERS,
    "api.v1.cases.transition": CASE_WORKERS,
    "api.v1.cases.list_notes": EVERYONE - {"lead_other"},
    "api.v1.cases.add_case_note": CASE_WORKERS,
    "api.v1.views.me": EVERYONE,
    "api.v1.views.tags": EVERYONE,
    "api.v1.views.departments": EVERYONE,
    "api.v1.views.list_handoffs": {
        "operator",
        "lead_owner",
        "lead_intake",
        "lead_other",
        "executive",
    },
    "api.v1.views.get_handoff": {"operator", "lead_owner", "lead_intake", "executive"},
    "api.v1.views.list_escalations": {
        "lead_owner",
        "lead_intake",
        "lead_other",
        "executive",
        "admin",
    },
    "api.v1.views.get_escalation": {"lead_owner", "lead_intake", "executive", "admin"},
    "api.v1.views.themes": EVERYONE,
    "api.v1.views.surges": {"executive", "admin"},
    "api.v1.views.enps_rounds": {"lead_owner", "lead_intake", "lead_other", "executive", "admin"},
    "api.v1.views.enps_round_results": {"executive", "admin"},
    "api.v1.views.openapi": {ANON},
    "api.v1.views.docs": {ANON},
    "api.v1.views.docs_asset": {ANON},
    "api.tokens.index": EVERYONE,
    "api.tokens.create": EVERYONE,
    "api.tokens.revoke": {"operator", "admin"},
    "api.tokens.everyone": {"admin"},
}
CASE_ROUTES = {
    "api.v1.cases.get_case",
    "api.v1.cases.update",
    "api.v1.cases.transition",
    "api.v1.cases.list_notes",
    "api.v1.cases.add_case_note",
    "api.v1.views.get_handoff",
    "api.v1.views.get_escalation",
}
# Someone else's token does not exist for you.
REFUSALS = {
    ("api.tokens.revoke", actor): 404
    for actor in ("lead_owner", "lead_intake", "lead_other", "executive")
}
OWN_MATRIX = {e for e in EXPECTED if e.startswith("api.v1.") and ANON not in EXPECTED[e]}


def arguments(org, case):
    from relq.escalations.services import escalations_of, raise_escalation
    from relq.handoffs.services import request_handoff

    token = create_token(org.operator, name="matrix", scope="read")
    handoff = request_handoff(
        actor=org.operator,
        provider_department_id=org.qa.id,
        ask="同ロットの検査結果を教えてください",
        why="お客様が原因の説明を待っています",
        case=case,
    )
    # The case's words (異物) raised a safety escalation at intake already.
    escalation = raise_escalation(case, "safety") or escalations_of(case.id)[0]
    return {
        "token_id": token.token.id,
        "handoff_id": handoff.id,
        "escalation_id": escalation.id,
        "name": "swagger-ui.css",
    }
