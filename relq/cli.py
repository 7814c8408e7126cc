"""`flask --app wsgi relq ...`: thin wrappers over the same services the pages use."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade
from sqlalchemy import func, select

from relq.db import db, refresh_planner_statistics, transaction
from relq.digest.cli import digest_command
from relq.history.cli import import_command
from relq.mailin.cli import mail_in_command
from relq.tags.defaults import INDUSTRIES


@click.group("relq")
def cli() -> None:
    """relq administration."""


cli.add_command(import_command)  # `relq import FILE`: a past system's cases (relq/history)
cli.add_command(digest_command)  # `relq digest [--week] [--scope] [--send]` (relq/digest)
cli.add_command(mail_in_command)  # `relq mail-in FILE|-`: one e-mail from an MTA (relq/mailin)


@cli.command("init")
@click.option(
    "--industry",
    "industries",
    multiple=True,
    type=click.Choice(list(INDUSTRIES)),
    help="Load this industry's starter tag list into an empty tag table (repeat to merge "
    "several). Without it, the tag list starts empty.",
)
@with_appcontext
def init_command(industries: tuple[str, ...]) -> None:
    """Create or upgrade the database schema to the newest migration."""
    from relq.tags.services import seed_default_tags

    upgrade()
    refresh_planner_statistics(force=True)
    added = 0
    if industries:
        with transaction():
            added = seed_default_tags(industries)
    if added:
        click.echo(
            f"Loaded the starter tag list of {', '.join(industries)} ({added} categories and tags)."
        )
    elif industries:
        click.echo("The tag list is not empty: no starter list loaded.")
    click.echo(f"Database ready: {db.engine.url.render_as_string(hide_password=True)}")


@cli.command("demo")
@click.option("--cases", default=600, show_default=True, help="How many cases to generate.")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has users already.")
@with_appcontext
def demo_command(cases: int, if_empty: bool) -> None:
    """Load the demo organisation and cases (Japanese first, some English)."""
    from relq.demo.loader import load_demo
    from relq.org.models import User

    if if_empty and db.session.scalar(select(func.count(User.id))):
        click.echo("Demo data: the database has users already; nothing loaded.")
        return
    with click.progressbar(length=cases, label="Loading demo cases") as bar:
        with transaction():
            load_demo(n_cases=cases, progress=bar.update)
    refresh_planner_statistics()
    _print_demo_logins()


@cli.command("demo-logins")
@with_appcontext
def demo_logins_command() -> None:
    """Print the demo users and their password."""
    _print_demo_logins()


def _print_demo_logins() -> None:
    from relq.org.models import User

    users = db.session.scalars(
        select(User).where(User.email.like("%@demo.relq.jp")).order_by(User.id)
    ).all()
    if users:
        password = current_app.config["DEMO_PASSWORD"]
        click.echo(f"\nDemo logins (password for all: {password})")
        for user in users:
            click.echo(f"  {user.role:<9} {user.email:<28} {user.department.name_ja}")


@cli.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option(
    "--role", type=click.Choice(["operator", "lead", "executive", "admin"]), required=True
)
@click.option("--department", "department_code", required=True, help="Department code.")
@click.option("--locale", type=click.Choice(["ja", "en"]), default="ja", show_default=True)
@click.password_option()
@with_appcontext
def create_user_command(
    email: str, name: str, role: str, department_code: str, locale: str, password: str
) -> None:
    """Create a user (the first admin, typically)."""
    from relq.org.models import Department
    from relq.org.services import OrgError, UserInput, create_user

    department = db.session.scalar(select(Department).where(Department.code == department_code))
    if department is None:
        raise click.BadParameter(
            f"no department with code {department_code!r}", param_hint="--department"
        )
    try:
        with transaction():
            user = create_user(
                UserInput(email, name, role, department.id, locale, password), actor=None
            )
    except OrgError as error:
        raise click.ClickException(error.code) from None
    click.echo(f"Created {user.role} {user.email}.")


@cli.command("create-department")
@click.option("--code", required=True)
@click.option("--name-ja", required=True)
@click.option("--name-en", required=True)
@click.option("--customer-contact", is_flag=True)
@with_appcontext
def create_department_command(
    code: str, name_ja: str, name_en: str, customer_contact: bool
) -> None:
    """Create a department."""
    from relq.org.services import DepartmentInput, OrgError, create_department

    try:
        with transaction():
            create_department(DepartmentInput(code, name_ja, name_en, customer_contact), actor=None)
    except OrgError as error:
        raise click.ClickException(error.code) from None
    click.echo(f"Created department {code}.")


@cli.group("nlp")
def nlp_group() -> None:
    """Reading cases: analysis and its catch-up."""


@nlp_group.command("backfill")
@click.option("--limit", type=int, default=None, help="At most this many cases.")
@click.option(
    "--processes",
    type=click.IntRange(1, 64),
    default=1,
    help="Analyse in this many processes (one core each; the NLP is CPU-bound).",
)
@with_appcontext
def backfill_command(limit: int | None, processes: int) -> None:
    """Analyse every case still waiting (pending, failed, or saved while the NLP was away)."""
    from relq import nlp
    from relq.analysis.parallel import backfill_in_processes
    from relq.analysis.services import backfill, waiting_case_ids

    case_ids = waiting_case_ids(limit)
    db.session.rollback()
    if not case_ids:
        click.echo("No case is waiting for analysis.")
        return
    try:
        nlp.warm_up()
    except nlp.NLPUnavailable as error:
        raise click.ClickException(f"The NLP pipelines cannot be loaded: {error}") from None
    with click.progressbar(length=len(case_ids), label="Analysing cases") as bar:
        if processes > 1:
            result = backfill_in_processes(
                case_ids,
                processes=processes,
                database_url=current_app.config["SQLALCHEMY_DATABASE_URI"],
                progress=bar.update,
            )
        else:
            result = backfill(case_ids, progress=bar.update)
    click.echo(f"\nAnalysed {result['done']} cases; {result['failed']} failed (retried later).")


@cli.command("worker")
@click.option("--no-clock", is_flag=True, help="Only work the queue; another worker ticks.")
@with_appcontext
def worker_command(no_clock: bool) -> None:
    """Work off the request path: the RQ queue of analyses when REDIS_URL is set, and the
    clock (`tick` every RELQ_TICK_INTERVAL seconds; several workers may run, one ticks at a
    time). Without REDIS_URL only the clock runs: then no cron is needed either."""
    from relq.tick import Clock

    app = current_app._get_current_object()
    interval = app.config["TICK_INTERVAL_S"]
    clock = None if no_clock else Clock(app, interval).start()
    url = app.config.get("REDIS_URL")
    if not url:
        if clock is None:
            raise click.ClickException("REDIS_URL is not set and --no-clock leaves nothing to do.")
        click.echo(f"relq worker: ticking every {interval} s (no REDIS_URL: no queue to work).")
        try:
            clock.thread.join()
        except KeyboardInterrupt:
            clock.stop()
        return
    from redis import Redis
    from rq import Queue, SimpleWorker

    redis = Redis.from_url(url)
    queue = Queue(app.config.get("RQ_QUEUE", "relq"), connection=redis)
    # SimpleWorker: jobs run in this process, inside this app context (no fork, no shared
    # database connections across processes).
    try:
        SimpleWorker([queue], connection=redis).work()
    finally:
        if clock is not None:
            clock.stop()


@cli.group("tags")
def tags_group() -> None:
    """The tag list and the learned tag suggester."""


@tags_group.command("train")
@click.option("--kind", type=click.Choice(["tags", "departments"]), multiple=True)
@with_appcontext
def train_command(kind: tuple[str, ...]) -> None:
    """Retrain the learned suggesters (tags, and departments for routing) from history."""
    for name in kind or ("tags", "departments"):
        _train(name)


def _train(kind: str) -> None:
    from relq.learning import train_model

    with transaction():
        model = train_model(kind)
    if model is None:
        click.echo(f"{kind}: not enough history yet to learn from.")
        return
    m = model.metrics
    click.echo(
        f"{kind}: trained on {model.examples} cases in {m['seconds']} s: held-out micro F1 "
        f"{m['micro_f1']} (precision {m['micro_precision']}, recall {m['micro_recall']}, "
        f"C={m['C']})."
    )


@cli.group("themes")
def themes_group() -> None:
    """Recurring themes and surge alerts."""


@themes_group.command("detect")
@with_appcontext
def detect_command() -> None:
    """Look for this week's surges and new themes and record them as alerts (idempotent)."""
    from relq.themes.services import record_surges

    with transaction():
        alerts = record_surges()
    for alert in alerts:
        click.echo(
            f"{alert.kind:<5} {alert.label}: {alert.observed} cases this week "
            f"(baseline {alert.expected:.1f}/week, p={alert.p_value:.2g})"
        )
    click.echo(f"{len(alerts)} new alert(s).")


@cli.command("tick")
@click.option("--retrain-after-hours", default=24, show_default=True)
@with_appcontext
def tick_command(retrain_after_hours: int) -> None:
    """The periodic housekeeping, once (`flask relq worker` runs it on its schedule; or cron
    this). Safe to run on many machines at once: one tick runs at a time (relq/tick.py)."""
    from relq.tick import tick

    summary = tick(retrain_after_hours=retrain_after_hours)
    if not summary.ran:
        click.echo("Another tick is running; this one did nothing.")
        return
    analysed = summary.analysed
    model = f"retrained ({', '.join(summary.retrained)})" if summary.retrained else "kept"
    click.echo(
        f"analysed {analysed['done']} (failed {analysed['failed']}), {summary.alerts} new "
        f"alert(s), models {model}, {summary.forgotten_failures} old login failure(s) forgotten"
    )
    for capability, step in summary.steps.items():
        click.echo(f"{capability}: {step}")
