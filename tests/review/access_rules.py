"""Access-matrix rows for the management review: executives and admins only (the matrix's POSTs
carry no fields, so they answer 422 and change nothing)."""

from __future__ import annotations

from relq.review.periods import quarter_number
from relq.review.services import ActionInput, add_action, start_review

MANAGEMENT = {"executive", "admin"}

EXPECTED = {
    "review.index": MANAGEMENT,
    "review.detail": MANAGEMENT,
    "review.pdf": MANAGEMENT,
    "review.request_pdf": MANAGEMENT,
    "review.edit": MANAGEMENT,
    "review.add_action": MANAGEMENT,
    "review.edit_action": MANAGEMENT,
    "review.actions": MANAGEMENT,
}


def arguments(org, case) -> dict:
    review = start_review(org.executive, quarter_number(2026, 2), title="2026 Q2")
    action = add_action(org.executive, review, ActionInput("手順書を改訂する", org.qa.id))
    return {"review_id": review.id, "action_id": action.id}
