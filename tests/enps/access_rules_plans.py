"""Access-matrix rows for eNPS acting (gathered by tests/enps/access_rules.py).

The matrix's department is QA (lead_owner leads it); its round is the draft round of the rounds'
rows, so the employees' results page is unpublished there: admins only, a 404 for the rest. A
plan of QA's (in a closed round of its own) is a 404 for the other departments' leads.
"""

from __future__ import annotations

from datetime import date

from relq.db import db
from relq.enps.models import SurveyRound
from relq.enps.plans import create_plan
from tests.access import EVERYONE

READERS = {"lead_owner", "executive", "admin"}
EXPECTED = {
    "enps.plans.index": {"lead_owner", "lead_intake", "lead_other", "executive", "admin"},
    "enps.plans.overview": {"executive", "admin"},
    "enps.plans.department": READERS,
    "enps.plans.add": {"lead_owner"},
    "enps.plans.edit": {"lead_owner"},
    "enps.plans.import_start": {"admin"},
    "enps.plans.import_upload": {"admin"},
    "enps.plans.import_preview": {"admin"},
    "enps.plans.published_index": EVERYONE,
    "enps.plans.published_round": {"admin"},
    "enps.plans.publish": {"admin"},
}
REFUSALS = {
    ("enps.plans.edit", "lead_intake"): 404,
    ("enps.plans.edit", "lead_other"): 404,
    **{
        ("enps.plans.published_round", actor): 404
        for actor in ("operator", "lead_owner", "lead_intake", "lead_other", "executive")
    },
}


def arguments(org, case):
    closed = SurveyRound(
        name="matrix closed",
        kind="census",
        status="closed",
        period_start=date(2025, 10, 1),
        period_end=date(2025, 10, 31),
        created_by_id=org.admin.id,
    )
    db.session.add(closed)
    db.session.flush()
    plan = create_plan(org.lead_qa, closed, org.qa, issue="評価", measure="面談")
    return {"plan_id": plan.id}
