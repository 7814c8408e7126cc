"""The digest's pages: the last complete week (the executives' landing page), one week, the
archive, and the admins' "archive this week" button. Reads only, but for that POST.

A GET never stores anything: a week that has been archived is shown from its snapshot; a week
that has not is computed for the page and not stored (marked as such), and an admin may archive
it with a POST. The clock and `flask relq digest` archive each Monday's week on their own. A GET
that stored would make a crawler's or a prefetching mail client's visit freeze a week, and
would leave the archive to whoever happens to read first.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from relq.access import allow, require
from relq.db import db, transaction, utcnow
from relq.digest import services
from relq.digest.forms import ArchiveForm, ScopeForm
from relq.digest.week import IsoWeek
from relq.i18n import locale_code
from relq.org.models import Department, active_departments

bp = Blueprint("digest", __name__, url_prefix="/digest")

READERS = ("lead", "executive", "admin")


@bp.app_context_processor
def digest_words() -> dict:
    """The vocabularies the digest's body translates its stored codes with (lazy strings: the
    e-mail renders them in its reader's language), for the page and the e-mail alike."""
    from relq.cases.models import CHANNELS, KINDS, STATUSES
    from relq.deadlines.calendar import WORKDAY_MINUTES
    from relq.deadlines.models import DEADLINE_KINDS
    from relq.escalations.models import AGES, OUTCOMES, REASONS
    from relq.harassment.models import BEHAVIOURS

    return {
        "DIGEST_WORDS": {
            "kinds": KINDS,
            "channels": CHANNELS,
            "statuses": STATUSES,
            "deadline_kinds": DEADLINE_KINDS,
            "reasons": REASONS,
            "outcomes": OUTCOMES,
            "ages": AGES,
            "behaviours": BEHAVIOURS,
            "headlines": HEADLINES,
        },
        "WORKDAY_MINUTES": WORKDAY_MINUTES,
    }


# The diff's rows: the headline numbers of relq.digest.services.headline, in words.
HEADLINES = {
    "cases": _l("Cases received"),
    "complaints": _l("Complaints"),
    "complaints_per_1000": _l("Complaints per 1,000 cases"),
    "observations": _l("Observations (気づき)"),
    "surges": _l("Surges"),
    "escalations_new": _l("Escalations raised"),
    "escalations_open": _l("Escalations open at the end of the week"),
    "decisions": _l("Decisions taken"),
    "acknowledged_on_time": _l("Acknowledged on time"),
    "resolved_on_time": _l("Resolved on time"),
    "declined": _l("Answered “not acting”"),
    "stall_points": _l("Stall points between departments"),
    "compliments": _l("Compliments"),
    "harassment": _l("Harassment cases"),
}


def _scope() -> int | None:
    form = ScopeForm(request.args)
    if not form.validate():
        abort(400)
    department_id = form.department.data
    if department_id is None and "department" not in request.args:
        department_id = services.default_scope(current_user)
    require(services.can_read(current_user, department_id))
    if department_id is not None and db.session.get(Department, department_id) is None:
        abort(404)
    return department_id


def _week(text: str) -> IsoWeek:
    try:
        week = IsoWeek.parse(text)
    except ValueError:
        abort(404)
    if not services.is_complete(week):
        abort(404)  # a week still running has no digest yet
    return week


@bp.get("/")
@allow(*READERS)
def index():
    department_id = _scope()
    week = IsoWeek.last_complete(utcnow())
    return _page(week, department_id, landing=True)


@bp.get("/<week>")
@allow(*READERS)
def week(week: str):
    return _page(_week(week), _scope())


def _page(week: IsoWeek, department_id: int | None, *, landing: bool = False):
    snapshot = services.archived(week, department_id)
    is_archived = snapshot is not None
    if snapshot is None:
        snapshot = services.compute(week, department_id)
    locale = locale_code()
    previous = services.previous_snapshot(snapshot)
    charts = services.charts(snapshot, locale)
    departments = [
        d for d in db.session.scalars(active_departments()) if services.can_read(current_user, d.id)
    ]
    return render_template(
        "digest/page.html",
        snapshot=snapshot,
        data=snapshot.data,
        locale=locale,
        week=week,
        landing=landing,
        is_archived=is_archived,
        diff=services.diff(snapshot, previous),
        previous=previous,
        chart_html={name: chart.svg() for name, chart in charts.items()},
        department_id=department_id,
        departments=departments,
        can_read_company=services.can_read(current_user, None),
        can_archive=not is_archived and services.can_archive(current_user),
        archive_form=ArchiveForm(formdata=None, department=department_id),
        previous_week=week.previous(),
        next_week=week.next() if services.is_complete(week.next()) else None,
    )


@bp.post("/<week>/archive")
@allow("admin")
def archive(week: str):
    found = _week(week)
    form = ArchiveForm()
    if not form.validate():
        abort(400)
    department_id = form.department.data
    require(services.can_archive(current_user) and services.can_read(current_user, department_id))
    with transaction():
        services.build(found, department_id, actor=current_user)

    flash(_("The digest of %(week)s is archived.", week=str(found)), "success")
    return redirect(url_for("digest.week", week=str(found), department=department_id or None))


@bp.get("/archive")
@allow(*READERS)
def archive_list():
    department_id = _scope()
    return render_template(
        "digest/archive.html",
        snapshots=services.archive_list(department_id),
        department_id=department_id,
        department=db.session.get(Department, department_id) if department_id else None,
        locale=locale_code(),
    )
