"""`flask relq digest`: build (archive) a week's digest, and send it by e-mail with --send.
A thin wrapper over relq.digest.services.build and relq.digest.delivery.send_week."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from relq.db import db, transaction, utcnow
from relq.errors import DomainError


@click.command("digest")
@click.option(
    "--week",
    "week_text",
    metavar="YYYY-Www",
    help="The ISO week (Asia/Tokyo), e.g. 2026-W48. Default: the last complete week.",
)
@click.option(
    "--scope",
    "scope_code",
    metavar="DEPT_CODE",
    help="One department's digest (its code). Default: the company's; with --send, every "
    "reader's (the company's and each subscribed department's).",
)
@click.option("--send", is_flag=True, help="E-mail it to its readers who have not received it.")
@with_appcontext
def digest_command(week_text: str | None, scope_code: str | None, send: bool) -> None:
    """Build a week's digest, and send it by e-mail with --send (each reader once a week)."""
    from relq.digest.delivery import readers, send_week
    from relq.digest.services import build
    from relq.digest.week import IsoWeek
    from relq.org.models import Department

    now = utcnow()
    try:
        week = IsoWeek.parse(week_text) if week_text else IsoWeek.last_complete(now)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--week") from None
    department = None
    if scope_code and scope_code.lower() != "company":
        department = db.session.scalar(
            select(Department).where(Department.code == scope_code.strip().lower())
        )
        if department is None:
            raise click.BadParameter(f"no department {scope_code!r}", param_hint="--scope")
    scope_id = department.id if department else None
    scope_name = department.code if department else "company"
    try:
        if not send:
            with transaction():
                snapshot = build(week, scope_id)
                snapshot_id, built_at = snapshot.id, snapshot.built_at
                sections = sorted((snapshot.data or {}).get("sections") or {})
            click.echo(
                f"{week} ({scope_name}): snapshot #{snapshot_id}, built {built_at:%Y-%m-%d %H:%M} "
                f"UTC, sections: {', '.join(sections) or 'none'}"
            )
            waiting = [r for r in readers([scope_id])]
            click.echo(
                f"{len(waiting)} reader(s) of this digest; send it with "
                f"`flask relq digest --week {week}{' --scope ' + scope_name if department else ''}"
                " --send`."
            )
            return

        def progress(reader, ok: bool) -> None:
            state = "sent" if ok else "FAILED (retried by the clock)"
            click.echo(f"  {reader.name} <{reader.email}> [{reader.locale}]: {state}")

        counts = send_week(
            week, now=now, scopes=None if scope_code is None else [scope_id], progress=progress
        )
    except DomainError as error:
        raise click.ClickException(_explain(error.code)) from None
    click.echo(
        f"{week} ({'every scope' if scope_code is None else scope_name}): "
        f"{counts['readers']} reader(s), {counts['snapshots']} snapshot(s) built or read, "
        f"{counts['sent']} sent, {counts['already']} sent before, "
        f"{counts['retrying']} to retry, {counts['failed']} failed"
    )


def _explain(code: str) -> str:
    return {
        "week_not_over": "that week has not ended yet (Asia/Tokyo): its digest cannot be built",
        "mail_off": "no SMTP server is configured (MAIL_SERVER): nothing can be sent",
    }.get(code, code)
