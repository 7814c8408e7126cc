"""Access-matrix rows for themes and surge alerts: a theme's drill-down is everyone's (scoped
like the themes page); an alert and its cases are for management."""

from relq.db import db, utcnow
from relq.themes.models import SurgeAlert

EXPECTED = {
    "themes.cases": {"operator", "lead_owner", "lead_intake", "lead_other", "executive", "admin"},
    "themes.alert": {"executive", "admin"},
}


def arguments(org, case):
    alert = SurgeAlert(
        key="model:KT200|tag:quality.defect",
        label="KT-200 · 製品不良・故障",
        kind="surge",
        product_level="model",
        product="KT-200",
        problem_kind="tag",
        problem="quality.defect",
        week_end=utcnow().date(),
        observed=1,
        expected=0.1,
        p_value=0.001,
        keys_tested=10,
        case_ids=[case.id] if case else [],
    )
    db.session.add(alert)
    db.session.flush()
    return {"alert_id": alert.id}
