from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, render_template, request
from flask_babel import get_locale, get_timezone
from flask_babel import gettext as _
from flask_login import current_user

from relq import access, charts
from relq.access import EVERYONE, allow
from relq.db import db, utcnow
from relq.org.models import active_departments
from relq.tags.models import Tag
from relq.themes.forms import ThemeFilterForm
from relq.themes.models import ALERT_KINDS, PRODUCT_LEVELS, SurgeAlert
from relq.themes.services import (
    alert_members,
    compute_themes,
    get_alert,
    open_alerts,
    theme_members,
)

bp = Blueprint("themes", __name__, url_prefix="/themes")

DEFAULT_WEEKS = 4


def _zone() -> ZoneInfo:
    return ZoneInfo(str(get_timezone()))


def _day_start(day) -> datetime:
    return datetime.combine(day, time.min, tzinfo=_zone())


@dataclass(frozen=True)
class _Period:
    """The themes' filters as read from the query string: whole days in the viewer's zone, so
    that the page and its drill-downs count the same cases."""

    form: ThemeFilterForm
    start: datetime
    end: datetime

    @property
    def since(self) -> str:
        return self.start.astimezone(_zone()).date().isoformat()

    @property
    def until(self) -> str:
        return (self.end.astimezone(_zone()) - timedelta(seconds=1)).date().isoformat()

    @property
    def filters(self) -> dict:
        return {
            "department_id": self.form.department.data or None,
            "kind": self.form.kind.data or None,
            "source": self.form.source.data or "voice",
        }

    @property
    def args(self) -> dict:
        """The query string of this period and scope (the drill-down links)."""
        args = {"since": self.since, "until": self.until, "source": self.filters["source"]}
        if self.form.department.data:
            args["department"] = self.form.department.data
        if self.form.kind.data:
            args["kind"] = self.form.kind.data
        return args


def _period() -> _Period:
    form = ThemeFilterForm(request.args)
    locale = str(get_locale())
    form.department.choices = [(0, _("All departments"))] + [
        (d.id, d.name_for(locale)) for d in db.session.scalars(active_departments())
    ]
    if not form.validate():
        flash(_("Some filters were not understood and were ignored."), "warning")
        choices = form.department.choices
        form = ThemeFilterForm(formdata=None)
        form.department.choices = choices
    today = utcnow().astimezone(_zone()).date()
    end = _day_start((form.until.data or today) + timedelta(days=1))
    start = _day_start(form.since.data) if form.since.data else end - timedelta(weeks=DEFAULT_WEEKS)
    if start >= end:
        start = end - timedelta(weeks=DEFAULT_WEEKS)
    return _Period(form, start, end)


def _tag_labels(locale: str) -> dict[str, str]:
    return {t.code: t.label_for(locale) for t in db.session.scalars(db.select(Tag))}


def _titles(alerts: list[SurgeAlert], locale: str) -> dict[int, str]:
    """Each alert's product and problem in the viewer's language (a tag's name is stored in
    Japanese in the label)."""
    names = {t.code: t for t in db.session.scalars(db.select(Tag))}
    titles = {}
    for alert in alerts:
        title = alert.label
        tag = names.get(alert.problem) if alert.problem_kind == "tag" else None
        if tag is not None and locale == "en":
            title = title.replace(tag.name_ja, tag.name_en, 1)
        titles[alert.id] = title
    return titles


@bp.get("/")
@allow(EVERYONE)
def index():
    period = _period()
    themes = compute_themes(current_user, start=period.start, end=period.end, **period.filters)
    alerts = open_alerts() if access.can_see_alerts(current_user) else []
    locale = str(get_locale())
    return render_template(
        "themes/index.html",
        form=period.form,
        themes=themes,
        chart=themes_chart(themes),
        period=period,
        alerts=alerts,
        titles=_titles(alerts, locale),
        ALERT_KINDS=ALERT_KINDS,
    )


def themes_chart(themes) -> charts.Chart:
    """The table's trend column as one chart: each theme's cases in this period and the
    periods before (oldest first), the ten largest themes."""
    shown = themes[:10]
    before = len(shown[0].previous) if shown else 0
    names = [
        _("The period before") if k == 1 else _("%(n)d periods before", n=k)
        for k in range(before, 0, -1)
    ] + [_("This period")]
    series = {name: [(t.previous + [t.count])[i] for t in shown] for i, name in enumerate(names)}
    # this period strong blue, the one before sky blue, older ones grey
    colors = {name: ("#56B4E9", "#999999")[min(i, 1)] for i, name in enumerate(names[-2::-1])}
    colors[names[-1]] = charts.OKABE_ITO[0]
    return charts.bar(
        [t.label for t in shown],
        series,
        title=_("Cases per theme"),
        horizontal=True,
        unit=_("cases"),
        colors=colors,
    )


@bp.get("/cases")
@allow(EVERYONE)
def cases():
    """A theme's drill-down: exactly the cases the themes page counts for it."""
    period = _period()
    key = request.args.get("theme", "")
    theme, rows = theme_members(
        current_user, key, start=period.start, end=period.end, **period.filters
    )
    return render_template(
        "themes/cases.html", theme=theme, rows=rows, period=period, locale=str(get_locale())
    )


@bp.get("/alerts/<int:alert_id>")
@allow("executive", "admin")
def alert(alert_id: int):
    """A surge alert: its product, problem, count against the baseline, and its cases."""
    found = get_alert(current_user, alert_id)
    locale = str(get_locale())
    return render_template(
        "themes/alert.html",
        alert=found,
        title=_titles([found], locale)[found.id],
        rows=alert_members(current_user, found),
        tag_labels=_tag_labels(locale),
        locale=locale,
        ALERT_KINDS=ALERT_KINDS,
        PRODUCT_LEVELS=PRODUCT_LEVELS,
    )
