"""eNPS results pages: a round's results (the company for executives and admins, one department
for its lead too), its CSV, and eNPS beside each department's customer record (CX x EX).

Reads only. Every number comes through the anonymity gate (relq/enps/gate.py) by way of
relq/enps/results.py, drivers.py and themes.py; these views arrange and draw them.
"""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from relq import charts
from relq.access import allow, require
from relq.enps import access, drivers, gate, results, themes
from relq.enps.gate import Group, Score
from relq.enps.results_forms import CX_METRIC_LABELS, DEFAULT_METRIC, CxExForm
from relq.errors import NotFound
from relq.i18n import locale_code
from relq.nav import NavItem
from relq.security import MAX_ID

bp = Blueprint("results", __name__)

# What this part adds to the eNPS capability (relq/enps/capability.py gathers them).
MENU: tuple[NavItem, ...] = (
    NavItem(
        "enps.results.index",
        _l("Survey results"),
        visible=access.can_read_any_results,
        order=62,
    ),
)
AUDIT_LABELS: dict = {}
AUDIT_OBJECTS: dict = {}

READERS = ("lead", "executive", "admin")
MANAGEMENT = ("executive", "admin")
MAX_COMMENTS_SHOWN = 200


@bp.get("/results/")
@allow(*READERS)
def index():
    require(access.can_read_any_results(current_user))
    rounds = results.readable_rounds()
    if not rounds:
        return render_template("enps/results/none.html")
    latest = gate.latest_closed_round() or rounds[0]
    if current_user.role == "lead":
        return redirect(
            url_for(".department", round_id=latest.id, department_id=current_user.department_id)
        )
    return redirect(url_for(".round", round_id=latest.id))


@bp.get("/results/rounds/<int:round_id>", endpoint="round")
@allow(*MANAGEMENT)
def round_page(round_id: int):
    require(access.can_read_results(current_user, None))
    survey_round = results.get_round_or_404(round_id)
    return _page(survey_round, None)


@bp.get("/results/rounds/<int:round_id>/departments/<int:department_id>")
@allow(*READERS)
def department(round_id: int, department_id: int):
    require(access.can_read_results(current_user, department_id))
    survey_round = results.get_round_or_404(round_id)
    return _page(survey_round, results.get_department_or_404(department_id))


@bp.get("/results/rounds/<int:round_id>/results.csv")
@allow(*READERS)
def download(round_id: int):
    department_id = _department_arg()
    require(access.can_read_results(current_user, department_id))
    survey_round = results.get_round_or_404(round_id)
    dept = results.get_department_or_404(department_id) if department_id else None
    locale = locale_code()
    found = results.round_results(survey_round, dept, locale=locale)
    body = results.results_csv(found, _csv_words(found, locale))
    name = f"enps-round-{survey_round.id}" + (f"-department-{dept.id}" if dept else "")
    return Response(
        body.encode("utf-8"),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


@bp.get("/results/rounds/<int:round_id>/cx-ex")
@allow(*MANAGEMENT)
def cx_ex(round_id: int):
    require(access.can_read_cx_ex(current_user))
    survey_round = results.get_round_or_404(round_id)
    form = CxExForm(request.args)
    if request.args and not form.validate():
        flash(_("Some filters were not understood and were ignored."), "warning")
        form = CxExForm(formdata=None)
    metric = form.metric.data or DEFAULT_METRIC
    locale = locale_code()
    rows = results.cx_ex_rows(current_user, survey_round, locale=locale)
    shown = results.points(rows, metric, locale)
    this_round = results.correlation([(x, y) for x, y, _ in shown])
    pooled = results.correlation(results.pooled_points(current_user, survey_round, metric))
    scatter = charts.scatter(
        shown,
        x_label="eNPS",
        y_label=str(CX_METRIC_LABELS[metric]),
        title=_("eNPS and %(metric)s by department", metric=CX_METRIC_LABELS[metric]),
    )
    return render_template(
        "enps/results/cx_ex.html",
        survey_round=survey_round,
        rounds=results.readable_rounds(),
        form=form,
        metric=metric,
        rows=rows,
        metrics=results.CX_METRICS,
        metric_labels=CX_METRIC_LABELS,
        this_round=this_round,
        pooled=pooled,
        scatter=scatter,
        threshold=max(survey_round.min_group, gate.MIN_GROUP_FLOOR),
    )


# ---- helpers ----------------------------------------------------------------------------------


def _department_arg() -> int | None:
    raw = request.args.get("department_id")
    if raw in (None, ""):
        return None
    if not raw.isdigit() or not 0 < int(raw) <= MAX_ID:
        raise NotFound("department")
    return int(raw)


def _page(survey_round, dept):
    locale = locale_code()
    dept_id = dept.id if dept is not None else None
    found = results.round_results(survey_round, dept, locale=locale)
    group = Group(survey_round.id, dept_id)
    ranked = drivers.drivers(group)
    comments = gate.comments(group)
    if isinstance(comments, list):
        comments = comments[:MAX_COMMENTS_SHOWN]
    points = results.trend(dept_id)
    return render_template(
        "enps/results/round.html",
        found=found,
        survey_round=survey_round,
        department=dept,
        rounds=results.readable_rounds(),
        ranked=ranked,
        strongest=drivers.strongest(ranked),
        themes=themes.themes(group),
        comments=comments,
        trend=points,
        charts=_charts(found, ranked, points, locale),
        can_read_company=access.can_read_results(current_user, None),
        can_read_cx_ex=access.can_read_cx_ex(current_user),
        locale=locale,
    )


def _charts(found, ranked, points, locale) -> dict:
    out = {}
    if isinstance(found.focus, Score):
        dist = found.focus.distribution
        out["distribution"] = charts.bar(
            [str(i) for i in range(11)],
            {
                _("Detractors (0-6)"): [v if i < 7 else None for i, v in enumerate(dist)],
                _("Passives (7-8)"): [v if 7 <= i < 9 else None for i, v in enumerate(dist)],
                _("Promoters (9-10)"): [v if i >= 9 else None for i, v in enumerate(dist)],
            },
            stacked=True,
            unit=_("answers"),
            title=_("Answers by score (0-10)"),
        )
    shown_departments = [r for r in found.departments if isinstance(r.score, Score)]
    if shown_departments:
        out["departments"] = charts.bar(
            [r.label for r in shown_departments],
            {"eNPS": [round(r.score.enps, 1) for r in shown_departments]},
            horizontal=True,
            value_range=(-100, 100),
            reference=results.shown_value(found.company),
            reference_label=_("Company"),
            title=_("eNPS by department (departments under the threshold are not drawn)"),
        )
    if isinstance(ranked, list) and any(d.rho is not None for d in ranked):
        with_rho = [d for d in ranked if d.rho is not None]
        out["drivers"] = charts.bar(
            [d.factor.name_for(locale) for d in with_rho],
            {_("Spearman correlation with the score"): [round(d.rho, 2) for d in with_rho]},
            horizontal=True,
            value_range=(-1, 1),
            value_format="{:.2f}",
        )
    if len(points) > 1:
        series = {
            (found.department.name_for(locale) if found.department else _("Company")): [
                results.shown_value(p.score) for p in points
            ],
        }
        if found.department is not None:
            series[_("Company")] = [results.shown_value(p.company) for p in points]
        out["trend"] = charts.line(
            [p.round.name for p in points],
            series,
            y_range=(-100, 100),
            title=_("eNPS by round"),
        )
    return out


def _csv_words(found, locale) -> dict:
    return {
        "locale": locale,
        "section": _("Section"),
        "group": _("Group"),
        "n": _("Answers"),
        "promoters": _("Promoters %"),
        "passives": _("Passives %"),
        "detractors": _("Detractors %"),
        "change": _("Change against the previous round"),
        "suppressed": _("Hidden (fewer than %(n)d answers)", n=found.threshold),
        "scope": _("Scope"),
        "company": _("Company"),
        "company_section": _("Company"),
        "departments": _("Departments"),
        "level": _("Job level"),
        "tenure": _("Tenure"),
    }
