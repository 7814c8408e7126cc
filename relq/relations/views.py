"""The relationship map, the drill-down to an edge's handoffs, and the scorecards. Reads only."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from relq import access
from relq import charts as relq_charts
from relq.access import allow, require
from relq.deadlines.calendar import WORKDAY_MINUTES
from relq.handoffs.models import STATUSES as HANDOFF_STATUSES
from relq.i18n import locale_code, translated
from relq.relations import charts
from relq.relations.forms import PeriodForm
from relq.relations.scorecard import (
    CUSTOMER,
    PROVIDER,
    REQUESTER,
    SERIES_LABELS,
    SIDE_LABELS,
    scorecard,
)
from relq.relations.services import (
    BOUNCES,
    SLOW,
    STALL_BOUNCE_FACTOR,
    STALL_BOUNCE_FLOOR,
    STALL_MIN_HANDOFFS,
    STALL_OVERDUE_SHARE,
    STALL_WAIT_FACTOR,
    Period,
    active_department_list,
    default_period,
    departments_by_id,
    edge_handoffs,
    relationship_map,
)

bp = Blueprint("relations", __name__, url_prefix="/relations")


def _period() -> tuple[PeriodForm, Period]:
    form = PeriodForm(request.args)
    period = default_period()
    if request.args and not form.validate():
        flash(_("Some filters were not understood and were ignored."), "warning")
        return PeriodForm(formdata=None, start=period.first_monday, weeks=period.weeks), period
    if form.start.data or form.weeks.data:
        period = Period.of(form.start.data or period.first_monday, form.weeks.data or period.weeks)
    form.start.data, form.weeks.data = period.first_monday, period.weeks
    return form, period


def _period_args(period: Period) -> dict:
    return {"start": period.first_monday.isoformat(), "weeks": period.weeks}


def _handoff_endpoint() -> str | None:
    """The handoff page, where the handoffs capability has one."""
    return "handoffs.detail" if "handoffs.detail" in current_app.view_functions else None


@bp.get("/")
@allow("lead", "executive")
def index():
    require(access.can_read_relationship_map(current_user))
    form, period = _period()
    found = relationship_map(period)
    locale = locale_code()
    departments = departments_by_id(found.department_ids)
    names = [(i, departments[i].name_for(locale)) for i in found.department_ids]
    return render_template(
        "relations/index.html",
        form=form,
        period=period,
        period_args=_period_args(period),
        found=found,
        names=dict(names),
        network=charts.network(names, found.edges),
        heat=charts.heat_map(names, found.edges),
        font_family=charts.FONT_FAMILY,
        label_size=charts.LABEL_SIZE,
        SLOW=SLOW,
        BOUNCES=BOUNCES,
        rule={
            "min": STALL_MIN_HANDOFFS,
            "wait": STALL_WAIT_FACTOR,
            "overdue": round(STALL_OVERDUE_SHARE * 100),
            "bounce_floor": round(STALL_BOUNCE_FLOOR * 100),
            "bounce": STALL_BOUNCE_FACTOR,
        },
        can_read_scorecard=lambda department_id: access.can_read_scorecard(
            current_user, department_id
        ),
    )


@bp.get("/edges/<int:requester_id>/<int:provider_id>")
@allow("lead", "executive")
def edge(requester_id: int, provider_id: int):
    require(access.can_read_relationship_map(current_user))
    departments = departments_by_id({requester_id, provider_id})
    if requester_id == provider_id or len(departments) != 2:
        abort(404)
    form, period = _period()
    found = relationship_map(period)
    return render_template(
        "relations/edge.html",
        form=form,
        period=period,
        period_args=_period_args(period),
        requester=departments[requester_id],
        provider=departments[provider_id],
        metrics=found.edge(requester_id, provider_id),
        handoffs=edge_handoffs(current_user, requester_id, provider_id, period),
        handoff_endpoint=_handoff_endpoint(),
        STATUSES=translated(HANDOFF_STATUSES),
    )


@bp.get("/scorecards/")
@allow("lead", "executive")
def scorecards():
    if current_user.role == "lead":
        return redirect(url_for("relations.department", department_id=current_user.department_id))
    departments = [
        d for d in active_department_list() if access.can_read_scorecard(current_user, d.id)
    ]
    return render_template("relations/scorecards.html", departments=departments)


@bp.get("/scorecards/<int:department_id>")
@allow("lead", "executive")
def department(department_id: int):
    require(access.can_read_scorecard(current_user, department_id))
    found = departments_by_id({department_id}).get(department_id)
    if found is None:
        abort(404)
    card = scorecard(current_user, found)
    labels = [w.label[5:] for w in card.weeks]
    sides = []
    for side in (CUSTOMER, PROVIDER, REQUESTER):
        rows = []
        for code, kind, values in card.side(side):
            rows.append((code, kind, values, _series_chart(code, kind, values, labels)))
        sides.append((side, rows))
    return render_template(
        "relations/scorecard.html",
        department=found,
        card=card,
        sides=sides,
        SIDE_LABELS=translated(SIDE_LABELS),
        SERIES_LABELS=translated(SERIES_LABELS),
        others=[
            d
            for d in active_department_list()
            if d.id != found.id and access.can_read_scorecard(current_user, d.id)
        ],
    )


# How a series is drawn (relq.charts): its values scaled for the axis, the label written on
# each bar, and the axis range (shares and ratings on their whole scale).
SERIES_DRAWING = {
    "count": (1, "{:.0f}", None),
    "share": (100, "{:.0f}%", (0, 105)),
    "rating": (1, "{:.1f}", (0, 5.25)),
    "minutes": (1 / WORKDAY_MINUTES, "{:.1f}", None),  # business days
}


def _series_chart(code: str, kind: str, values: list, labels: list[str]) -> relq_charts.Chart:
    """One week a bar, a missing value no bar (and not a zero); small, for side by side."""
    scale, value_format, value_range = SERIES_DRAWING[kind]
    return relq_charts.bar(
        labels,
        {translated(SERIES_LABELS)[code]: [None if v is None else v * scale for v in values]},
        value_format=value_format,
        value_range=value_range,
        compact=True,
    )
