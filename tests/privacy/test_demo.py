"""The demo's personal-data requests, and the newcomer's flow: erase a demo customer on request."""

from __future__ import annotations

import sqlalchemy as sa

from relq.cases.models import Case, Customer
from relq.db import db
from relq.org.models import User
from relq.privacy.models import CustomerErasure, PrivacyRequest


def test_demo_requests_and_an_erasure_on_request(app, login_as):
    result = app.test_cli_runner().invoke(args=["relq", "demo", "--cases", "150"])
    assert result.exit_code == 0, result.output
    db.session.rollback()
    requests = list(db.session.scalars(sa.select(PrivacyRequest).order_by(PrivacyRequest.id)))
    assert [(r.kind, r.status) for r in requests] == [
        ("erase", "open"),
        ("disclose", "open"),
        ("correct", "done"),
    ]
    assert db.session.get(Customer, requests[2].customer_id).phone == "0312345678"
    admin = db.session.scalar(sa.select(User).where(User.role == "admin"))
    client = login_as(admin, app.config["DEMO_PASSWORD"])
    assert "請求" in client.get("/privacy/").get_data(as_text=True)
    erase = requests[0]
    url = f"/privacy/customers/{erase.customer_id}/erase"
    response = client.post(
        url,
        {"reason": "ご本人の依頼（電話）", "confirm": "y", "request_id": str(erase.id)},
        token_from=url,
    )
    assert response.status_code == 302
    db.session.rollback()
    assert db.session.get(CustomerErasure, erase.customer_id).request_id == erase.id
    cases = db.session.scalars(sa.select(Case).where(Case.customer_id == erase.customer_id)).all()
    assert cases and all(c.customer_words == "—" for c in cases)
