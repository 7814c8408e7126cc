"""The results pages' query-string forms (GET: nothing changes)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from relq.enps.results import CX_METRICS
from relq.forms import RelqForm

CX_METRIC_LABELS = {
    "cases_per_week": _l("Cases per week"),
    "complaints": _l("Complaints"),
    "compliments": _l("Compliments"),
    "complaint_share": _l("Complaints among complaints and compliments"),
    "acknowledged_on_time": _l("Acknowledged on time"),
    "escalations": _l("Escalations"),
    "harassment": _l("Customer harassment cases"),
    "usefulness_received": _l("Usefulness received (1-5)"),
    "usefulness_given": _l("Usefulness it gave (1-5)"),
    "sent_back": _l("Its answers sent back"),
    "had_to_send_back": _l("Answers it had to send back"),
}
assert set(CX_METRIC_LABELS) == set(CX_METRICS)
DEFAULT_METRIC = "complaint_share"


class CxExForm(RelqForm):
    """Which customer metric the scatter chart sets against eNPS."""

    class Meta:
        csrf = False

    metric = SelectField(
        _l("Customer metric"),
        choices=[(code, label) for code, label in CX_METRIC_LABELS.items()],
        default=DEFAULT_METRIC,
    )
