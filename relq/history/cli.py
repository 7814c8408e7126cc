"""`flask --app wsgi relq import FILE`: a thin wrapper over relq.history's services."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

MAX_ERRORS_SHOWN = 200


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--as",
    "actor_email",
    required=True,
    help="The admin importing (named in each imported case's audit event).",
)
@click.option(
    "--preset",
    type=click.Choice(["auto", "zendesk", "zammad"]),
    default="auto",
    show_default=True,
    help="Which export's columns (auto: told by the header).",
)
@click.option(
    "--mapping",
    "mapping_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A mapping file (TOML or JSON) for any other export, or to change a preset.",
)
@click.option(
    "--encoding",
    type=click.Choice(["auto", "utf-8", "utf-8-sig", "cp932", "utf-16"]),
    default="auto",
    show_default=True,
)
@click.option("--dry-run", is_flag=True, help="Check every row and report; write nothing.")
@click.option(
    "--analyse",
    is_flag=True,
    help="Then read the imported cases (NLP backfill) and retrain the suggesters.",
)
@with_appcontext
def import_command(
    file: Path,
    actor_email: str,
    preset: str,
    mapping_file: Path | None,
    encoding: str,
    dry_run: bool,
    analyse: bool,
) -> None:
    """Import a past system's cases from a CSV or JSON-lines export (Zendesk, Zammad, Excel,
    or anything a mapping file describes): every row or none."""
    from sqlalchemy import select

    from relq.db import db, refresh_planner_statistics, transaction
    from relq.errors import DomainError
    from relq.history.formats import PRESETS, decode, detect_preset, load_mapping, read_records
    from relq.history.services import check_history, import_history
    from relq.org.models import User

    actor = db.session.scalar(select(User).where(User.email == actor_email.strip().lower()))
    if actor is None:
        raise click.BadParameter(f"no user {actor_email!r}", param_hint="--as")
    try:
        text, used = decode(file.read_bytes(), encoding)
        columns, records = read_records(text, file.name)
        if mapping_file is not None:
            mapping = load_mapping(mapping_file)
        elif preset != "auto":
            mapping = PRESETS[preset]
        else:
            mapping = detect_preset(columns)
            if mapping is None:
                raise click.ClickException(
                    "The columns are neither Zendesk's nor Zammad's: give --preset or a "
                    f"--mapping file. Columns: {', '.join(columns[:20])}"
                )
        click.echo(f"{file.name}: {len(records)} rows, {used}, read as {mapping.source}.")
        with click.progressbar(length=len(records), label="Checking rows") as bar:
            check = check_history(columns, records, mapping, actor=actor, progress=bar.update)
    except DomainError as error:
        raise click.ClickException(f"{error.code}: {' '.join(map(str, error.args[1:]))}") from None
    db.session.rollback()  # end the read transaction before the write one
    for name, column in check.columns.items():
        click.echo(f"  {name:<17} <- {column}")
    if check.skipped_tags:
        top = ", ".join(f"{t} ({n})" for t, n in check.skipped_tags.most_common(15))
        click.echo(f"Tags not on relq's tag list, left out: {top}")
    if check.errors:
        for error in check.errors[:MAX_ERRORS_SHOWN]:
            click.echo(str(error), err=True)
        more = len(check.errors) - MAX_ERRORS_SHOWN
        if more > 0:
            click.echo(f"... and {more} more.", err=True)
        lines = len({e.line for e in check.errors})
        raise click.ClickException(
            f"{lines} row(s) refused ({len(check.errors)} error(s)): nothing was imported."
        )
    statuses = ", ".join(f"{s} {n}" for s, n in check.statuses.most_common())
    if dry_run:
        click.echo(f"Dry run: {len(check.cases)} cases would be imported ({statuses}).")
        return
    try:
        with click.progressbar(length=len(check.cases), label="Importing cases") as bar:
            with transaction():
                actor = db.session.get(User, actor.id)
                ids = import_history(check, mapping, actor=actor, progress=bar.update)
    except DomainError as error:
        raise click.ClickException(f"{error.code}: nothing was imported.") from None
    refresh_planner_statistics()
    click.echo(f"Imported {len(ids)} cases ({statuses}).")
    if not analyse:
        click.echo(
            "Their analysis waits: run `flask relq nlp backfill`, then `flask relq tags "
            "train` (or leave both to the daily tick)."
        )
        return
    from relq import nlp
    from relq.analysis.services import backfill
    from relq.learning import train_model

    try:
        nlp.warm_up()
    except nlp.NLPUnavailable as error:
        raise click.ClickException(f"The NLP pipelines cannot be loaded: {error}") from None
    with click.progressbar(length=len(ids), label="Analysing cases") as bar:
        result = backfill(ids, progress=bar.update)
    click.echo(f"Analysed {result['done']} cases; {result['failed']} failed (retried later).")
    for kind in ("tags", "departments"):
        with transaction():
            model = train_model(kind)
            trained = None if model is None else (model.examples, model.metrics)
        if trained is None:
            click.echo(f"{kind}: not enough history yet to learn from.")
        else:
            click.echo(
                f"{kind}: trained on {trained[0]} cases, held-out F1 {trained[1]['micro_f1']}."
            )
