"""`flask relq mail-in FILE` (or `-` for standard input): one message from a mail server
(an MTA's pipe), stored and then processed. A thin wrapper over relq.mailin.services.

Exit codes follow sysexits, which MTAs read: 0 stored (processed, or kept as failed for an
admin), 65 (EX_DATAERR) an empty or oversized message, refused, so the MTA bounces it.
"""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

EX_DATAERR = 65


@click.command("mail-in")
@click.argument("source", type=click.File("rb"))
@click.option(
    "--store-only",
    is_flag=True,
    help="Only store the message; the worker's clock processes it (for a flood of mail).",
)
@with_appcontext
def mail_in_command(source, store_only: bool) -> None:
    """Take in one e-mail (a file, or - for standard input): stored, then made a case or a
    note on the case it answers."""
    from relq.db import db, transaction
    from relq.mailin.models import InboundMessage
    from relq.mailin.services import (
        IntakeUserInvalid,
        MessageTooLarge,
        intake_user,
        mark_failed,
        process_message,
        receive_message,
    )

    raw = source.read()
    if not raw.strip():
        click.echo("mail-in: the message is empty; nothing stored.", err=True)
        sys.exit(EX_DATAERR)
    try:
        with transaction():
            message = receive_message(raw, source="cli")
            message_id = message.id
    except MessageTooLarge as error:
        click.echo(
            f"mail-in: the message has {error.size} bytes, over the limit of {error.limit}.",
            err=True,
        )
        sys.exit(EX_DATAERR)
    click.echo(f"stored: message {message_id}")
    if store_only:
        return
    try:
        with transaction():
            message = db.session.get(InboundMessage, message_id)
            if message.status != "received":
                click.echo(f"already {message.status}: message {message_id}")
                return
            actor = intake_user()
            try:
                with db.session.begin_nested():
                    outcome = process_message(message, actor=actor)
            except IntakeUserInvalid:
                raise
            except Exception as error:  # noqa: BLE001 (kept as failed, for an admin)
                db.session.expire(message)
                mark_failed(message, error)
                outcome = "failed"
            case_id, words = message.case_id, message.error
    except IntakeUserInvalid as error:
        click.echo(
            f"mail-in: stored, not processed ({error.words}); the worker's clock processes it "
            "once the intake user is set.",
            err=True,
        )
        return
    if outcome == "failed":
        click.echo(f"failed (kept for an admin): {words}")
    else:
        from relq.cases.models import Case

        click.echo(f"{outcome}: {db.session.get(Case, case_id).ref}")
