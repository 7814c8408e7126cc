"""`flask relq digest --week 2026-W48 [--scope DEPT] [--send]`: builds (archives) a week's
digest, and sends it to its readers with --send, once, with a line per reader."""

from __future__ import annotations

import sqlalchemy as sa

from relq.db import db
from relq.digest.delivery import DigestDelivery
from relq.digest.models import DigestSnapshot
from tests.digest import test_delivery

# The SMTP server and the week of cases of the delivery's tests.
mail = test_delivery.mail
week_of_cases = test_delivery.week_of_cases


def run(app, *args):
    return app.test_cli_runner().invoke(args=["relq", "digest", *args])


def snapshots():
    db.session.rollback()
    return db.session.execute(
        sa.select(DigestSnapshot.week, DigestSnapshot.department_id).order_by(DigestSnapshot.id)
    ).all()


def test_it_builds_the_company_digest_of_a_week(app, org, week_of_cases):
    result = run(app, "--week", "2026-W48")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("2026-W48 (company): snapshot #")
    assert "sections: cases, " in result.output
    assert "1 reader(s) of this digest" in result.output  # the executive
    assert snapshots() == [("2026-W48", None)]
    again = run(app, "--week", "2026-W48")  # archived: the same snapshot, not another
    assert again.exit_code == 0 and snapshots() == [("2026-W48", None)]


def test_it_builds_one_departments_digest(app, org, week_of_cases):
    result = run(app, "--week", "2026-W48", "--scope", "qa")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("2026-W48 (qa): snapshot #")
    assert "--scope qa --send" in result.output
    assert snapshots() == [("2026-W48", org.qa.id)]


def test_by_default_it_builds_the_last_complete_week(app, org):
    from relq.db import utcnow
    from relq.digest.week import IsoWeek

    result = run(app)
    assert result.exit_code == 0, result.output
    assert snapshots() == [(str(IsoWeek.last_complete(utcnow())), None)]


def test_it_sends_once_with_a_line_per_reader(app, org, mail, week_of_cases):
    result = run(app, "--week", "2026-W48", "--send")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert f"  {org.executive.name} <{org.executive.email}> [ja]: sent" in lines
    assert f"  {org.lead_qa.name} <{org.lead_qa.email}> [ja]: sent" in lines
    assert lines[-1].startswith("2026-W48 (every scope): 4 reader(s), 4 snapshot(s)")
    assert "4 sent, 0 sent before" in lines[-1]
    assert len(mail.messages) == 4

    again = run(app, "--week", "2026-W48", "--send")
    assert again.exit_code == 0, again.output
    assert "0 sent, 4 sent before" in again.output
    assert len(mail.messages) == 4


def test_it_sends_one_scope_only(app, org, mail, week_of_cases):
    result = run(app, "--week", "2026-W48", "--scope", "qa", "--send")
    assert result.exit_code == 0, result.output
    assert [rcpt for rcpt, _m in mail.messages] == [[org.lead_qa.email]]
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DigestDelivery)) == 1


def test_it_refuses_what_it_cannot_do(app, org, week_of_cases):
    bad_week = run(app, "--week", "2026-48")
    assert bad_week.exit_code == 2 and "not an ISO week" in bad_week.output
    unknown = run(app, "--week", "2026-W48", "--scope", "nowhere")
    assert unknown.exit_code == 2 and "no department 'nowhere'" in unknown.output
    running = run(app, "--week", "2099-W01")
    assert running.exit_code == 1 and "has not ended yet" in running.output
    app.config["MAIL_SERVER"] = ""
    no_mail = run(app, "--week", "2026-W48", "--send")
    assert no_mail.exit_code == 1 and "MAIL_SERVER" in no_mail.output
    assert snapshots() == []
