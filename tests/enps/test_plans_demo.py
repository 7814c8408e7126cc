"""The demo's plans: one action plan per department for the older round, written by each
department's lead, and the older round published to the employees with the measures decided."""

from __future__ import annotations

from sqlalchemy import select

from relq.db import db, transaction, utcnow
from relq.demo.enps import demo_rounds, load_demo_enps, load_demo_plans
from relq.demo.loader import load_demo_organisation
from relq.enps import plans
from relq.enps.models import ActionPlan


def test_one_plan_per_department_and_the_older_round_published(app, login_as):
    with transaction():
        departments, users = load_demo_organisation("demo password")
        load_demo_enps(departments, users, utcnow())
        made = load_demo_plans(departments, users)
    older, newer = demo_rounds()
    written = db.session.scalars(select(ActionPlan)).all()
    assert made == len(written) >= 6
    assert {p.round_id for p in written} == {older.id}
    by_department = [p.department_id for p in written]
    assert len(by_department) == len(set(by_department))
    leads = {u.department_id: u.id for u in users if u.role == "lead"}
    assert all(p.created_by_id == leads[p.department_id] for p in written)
    assert {p.status for p in written} >= {"done", "in_progress", "planned"}
    assert older.published_at is not None and newer.published_at is None

    # The newer round's plans pages show them beside the change, through the gate.
    rows = {r.department.code: r for r in plans.overview(newer)}
    assert rows["cs"].change.delta is not None and rows["cs"].change.delta > 0
    assert rows["hr"].change.delta is None  # too few answers to be shown

    executive = next(u for u in users if u.role == "executive")
    operator = next(u for u in users if u.role == "operator")
    page = login_as(operator, "demo password").get(f"/enps/published/{older.id}")
    assert page.status_code == 200 and "アクションプラン" in page.get_data(as_text=True)
    overview = login_as(executive, "demo password").get(f"/enps/plans/rounds/{newer.id}")
    assert overview.status_code == 200
