"""Customer satisfaction after closing: the survey a closed case's customer receives (the
case_transitioned receiver plans it, the clock's step sends it), the customer's page, the
results page, the case page's panel and the digest's section."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from relq.capability import Capability
from relq.cases.panels import Panel
from relq.csat import digest, services, views
from relq.csat.models import LANGUAGES, STATES

CAPABILITY = Capability(
    name="csat",
    blueprint=views.bp,
    receivers={"case_transitioned": (services.on_case_transitioned,)},
    tick=services.tick,
    menu=views.MENU,
    panels=(
        Panel("csat", "csat/_case_panel.html", area="side", context=views.case_panel, order=60),
    ),
    audit_labels={
        "csat.sent": _l("Satisfaction survey sent to the customer"),
        "customer.survey_opt_out": _l("Customer's wish about satisfaction surveys"),
    },
    # "customer" events (an opt-out) are worded by the customer data part (relq/privacy).
    audit_objects={"csat_survey": _l("Satisfaction survey")},
    audit_values={"csat_survey.language": LANGUAGES, "csat_survey.state": STATES},
    digest=digest.section,
)
