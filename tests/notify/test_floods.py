"""What keeps an inbox readable: notifications grouped by case and kind, "mark all read" up to
what the reader was shown, a daily summary instead of one e-mail per event (sent once, however
many clocks tick), and the staff member a compliment names told in their own language."""

from __future__ import annotations

import re
import threading
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from relq.cases.services import CustomerInput
from relq.db import db, transaction, utcnow
from relq.notify import models as notify_models
from relq.notify.digest import send_daily_summaries
from relq.notify.models import Notification, NotificationDigest
from relq.notify.services import notify, save_preferences
from relq.org.models import User
from relq.thanks.services import share_compliment
from relq.tick import Clock
from tests.factories import make_case, make_user
from tests.notify.conftest import notifications, quiet_case

TOKYO = ZoneInfo("Asia/Tokyo")


def _tokyo(hour: int, days: int = 2) -> datetime:
    """`hour` o'clock in Tokyo, `days` days from now (always after the rows a test made)."""
    day = (utcnow() + timedelta(days=days)).astimezone(TOKYO).date()
    return datetime(day.year, day.month, day.day, hour, tzinfo=TOKYO).astimezone(UTC)


# 10:00 in Tokyo: past the summary's hour.
MORNING = _tokyo(10)


def _tell(user, case, event="routed", n=1):
    for _ in range(n):
        notify(
            event,
            User.id == user.id,
            case=case,
            actor=None,
            params={"department_id": case.responsible_department_id, "action": "route"},
        )


def test_notifications_are_grouped_by_case_and_kind(org, login_as):
    busy, calm = quiet_case(org), quiet_case(org, subject="別の案件")
    _tell(org.lead_qa, busy, n=3)  # with the routing itself: 4 about the busy case
    _tell(org.lead_qa, busy, event="deadline_soon")
    db.session.commit()
    page = login_as(org.lead_qa).get("/notifications/").get_data(as_text=True)
    groups = re.findall(r'data-testid="notification-(\d+)"', page)
    # busy: routed ×4 and deadline_soon ×1; calm: routed ×1 — three groups.
    assert len(groups) == 3
    assert f"{busy.ref}: 更新 4 件" in page
    assert page.count('data-testid="group-') == 1
    assert calm.ref in page


def test_reading_a_group_reads_all_of_it(org, login_as):
    busy = quiet_case(org)
    _tell(org.lead_qa, busy, n=2)
    db.session.commit()
    newest = notifications(org.lead_qa)[-1]
    client = login_as(org.lead_qa)
    response = client.post(
        "/notifications/read", {"id": newest.id, "group": "y"}, token_from="/notifications/"
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert all(n.read_at is not None for n in notifications(org.lead_qa))


def test_mark_all_read_leaves_what_arrived_after_the_page(org, login_as):
    case = quiet_case(org)
    _tell(org.lead_qa, case, n=5)
    db.session.commit()
    client = login_as(org.lead_qa)
    page = client.get("/notifications/").get_data(as_text=True)
    up_to = re.search(r'name="up_to" type="hidden" value="(\d+)"', page) or re.search(
        r'type="hidden" name="up_to" value="(\d+)"', page
    )
    assert up_to, "the page tells which notifications it showed"
    later = quiet_case(org, subject="ページの後に届いた案件")  # arrives after the page was drawn
    db.session.commit()
    response = client.post(
        "/notifications/read-all", {"up_to": up_to.group(1)}, token_from="/notifications/"
    )
    assert response.status_code == 302
    db.session.expire_all()
    unread = [n for n in notifications(org.lead_qa) if n.read_at is None]
    assert [n.case_id for n in unread] == [later.id]
    # Without a bound (an older page), everything is read.
    client.post("/notifications/read-all", {}, token_from="/notifications/")
    db.session.expire_all()
    assert all(n.read_at is not None for n in notifications(org.lead_qa))


def test_choosing_the_daily_summary_holds_the_emails_for_it(app, org, login_as, smtp):
    client = login_as(org.lead_qa)
    page = client.get("/notifications/preferences").get_data(as_text=True)
    assert 'name="email_delivery"' in page
    form = {f"{e}-{c}": "y" for e in notify_models.EVENTS for c in ("in_app", "email")}
    response = client.post(
        "/notifications/preferences",
        form | {"email_delivery": "daily"},
        token_from="/notifications/preferences",
    )
    assert response.status_code == 302
    quiet_case(org)
    quiet_case(org, subject="二件目")
    db.session.commit()
    assert smtp.to(org.lead_qa) == []  # no e-mail per event
    assert {n.email_state for n in notifications(org.lead_qa)} == {"digest"}
    with transaction():
        summary = send_daily_summaries(MORNING + timedelta(days=1))
    assert summary["made"] == 1 and summary["sent"] == 1
    (message,) = smtp.to(org.lead_qa)
    assert "2" in message["Subject"]
    assert {n.email_state for n in notifications(org.lead_qa)} == {"digested"}
    # Back to one e-mail per event: nothing waits for a summary any more.
    with transaction():
        save_preferences(org.lead_qa, {}, email_delivery="each")
    with transaction():
        quiet_case(org, subject="三件目")
    assert [n.email_state for n in notifications(org.lead_qa)][-1] in ("pending", "sent")
    assert len(smtp.to(org.lead_qa)) == 2


def test_the_summary_waits_for_the_morning_and_is_made_once_a_day(app, org, smtp):
    with transaction():
        save_preferences(org.lead_qa, {}, email_delivery="daily")
    quiet_case(org)
    db.session.commit()
    night = _tokyo(3)
    for now in (night, night + timedelta(hours=6), night + timedelta(hours=7)):
        with transaction():
            send_daily_summaries(now)
    assert len(smtp.to(org.lead_qa)) == 1  # at 09:00 Tokyo, not at 03:00, not twice
    quiet_case(org, subject="同じ日の午後")
    db.session.commit()
    with transaction():
        assert send_daily_summaries(night + timedelta(hours=10))["made"] == 0  # tomorrow's
    with transaction():
        assert send_daily_summaries(night + timedelta(days=1, hours=7))["made"] == 1
    assert len(smtp.to(org.lead_qa)) == 2


def test_two_clocks_ticking_send_the_daily_summary_once(app, org, smtp, monkeypatch):
    monkeypatch.setattr(notify_models, "DIGEST_HOUR", 0)  # whatever the hour in Tokyo now
    reader = make_user("lead", org.qa, name="二重送信 確認")
    db.session.commit()
    with transaction():
        save_preferences(reader, {}, email_delivery="daily")
        save_preferences(org.lead_qa, {}, email_delivery="daily")
    app.config["MAIL_QUEUE"] = "off"
    quiet_case(org)
    quiet_case(org, subject="二件目")
    db.session.commit()
    clocks = [Clock(app, interval=0.2).start() for _ in range(2)]

    def daily(user) -> list:
        # (The same clocks also send last week's digest to those who receive it: another
        # e-mail, counted apart below.)
        return [m for m in smtp.to(user) if "週次ダイジェスト" not in m["Subject"]]

    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(daily(reader) + daily(org.lead_qa)) < 2:
            time.sleep(0.2)
        time.sleep(1.5)  # more ticks from both clocks
    finally:
        for clock in clocks:
            clock.stop()
    assert len(daily(reader)) == 1 and len(daily(org.lead_qa)) == 1
    for user in (reader, org.lead_qa):
        assert len(smtp.to(user)) - len(daily(user)) <= 1  # the weekly digest: once at most
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NotificationDigest)) == 2


def test_two_summary_steps_at_once_make_one_summary(app, org, smtp):
    """Without the clock's lock (a second worker on another machine, say): the unique
    (person, day) constraint still lets one summary through."""
    with transaction():
        save_preferences(org.lead_qa, {}, email_delivery="daily")
    quiet_case(org)
    db.session.commit()
    barrier = threading.Barrier(2)
    results = []

    def step():
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                with transaction():
                    results.append(send_daily_summaries(MORNING)["made"])
            except Exception as error:  # noqa: BLE001 (reported below)
                results.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=step) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == [0, 1], results
    assert len(smtp.to(org.lead_qa)) == 1


def test_the_staff_member_a_compliment_names_is_told_in_their_language(app, org, login_as):
    english = make_user("operator", org.cs, name="Emily Clarke", locale="en")
    db.session.commit()
    with transaction():
        case = make_case(
            org.operator,
            kind="compliment",
            subject="オペレーターへのお礼",
            customer_words="電話の方がとても親切でした。",
            customer=CustomerInput(name="山田 花子", phone="090-1111-2222"),
        )
        share_compliment(
            case,
            actor=org.operator,
            department_id=org.cs.id,
            staff_user_id=english.id,
            quote="The operator on the phone was very kind.",
        )
        other = make_case(
            org.operator,
            kind="compliment",
            subject="お礼",
            customer_words="佐藤さんに感謝しています。",
            customer=CustomerInput(name="田中 一郎", phone="090-3333-4444"),
        )
        share_compliment(
            other,
            actor=org.operator2,
            department_id=org.cs.id,
            staff_user_id=org.operator.id,
            quote="佐藤さんの説明がわかりやすかった。",
        )
    (told,) = notifications(english, event="compliment")
    assert told.case_id is None  # like the feed: the shared words, not the case
    page = login_as(english).get("/notifications/").get_data(as_text=True)
    assert "A customer thanked you" in page
    assert "The operator on the phone was very kind." in page
    assert 'href="/thanks/?mine=y"' in page or "/thanks/" in page
    japanese = login_as(org.operator).get("/notifications/").get_data(as_text=True)
    assert "お客様からあなたへの感謝" in japanese
    assert "佐藤さんの説明がわかりやすかった。" in japanese
    # Nobody else is told.
    assert notifications(event="compliment") == sorted(
        notifications(english, event="compliment")
        + notifications(org.operator, event="compliment"),
        key=lambda n: n.id,
    )
    assert all(n.event != "compliment" for n in notifications(org.executive))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) > 0
