"""The weekly digest by e-mail: who receives it (by role, by choice), once per reader and
week (twice called, two senders at once), the Monday 08:00 Asia/Tokyo send of the clock, and
SMTP being down. A real SMTP server (aiosmtpd) on 127.0.0.1 receives what is sent."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from relq.db import db, transaction
from relq.digest import delivery
from relq.digest.delivery import DigestDelivery, DigestSubscription, send_week, subscribe
from relq.digest.models import DigestSnapshot
from relq.digest.week import IsoWeek
from relq.errors import Invalid, NotAllowed
from relq.tick import ClockRun
from tests.factories import make_case, make_user
from tests.notify.conftest import Collector, free_port

W48 = IsoWeek(2026, 48)  # Monday 23 November .. Sunday 29 November 2026, Asia/Tokyo
# Monday 30 November 2026, 08:00 in Tokyo.
MONDAY_8 = datetime(2026, 11, 29, 23, 0, tzinfo=UTC)


@pytest.fixture
def mail(app):
    """A real SMTP server on 127.0.0.1 that keeps what it receives; the app sends to it."""
    from aiosmtpd.controller import Controller

    handler = Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_QUEUE="inline")
    yield handler
    controller.stop()


@pytest.fixture
def week_of_cases(org):
    """Two complaints in W48 (the first for quality assurance), committed."""
    received = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # Wednesday 10:00 in Tokyo
    make_case(org.operator, department=org.qa, received_at=received)
    make_case(
        org.operator,
        department=org.logistics,
        received_at=received + timedelta(days=1),
        subject="配送が遅れている",
        customer_words="注文した商品がまだ届きません。",
        product="ギフトセット",
    )
    db.session.commit()


def deliveries():
    db.session.expire_all()
    return db.session.scalars(sa.select(DigestDelivery).order_by(DigestDelivery.user_id)).all()


def digests(mail):
    """The digest e-mails received (the clock's other steps may send notifications too)."""
    return [m for _rcpt, m in mail.messages if "2026-W" in m["Subject"]]


def tick_at(now):
    with transaction():
        return delivery.tick(now)


# ---- who receives it ------------------------------------------------------------------------


def test_executives_get_the_company_digest_and_leads_their_departments(org, mail, week_of_cases):
    counts = send_week(W48, now=MONDAY_8)

    readers = {m["To"].addresses[0].addr_spec for _rcpt, m in mail.messages}
    leads = {org.lead_cs.email, org.lead_qa.email, org.lead_logistics.email}
    assert readers == leads | {org.executive.email}  # operators and admins: none by default
    assert counts["sent"] == 4 and counts["readers"] == 4 and counts["failed"] == 0
    scope = {d.user_id: d.department_id for d in deliveries()}
    assert scope[org.executive.id] is None  # the company's
    assert scope[org.lead_qa.id] == org.qa.id  # their own department's, and only that
    assert scope[org.lead_logistics.id] == org.logistics.id
    snapshots = {d.user_id: d.snapshot_id for d in deliveries()}
    qa_snapshot = db.session.get(DigestSnapshot, snapshots[org.lead_qa.id])
    assert (qa_snapshot.week, qa_snapshot.department_id) == ("2026-W48", org.qa.id)
    (lead_mail,) = mail.to(org.lead_qa)
    assert "品質保証部" in lead_mail.get_body(("plain",)).get_content()
    assert "物流部" not in lead_mail.get_body(("plain",)).get_content()
    # Each scope is built once for all its readers and archived.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DigestSnapshot)) == 4


def test_unsubscribed_readers_get_nothing(org, mail, week_of_cases):
    with transaction():
        assert subscribe(org.executive, actor=org.executive, active=False, department_id=None)
        assert subscribe(org.lead_qa, actor=org.lead_qa, active=False, department_id=None)

    send_week(W48, now=MONDAY_8)

    assert mail.to(org.executive) == [] and mail.to(org.lead_qa) == []
    assert len(mail.to(org.lead_logistics)) == 1
    assert {d.user_id for d in deliveries()} == {org.lead_cs.id, org.lead_logistics.id}


def test_a_reader_may_choose_another_scope_they_may_read(org, mail, week_of_cases):
    admin_en = make_user("admin", org.cs, locale="en", name="Ada Admin")
    db.session.commit()
    with transaction():
        subscribe(org.executive, actor=org.executive, active=True, department_id=org.qa.id)
        subscribe(admin_en, actor=admin_en, active=True, department_id=None)

    send_week(W48, now=MONDAY_8)

    scope = {d.user_id: d.department_id for d in deliveries()}
    assert scope[org.executive.id] == org.qa.id
    assert scope[admin_en.id] is None
    (english,) = mail.to(admin_en)
    assert english["Subject"] == "relq weekly digest 2026-W48"


def test_nobody_subscribes_to_what_they_may_not_read(org):
    with transaction(), pytest.raises(Invalid, match="scope_not_readable"):
        subscribe(org.lead_qa, actor=org.lead_qa, active=True, department_id=org.logistics.id)
    with transaction(), pytest.raises(Invalid, match="scope_not_readable"):
        subscribe(org.operator, actor=org.operator, active=True, department_id=None)
    with transaction(), pytest.raises(NotAllowed):
        subscribe(org.executive, actor=org.admin, active=False, department_id=None)
    # Anyone may say "none", an operator included (nothing changes for them: none is theirs).
    with transaction():
        assert not subscribe(org.operator, actor=org.operator, active=False, department_id=None)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DigestSubscription)) == 1


def test_a_lead_who_moved_is_not_sent_their_former_department(org, mail, week_of_cases):
    with transaction():
        subscribe(org.lead_qa, actor=org.lead_qa, active=True, department_id=org.qa.id)
        org.lead_qa.department_id = org.logistics.id
    send_week(W48, now=MONDAY_8)
    assert mail.to(org.lead_qa) == []


# ---- once per reader and week ---------------------------------------------------------------


def test_sending_twice_in_one_week_sends_once(org, mail, week_of_cases):
    first = send_week(W48, now=MONDAY_8)
    second = send_week(W48, now=MONDAY_8 + timedelta(hours=3))

    assert first["sent"] == 4 and second["sent"] == 0 and second["already"] == 4
    assert len(mail.messages) == 4
    assert all(d.state == "sent" and d.attempts == 1 for d in deliveries())
    # A reader who subscribes later that week gets it, once; the others nothing more.
    english = make_user("executive", org.qa, locale="en", name="Eve Exec")
    db.session.commit()
    third = send_week(W48, now=MONDAY_8 + timedelta(days=1))
    assert third["sent"] == 1 and len(mail.messages) == 5 and len(mail.to(english)) == 1


def test_two_senders_at_once_send_once(app, org, mail, week_of_cases):
    for n in range(4):
        make_user("executive", org.qa, name=f"役員 {n}")
    db.session.commit()
    start = threading.Barrier(2)
    results, errors = [], []

    def sender():
        with app.app_context():
            try:
                start.wait()
                results.append(send_week(W48, now=MONDAY_8))
            except Exception as error:  # reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert sum(r["sent"] for r in results) == 8
    recipients = [tuple(rcpt) for rcpt, _m in mail.messages]
    assert len(recipients) == 8 and len(set(recipients)) == 8  # each reader once
    assert len(deliveries()) == 8
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DigestSnapshot)) == 4


def test_smtp_down_leaves_the_digest_to_retry_once(app, org, mail, week_of_cases):
    port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = free_port()  # nothing listens there
    counts = send_week(W48, now=MONDAY_8)
    assert counts["sent"] == 0 and counts["retrying"] == 4
    assert {d.state for d in deliveries()} == {"pending"}

    app.config["MAIL_PORT"] = port
    assert tick_at(MONDAY_8 + timedelta(minutes=5))["claimed"] == 0  # too soon to retry
    with transaction():  # meanwhile one reader says "none": theirs is not retried
        subscribe(org.lead_cs, actor=org.lead_cs, active=False, department_id=None)
    summary = tick_at(MONDAY_8 + timedelta(minutes=20))
    assert summary["sent"] == 3 and len(mail.messages) == 3 and mail.to(org.lead_cs) == []
    states = {d.user_id: (d.state, d.attempts) for d in deliveries()}
    assert states.pop(org.lead_cs.id) == ("pending", 1)
    assert set(states.values()) == {("sent", 2)}


def test_no_smtp_server_sends_nothing_and_says_so(app, org, week_of_cases):
    app.config["MAIL_SERVER"] = ""
    with pytest.raises(Invalid, match="mail_off"):
        send_week(W48, now=MONDAY_8)
    assert tick_at(MONDAY_8) == {"mail": "off"}
    assert deliveries() == []


# ---- the Monday send ------------------------------------------------------------------------


def test_the_clock_sends_on_monday_from_eight_in_tokyo_once(org, mail, week_of_cases):
    monday = MONDAY_8 - timedelta(days=7)  # 23 November 2026, 08:00 JST: W47's digest
    before = tick_at(monday - timedelta(minutes=1))  # Monday 07:59 JST
    assert before["due"] is False and digests(mail) == [] and deliveries() == []

    at_eight = tick_at(monday)
    assert at_eight["due"] is True and at_eight["week"] == "2026-W47"
    assert at_eight["sent"] == 4 and len(digests(mail)) == 4

    for later in (timedelta(minutes=1), timedelta(hours=1, minutes=10), timedelta(days=1)):
        again = tick_at(monday + later)  # another worker's tick, Monday later, Tuesday
        assert again["due"] is False and again["claimed"] == 0
    assert len(digests(mail)) == 4
    assert db.session.get(ClockRun, delivery.CLOCK_STEP).ran_at == monday

    # The next Monday, the next week.
    assert tick_at(MONDAY_8 - timedelta(seconds=1))["due"] is False
    next_monday = tick_at(MONDAY_8)
    assert next_monday["due"] is True and next_monday["week"] == "2026-W48"
    assert [m["Subject"][-8:] for m in digests(mail)] == ["2026-W47"] * 4 + ["2026-W48"] * 4


def test_a_worker_that_ticks_late_on_monday_still_sends(org, mail, week_of_cases):
    late = tick_at(MONDAY_8 + timedelta(hours=1, minutes=10))  # 09:10 JST
    assert late["due"] is True and late["sent"] == 4
    assert tick_at(MONDAY_8 + timedelta(days=1))["due"] is False  # Tuesday: not again
    assert len(digests(mail)) == 4


def test_the_clock_steps_through_relq_tick(app, org, mail, week_of_cases, monkeypatch):
    """The step is installed: `flask relq tick` runs it (with the real time, here Monday 08:00)."""
    from relq import tick as clock

    monkeypatch.setattr(clock, "utcnow", lambda: MONDAY_8)
    summary = clock.tick()
    assert summary.ran and summary.steps["digest"]["sent"] == 4
    assert len(digests(mail)) == 4


def test_next_send_is_monday_eight_in_tokyo():
    assert delivery.next_send_at(MONDAY_8 - timedelta(seconds=1)) == MONDAY_8
    assert delivery.next_send_at(MONDAY_8) == MONDAY_8 + timedelta(days=7)
    assert delivery.due_at(W48) == MONDAY_8
