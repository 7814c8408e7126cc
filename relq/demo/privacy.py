"""The demo's personal-data requests (APPI): three customers who asked about their data — an
erasure still open (for a newcomer to carry out: 個人情報 → the customer → 消去), a disclosure
still open, and a correction done (the phone number corrected, the request closed). Written
through relq.privacy's services, so every step is audited."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from relq.cases.models import Case, Customer
from relq.db import db
from relq.deadlines.calendar import OFFICE_TZ
from relq.org.models import User
from relq.privacy.services import CorrectionInput, close_request, correct_customer, open_request


def load_demo_privacy(users: list[User], now: datetime) -> int:
    admin = next(u for u in users if u.role == "admin")
    today = now.astimezone(OFFICE_TZ).date()
    customers = list(
        db.session.scalars(
            select(Customer)
            .where(
                Customer.email.is_not(None),
                Customer.id.in_(select(Case.customer_id).where(Case.status == "closed")),
            )
            .order_by(Customer.id)
            .limit(3)
        )
    )
    if len(customers) < 3:
        return 0
    erase, disclose, correct = customers
    open_request(
        admin,
        erase,
        kind="erase",
        received_on=today - timedelta(days=3),
        note="電話にて「私の情報を消してください」とのお申し出。本人確認済み。",
    )
    open_request(
        admin,
        disclose,
        kind="disclose",
        received_on=today - timedelta(days=1),
        note="書面で保有個人データの開示請求。郵送で回答予定。",
    )
    corrected = open_request(
        admin,
        correct,
        kind="correct",
        received_on=today - timedelta(days=20),
        note="電話番号が変わったとのご連絡。",
    )
    correct_customer(
        admin,
        correct,
        CorrectionInput(name=correct.name or "", email=correct.email or "", phone="0312345678"),
        request=corrected,
    )
    close_request(admin, corrected, status="done", outcome="電話番号を訂正し、お客様に連絡済み。")
    return 3
