from __future__ import annotations

import socket
from email import message_from_bytes
from email.policy import default

import pytest
import sqlalchemy as sa

from relq.db import db
from relq.notify.models import Notification


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Collector:
    """An aiosmtpd handler that keeps what it receives; refuses the addresses in `refuse`."""

    def __init__(self):
        self.messages = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, user):
        return [m for rcpt, m in self.messages if user.email in rcpt]


@pytest.fixture
def smtp(app):
    """A real SMTP server on 127.0.0.1 that collects messages; the app is set to use it and to
    send inline, right after each commit."""
    from aiosmtpd.controller import Controller

    handler = Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_QUEUE="inline")
    yield handler
    controller.stop()


@pytest.fixture
def mail_down(app):
    """E-mail configured, but nothing listens on the port."""
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_QUEUE="inline")


def notifications(user=None, event=None):
    query = sa.select(Notification).order_by(Notification.id)
    if user is not None:
        query = query.where(Notification.user_id == user.id)
    if event is not None:
        query = query.where(Notification.event == event)
    return db.session.scalars(query).all()


def quiet_case(org, department=None, **fields):
    """A case routed to qa that no other capability escalates by itself (no safety word,
    normal severity), so that it brings only the notifications a test expects."""
    from tests.factories import make_case

    return make_case(
        org.operator,
        department=department or org.qa,
        subject=fields.pop("subject", "配送が遅れている"),
        customer_words="注文した商品がまだ届きません。",
        product="ギフトセット",
        **fields,
    )
