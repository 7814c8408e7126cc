"""The admin's pages for stored messages, the case page's attachments panel and downloads,
and `flask relq mail-in` with a real file and with standard input."""

from __future__ import annotations

from urllib.parse import quote

from sqlalchemy import func, select

from relq.cases.models import Case
from relq.db import db, transaction
from relq.mailin.models import InboundAttachment, InboundMessage
from relq.mailin.services import intake_user, process_batch, receive_message
from tests.mailin.conftest import corpus


def take_in(raw: bytes) -> InboundMessage:
    with transaction():
        message = receive_message(raw, source="cli")
    with transaction():
        process_batch(100, actor=intake_user())
    db.session.refresh(message)
    return message


def test_failed_messages_shown_escaped_retried_and_dismissed(intake, org, login_as):
    broken = take_in(corpus("broken.eml"))
    assert broken.status == "failed"
    admin = login_as(org.admin)
    page = admin.get("/mail/").get_data(as_text=True)
    assert "the message has no From header" in page
    assert "壊れた" in page  # its subject, read from what headers it has
    assert f"/mail/messages/{broken.id}" in page
    detail = admin.get(f"/mail/messages/{broken.id}").get_data(as_text=True)
    assert "broken@mail.example.jp" in detail
    assert "<script>" not in detail  # headers and words escaped, never markup
    raw = admin.get(f"/mail/messages/{broken.id}/raw")
    assert raw.data == corpus("broken.eml")
    assert raw.headers["Content-Disposition"].startswith("attachment;")
    assert raw.headers["X-Content-Type-Options"] == "nosniff"
    response = admin.post(f"/mail/messages/{broken.id}/retry", token_from="/mail/")
    assert response.status_code == 302
    db.session.refresh(broken)
    assert broken.status == "received"
    with transaction():
        process_batch(10, actor=intake)
    db.session.refresh(broken)
    assert broken.status == "failed"
    response = admin.post(f"/mail/messages/{broken.id}/dismiss", token_from="/mail/")
    assert response.status_code == 302
    db.session.refresh(broken)
    assert broken.status == "dismissed"
    # Only a failed message can be retried or dismissed: the second answer is a conflict.
    again = admin.post(f"/mail/messages/{broken.id}/dismiss", token_from="/mail/")
    assert again.status_code == 409
    assert admin.get("/mail/?status=dismissed").status_code == 200
    assert admin.get("/mail/?status=nonsense").status_code == 400
    assert admin.get("/mail/messages/99999999999").status_code == 404
    assert login_as(org.operator).get("/mail/").status_code == 403


def test_attachments_on_the_case_page_and_downloaded_through_its_scope(intake, org, login_as):
    message = take_in(corpus("attachments.eml"))
    case = db.session.get(Case, message.case_id)
    stored, over, html = db.session.scalars(
        select(InboundAttachment)
        .where(InboundAttachment.message_id == message.id)
        .order_by(InboundAttachment.position)
    ).all()
    operator = login_as(org.operator)
    page = operator.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "保証書.pdf" in page and "写真.raw" in page
    assert f"/mail/cases/{case.id}/attachments/{stored.id}" in page
    assert f"/mail/cases/{case.id}/attachments/{over.id}" not in page
    response = operator.get(f"/mail/cases/{case.id}/attachments/{stored.id}")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert response.mimetype == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=\"___.pdf\"; filename*=UTF-8''{quote('保証書.pdf')}"
    )
    # HTML is served as bytes to save, never as a page.
    risky = operator.get(f"/mail/cases/{case.id}/attachments/{html.id}")
    assert risky.mimetype == "application/octet-stream"
    assert operator.get(f"/mail/cases/{case.id}/attachments/{over.id}").status_code == 404
    # Another case's URL with this file's id: not found.
    other = take_in(corpus("utf8_qp.eml"))
    assert operator.get(f"/mail/cases/{other.case_id}/attachments/{stored.id}").status_code == 404
    # The logistics lead cannot see the case: the file does not exist for them.
    outsider = login_as(org.lead_logistics)
    assert outsider.get(f"/mail/cases/{case.id}/attachments/{stored.id}").status_code == 404


def _cli(app, args, stdin=None):
    runner = app.test_cli_runner()
    db.session.commit()
    result = runner.invoke(args=["relq", "mail-in", *args], input=stdin)
    db.session.rollback()
    return result


def test_mail_in_command_with_a_file_and_with_stdin(app, intake, tmp_path):
    path = tmp_path / "message.eml"
    path.write_bytes(corpus("shift_jis_cp932.eml"))
    result = _cli(app, [str(path)])
    assert result.exit_code == 0, result.output
    assert "case: C-" in result.output
    case = db.session.scalar(select(Case))
    assert case.subject == "電話がつながらない～" and case.channel == "email"
    again = _cli(app, [str(path)])
    assert "already processed" in again.output
    piped = _cli(app, ["-"], stdin=corpus("euc_jp.eml"))
    assert piped.exit_code == 0 and "case: C-" in piped.output
    assert db.session.scalar(select(func.count()).select_from(Case)) == 2
    broken = _cli(app, ["-"], stdin=corpus("broken.eml"))
    assert broken.exit_code == 0 and "failed (kept for an admin)" in broken.output
    empty = _cli(app, ["-"], stdin=b"")
    assert empty.exit_code == 65
    app.config["MAILIN_MAX_MESSAGE_BYTES"] = 100
    assert _cli(app, ["-"], stdin=corpus("utf8_qp.eml")).exit_code == 65


def test_mail_in_without_an_intake_user_stores_and_waits(app, org):
    app.config["MAILIN_INTAKE_USER"] = ""
    result = _cli(app, ["-"], stdin=corpus("utf8_base64.eml"))
    assert result.exit_code == 0
    assert "not processed" in result.output
    assert db.session.scalar(select(InboundMessage.status)) == "received"
