"""The demo's surveys: on closed cases with an address only, answered with a spread per
department, shown on the results page."""

from __future__ import annotations

import sqlalchemy as sa

from relq.cases.models import Case, Customer
from relq.csat.models import CsatSurvey
from relq.db import db
from relq.org.models import Department, User


def test_the_demo_answers_surveys_on_closed_cases(app, login_as):
    result = app.test_cli_runner().invoke(args=["relq", "demo"])
    assert result.exit_code == 0, result.output
    db.session.rollback()
    rows = db.session.execute(
        sa.select(CsatSurvey, Case, Customer)
        .join(Case, Case.id == CsatSurvey.case_id)
        .join(Customer, Customer.id == Case.customer_id)
    ).all()
    answered = [s for s, _, _ in rows if s.state == "answered"]
    assert len(answered) >= 100
    assert all(c.status == "closed" and customer.email for _, c, customer in rows)
    assert all(s.sent_at > s.closed_at for s, _, _ in rows if s.sent_at)
    assert any(s.comment for s in answered) and any(s.language == "en" for s in answered)
    assert db.session.scalar(sa.select(sa.func.count()).where(Customer.survey_opt_out)) >= 1

    def mean(code):
        scores = [
            s.score for s in answered if s.department_id and departments[s.department_id] == code
        ]
        return sum(scores) / len(scores)

    departments = dict(db.session.execute(sa.select(Department.id, Department.code)).all())
    assert mean("logistics") < mean("qa") < 5
    executive = db.session.scalar(sa.select(User).where(User.role == "executive").limit(1))
    page = login_as(executive, app.config["DEMO_PASSWORD"]).get("/csat/")
    assert page.status_code == 200 and "物流部" in page.get_data(as_text=True)
