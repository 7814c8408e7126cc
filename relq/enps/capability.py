"""eNPS: survey rounds and anonymous answers (rounds_views), results through the anonymity
gate (results_views), what departments decided and the employees' results page (plans_views),
and the employee side of the weekly digest. One blueprint, /enps, holding its parts'."""

from __future__ import annotations

from flask import Blueprint

from relq.capability import Capability
from relq.enps import digest, plans_views, results_views, rounds_views, themes
from relq.enps.models import KINDS, PLAN_STATUSES, ROUND_STATUSES

PARTS = (rounds_views, results_views, plans_views)

bp = Blueprint("enps", __name__, url_prefix="/enps")
for part in PARTS:
    bp.register_blueprint(part.bp)

CAPABILITY = Capability(
    name="enps",
    blueprint=bp,
    menu=tuple(item for part in PARTS for item in part.MENU),
    audit_labels={code: label for part in PARTS for code, label in part.AUDIT_LABELS.items()},
    audit_objects={key: label for part in PARTS for key, label in part.AUDIT_OBJECTS.items()},
    # The trail reads 「状態: 予定 → 完了」, not "planned -> done".
    audit_values={
        "enps_round.status": ROUND_STATUSES,
        "enps_round.kind": KINDS,
        "enps_action_plan.status": PLAN_STATUSES,
    },
    digest=digest.section,
    tick=themes.tick,  # comment themes: the NLP reads new reasons (relq/enps/themes.py)
)
