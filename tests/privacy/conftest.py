from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from relq.cases.models import Case, Customer
from relq.db import db, utcnow


@pytest.fixture
def age():
    """age(case, days): make a case look closed and untouched for `days` days."""

    def make_old(case: Case, days: int) -> None:
        moment = utcnow() - timedelta(days=days)
        db.session.execute(
            update(Case.__table__)
            .where(Case.id == case.id)
            .values(updated_at=moment, received_at=moment - timedelta(days=3))
        )
        if case.customer_id:
            db.session.execute(
                update(Customer.__table__)
                .where(Customer.id == case.customer_id)
                .values(created_at=moment - timedelta(days=3))
            )
        db.session.expire_all()

    return make_old
