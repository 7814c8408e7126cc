"""Access-matrix rows for the case list's tools: the CSV export and saved views are everyone's
(each sees only their own scope and their own views); the bulk tools are the case workers'
(each case is then checked by its own service). The saved view under test is the operator's:
for everyone else it does not exist (404)."""

from relq.cases.saved_views import save_view
from tests.access import ACTORS

EXPECTED = {
    "cases.export": set(ACTORS),
    "cases.bulk": {"operator", "lead_owner", "lead_intake", "lead_other"},
    "cases.save_list_view": set(ACTORS),
    "cases.delete_list_view": {"operator"},
}
REFUSALS = {("cases.delete_list_view", actor): 404 for actor in ACTORS if actor != "operator"}


def arguments(org, case):
    view = save_view(org.operator, name="品質保証部の未完了", query=f"department={org.qa.id}")
    return {"view_id": view.id}
