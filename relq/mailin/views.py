"""E-mail intake's pages: the admin's list of stored messages (failed first), one message's
headers (escaped, never trusted), retry and dismiss; and the download of a case's attachment,
reached through the case's scope."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from relq.access import allow, get_case_or_404, require
from relq.background import run_in_background
from relq.cases.models import Case
from relq.db import after_commit, transaction
from relq.mailin.attachments import attachment_of_case, case_attachments, served_content_type
from relq.mailin.failed import (
    can_manage_inbound_mail,
    dismiss_message,
    message_for_admin,
    message_rows,
    retry_message,
    status_counts,
)
from relq.mailin.forms import MessageActionForm
from relq.mailin.jobs import mail_job
from relq.mailin.models import OUTCOMES, SOURCES, STATUSES
from relq.mailin.parsing import header_lines

bp = Blueprint("mailin", __name__, url_prefix="/mail")
PER_PAGE = 100


def case_panel(case: Case, _user) -> dict | None:
    """The files the customer e-mailed on this case (the case page has already checked scope)."""
    found = case_attachments(case)
    return {"attachments": found} if found else None


@bp.get("/")
@allow("admin")
def index():
    require(can_manage_inbound_mail(current_user))
    status = request.args.get("status", "failed")
    if status not in STATUSES:
        abort(400)
    before = request.args.get("before", type=int)
    if before is not None and not 0 < before < 2**31:
        abort(400)
    rows = message_rows(status, limit=PER_PAGE, before_id=before)
    return render_template(
        "mailin/index.html",
        status=status,
        rows=rows,
        counts=status_counts(),
        STATUSES=STATUSES,
        next_before=rows[-1].id if len(rows) == PER_PAGE else None,
    )


def _message(message_id: int):
    if not 0 < message_id < 2**31:
        abort(404)
    return message_for_admin(message_id, current_user)


@bp.get("/messages/<int:mail_id>")
@allow("admin")
def message(mail_id: int):
    found = _message(mail_id)
    return render_template(
        "mailin/message.html",
        message=found,
        headers=header_lines(found.raw),
        STATUSES=STATUSES,
        SOURCES=SOURCES,
        OUTCOMES=OUTCOMES,
        form=MessageActionForm(),
    )


@bp.get("/messages/<int:mail_id>/raw")
@allow("admin")
def raw(mail_id: int):
    """The message as it arrived, as a file to open in a mail program (never shown inline)."""
    found = _message(mail_id)
    return _download(found.raw, f"message-{found.id}.eml", "application/octet-stream")


@bp.post("/messages/<int:mail_id>/retry")
@allow("admin")
def retry(mail_id: int):
    if not MessageActionForm().validate_on_submit():
        abort(400)
    with transaction():
        retry_message(_message(mail_id), actor=current_user)
        # Processed off the request: on the worker's queue or a thread of this process.
        after_commit(lambda: run_in_background(mail_job), key="mailin.job")
    flash(_("The message is queued to be processed again."), "success")
    return redirect(url_for("mailin.message", mail_id=mail_id))


@bp.post("/messages/<int:mail_id>/dismiss")
@allow("admin")
def dismiss(mail_id: int):
    if not MessageActionForm().validate_on_submit():
        abort(400)
    with transaction():
        dismiss_message(_message(mail_id), actor=current_user)
    flash(_("The message is dismissed; it stays stored."), "success")
    return redirect(url_for("mailin.index"))


@bp.get("/cases/<int:case_id>/attachments/<int:attachment_id>")
@allow("operator", "lead", "executive", "admin")
def attachment(case_id: int, attachment_id: int):
    if not (0 < case_id < 2**31 and 0 < attachment_id < 2**31):
        abort(404)
    case = get_case_or_404(case_id, current_user)
    found = attachment_of_case(case, attachment_id)
    return _download(found.content or b"", found.filename, served_content_type(found))


def _download(content: bytes, filename: str, content_type: str) -> Response:
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    response = Response(content, mimetype=content_type)
    # RFC 6266 / RFC 5987: an ASCII fallback and the real name in UTF-8.
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response
