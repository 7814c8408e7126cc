from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, render_template, request
from flask_babel import get_locale, get_timezone
from flask_babel import gettext as _
from flask_login import current_user

from relq import access
from relq.access import EVERYONE, allow
from relq.db import db, utcnow
from relq.org.models import active_departments
from relq.tags.models import Tag
from relq.themes.forms import ThemeFilterForm
from relq.themes.models import ALERT_KINDS
from relq.themes.services import compute_themes, open_alerts

bp = Blueprint("themes", __name__, url_prefix="/themes")

DEFAULT_WEEKS = 4


def _day_start(day) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(str(get_timezone())))


@bp.get("/")
@allow(EVERYONE)
def index():
    form = ThemeFilterForm(request.args)
    locale = str(get_locale())
    form.department.choices = [(0, _("All departments"))] + [
        (d.id, d.name_for(locale)) for d in db.session.scalars(active_departments())
    ]
    if not form.validate():
        flash(_("Some filters were not understood and were ignored."), "warning")
        form = ThemeFilterForm()
        form.department.choices = [(0, _("All departments"))]
    end = _day_start(form.until.data + timedelta(days=1)) if form.until.data else utcnow()
    start = _day_start(form.since.data) if form.since.data else end - timedelta(weeks=DEFAULT_WEEKS)
    if start >= end:
        start = end - timedelta(weeks=DEFAULT_WEEKS)
    themes = compute_themes(
        current_user,
        start=start,
        end=end,
        department_id=form.department.data or None,
        kind=form.kind.data or None,
        source=form.source.data or "voice",
    )
    tz = ZoneInfo(str(get_timezone()))
    alerts = open_alerts() if access.can_see_alerts(current_user) else []
    tag_labels = {t.code: t.label_for(locale) for t in db.session.scalars(db.select(Tag))}
    return render_template(
        "themes/index.html",
        form=form,
        themes=themes,
        start_day=start.astimezone(tz).date().isoformat(),
        end_day=(end.astimezone(tz) - timedelta(seconds=1)).date().isoformat(),
        alerts=alerts,
        tag_labels=tag_labels,
        ALERT_KINDS=ALERT_KINDS,
    )
