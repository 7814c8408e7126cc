"""Access-matrix rows for customer-harassment mode.

The record on the matrix's case is flagged by the operator (customer contact, cs): its details
are for the operator, the cs lead (lead_intake), executives and admins. The QA lead owns the
case and sees it, yet for them the record does not exist (404), as for the logistics lead.
Flagging is tried on a case cs took in and has not routed, so that only the front line can see
it: the owner's 403 on a case they can see is tested in tests/harassment/test_harassment.py.
"""

from relq.harassment.services import flag_case
from tests.factories import make_case

EXPECTED = {
    "harassment.index": {"lead_owner", "lead_intake", "lead_other", "executive", "admin"},
    "harassment.flag": {"operator", "lead_intake"},
    "harassment.report": {"operator", "lead_intake", "executive", "admin"},
    "harassment.edit": {"operator", "lead_intake"},
    "harassment.follow_up": {"operator", "lead_intake"},
}
CASE_ROUTES = {"harassment.flag", "harassment.report", "harassment.edit", "harassment.follow_up"}


def arguments(org, case):
    report = flag_case(case, actor=org.operator)
    kept_at_intake = make_case(org.operator, subject="何度も電話してくる")
    return {"report_id": report.id, "intake_case_id": kept_at_intake.id}
