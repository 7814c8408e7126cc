"""eNPS, acting on it: the departments' action plans, the Forms import, and the employees'
results page.

- /enps/plans/...: a department's plans for a round (its lead writes them), beside the previous
  round's plans and the change in the department's score since; the executives' overview of
  every department's plans for a round.
- /enps/import/...: an admin uploads a Google Forms CSV or a Microsoft Forms workbook, checks
  the mapping on the preview, and imports every row into an open round, or none.
- /enps/published/...: a closed round's company-level results and the measures decided, for
  everyone logged in once an admin published it.

Thin views: load, check the named permission, call one service in a transaction, redirect.
Every figure comes from the anonymity gate (relq/enps/gate.py) through the services.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from relq import charts
from relq.access import EVERYONE, allow, require
from relq.db import transaction
from relq.enps import imports, plans, published
from relq.enps.models import PLAN_STATUSES, SurveyRound
from relq.enps.plans_forms import MappingForm, PlanForm, PublishForm, UploadForm
from relq.errors import Conflict, Invalid
from relq.i18n import locale_code, translated
from relq.nav import NavItem
from relq.security import takes_files

bp = Blueprint("plans", __name__)

MENU: tuple[NavItem, ...] = (
    NavItem("enps.plans.index", _l("Action plans"), visible=plans.can_read_any_plans, order=62),
    NavItem("enps.plans.published_index", _l("Survey results for employees"), order=63),
    NavItem(
        "enps.plans.import_start", _l("Import survey answers"), visible=imports.can_import, order=78
    ),
)
AUDIT_LABELS: dict = {**plans.AUDIT_LABELS, **published.AUDIT_LABELS, **imports.AUDIT_LABELS}
AUDIT_OBJECTS: dict = {plans.ENTITY: _l("eNPS action plan"), published.ENTITY: _l("Survey round")}


@bp.app_context_processor
def plan_vocabulary() -> dict[str, Any]:
    return {
        "PLAN_STATUSES": PLAN_STATUSES,
        # The relationship scorecard's employee side links each round's results.
        "enps_results_url": _results_url,
    }


RESULTS_ENDPOINTS = ("enps.results.department", "enps.results.round", "enps.results.index")


def _results_url(survey_round: SurveyRound, department_id: int | None = None) -> str | None:
    """The results part's page for the round (and department), where it has one: linked,
    never required."""
    given = {"round_id": survey_round.id}
    if department_id is not None:
        given["department_id"] = department_id
    for endpoint in RESULTS_ENDPOINTS:
        for rule in (
            current_app.url_map.iter_rules(endpoint)
            if endpoint in current_app.view_functions
            else ()
        ):
            if rule.arguments <= set(given) and "GET" in (rule.methods or ()):
                return url_for(endpoint, **{k: given[k] for k in rule.arguments})
    return None


# ---- action plans ----------------------------------------------------------------------------


@bp.get("/plans/")
@allow("lead", "executive", "admin")
def index():
    require(plans.can_read_any_plans(current_user))
    rounds = plans.rounds_for_plans()
    closed = [r for r in rounds if r.status == "closed"]
    if not closed:
        return render_template("enps/plans/none.html", rounds=rounds)
    latest = closed[0]
    if current_user.role == "lead":
        return redirect(
            url_for(".department", round_id=latest.id, department_id=current_user.department_id)
        )
    return redirect(url_for(".overview", round_id=latest.id))


@bp.get("/plans/rounds/<int:round_id>")
@allow("executive", "admin")
def overview(round_id: int):
    require(plans.can_read_plan_overview(current_user))
    survey_round = plans.get_round_or_404(round_id)
    previous = plans.previous_round(survey_round)
    rows = plans.overview(survey_round)
    return render_template(
        "enps/plans/overview.html",
        survey_round=survey_round,
        previous=previous,
        rows=rows,
        chart=_overview_chart(survey_round, previous, rows),
        company=plans.score_change(survey_round, None),
        rounds=plans.rounds_for_plans(),
        results_url=_results_url(survey_round),
    )


def _shown(score) -> float | None:
    return round(score.enps, 1) if getattr(score, "shown", False) else None


def _overview_chart(survey_round, previous, rows) -> charts.Chart:
    """Each department's eNPS in the previous round and this one (suppressed: no bar)."""
    locale = locale_code()
    series = {}
    if previous is not None:
        series[previous.name] = [_shown(r.change.before) for r in rows]
    series[survey_round.name] = [_shown(r.change.after) for r in rows]
    return charts.bar(
        [r.department.name_for(locale) for r in rows],
        series,
        title=_("eNPS by department"),
        value_format="{:+.0f}",
        reference=0,
    )


PLAN_ERRORS = {
    "issue": (
        "issue",
        lambda: _("Say what the results showed (at most %(n)d characters).", n=plans.ISSUE_MAX),
    ),
    "measure": (
        "measure",
        lambda: _("Say what will be done (at most %(n)d characters).", n=plans.MEASURE_MAX),
    ),
    "owner": ("owner_id", lambda: _("Choose someone of the department.")),
    "due_on": ("due_on", lambda: _("Choose a date between 2000 and 2100.")),
    "status": ("status", lambda: _("Choose a status.")),
}


def _plan_form(department_id: int, formdata=None, obj=None) -> PlanForm:
    form = PlanForm(formdata=formdata, obj=obj)
    if obj is not None and formdata is None:
        form.owner_id.data = obj.owner_id or 0
    form.owner_id.choices = [(0, _("Nobody named yet"))] + [
        (u.id, u.name) for u in plans.owners_for(department_id)
    ]
    return form


def _plan_values(form: PlanForm) -> dict:
    return {
        "issue": form.issue.data,
        "measure": form.measure.data,
        "owner_id": form.owner_id.data or None,
        "due_on": form.due_on.data,
        "status": form.status.data,
    }


def _mark(form: PlanForm, error: Invalid) -> None:
    name, message = PLAN_ERRORS.get(error.code, ("issue", lambda: _("Check this value.")))
    getattr(form, name).errors = [*getattr(form, name).errors, message()]


def _department_page(survey_round, found, form: PlanForm, status: int = 200):
    return (
        render_template(
            "enps/plans/department.html",
            survey_round=survey_round,
            department=found,
            plans_=plans.plans_of(survey_round.id, found.id),
            follow_up=plans.follow_up(survey_round, found.id),
            change=plans.score_change(survey_round, found.id),
            form=form,
            can_write=plans.can_write_plans(current_user, found.id) and survey_round.is_closed,
            rounds=plans.rounds_for_plans(),
            results_url=_results_url(survey_round, found.id),
        ),
        status,
    )


@bp.get("/plans/rounds/<int:round_id>/departments/<int:department_id>")
@allow("lead", "executive", "admin")
def department(round_id: int, department_id: int):
    require(plans.can_read_plans(current_user, department_id))
    survey_round = plans.get_round_or_404(round_id)
    found = plans.get_department_or_404(department_id)
    return _department_page(survey_round, found, _plan_form(department_id))


@bp.post("/plans/rounds/<int:round_id>/departments/<int:department_id>/new")
@allow("lead")
def add(round_id: int, department_id: int):
    require(plans.can_write_plans(current_user, department_id))
    survey_round = plans.get_round_or_404(round_id)
    found = plans.get_department_or_404(department_id)
    form = _plan_form(department_id, request.form)
    if not form.validate():
        return _department_page(survey_round, found, form, 422)
    try:
        with transaction():
            plans.create_plan(current_user, survey_round, found, **_plan_values(form))
    except Invalid as error:
        _mark(form, error)
        return _department_page(survey_round, found, form, 422)
    flash(_("The action plan was saved."), "success")
    return redirect(url_for(".department", round_id=round_id, department_id=department_id))


@bp.route("/plans/items/<int:plan_id>", methods=["GET", "POST"])
@allow("lead")
def edit(plan_id: int):
    plan = plans.get_plan_or_404(plan_id, current_user)
    require(plans.can_write_plans(current_user, plan.department_id))
    form = _plan_form(
        plan.department_id, request.form if request.method == "POST" else None, obj=plan
    )
    status = 200
    if request.method == "POST":
        if form.validate():
            try:
                with transaction():
                    changed = plans.update_plan(current_user, plan, **_plan_values(form))
            except Invalid as error:
                _mark(form, error)
                status = 422
            else:
                if changed:
                    flash(_("The action plan was changed."), "success")
                return redirect(
                    url_for(".department", round_id=plan.round_id, department_id=plan.department_id)
                )
        else:
            status = 422
    return render_template("enps/plans/edit.html", plan=plan, form=form), status


# ---- the Forms import ------------------------------------------------------------------------


def _open_rounds() -> list[SurveyRound]:
    return [r for r in plans.rounds_for_plans() if r.status == "open"]


IMPORT_MESSAGES = {
    "file_too_large": _l("The file is larger than 10 MB."),
    "empty_file": _l("The file is empty."),
    "too_many_rows": _l("The file has more than 20,000 answers."),
    "unreadable_file": _l(
        "The file could not be read: upload Google Forms' CSV or Microsoft Forms' workbook."
    ),
    "undecodable": _l("The file is neither UTF-8 nor Shift_JIS (CP932) text."),
    "bad_csv": _l("The file is not a well-formed CSV."),
    "bad_payload": _l("The preview has expired or was changed: upload the file again."),
    "round_not_open": _l("Answers can be imported only into an open round."),
}


def _upload_page(form: UploadForm, status: int = 200, message: str | None = None):
    return (
        render_template(
            "enps/import/upload.html", form=form, rounds=_open_rounds(), message=message
        ),
        status,
    )


def _upload_form(submitted: bool = False) -> UploadForm:
    # Submitted: Flask-WTF reads the request's fields and files together.
    form = UploadForm() if submitted else UploadForm(formdata=None)
    form.round_id.choices = [(0, _("Choose an open round"))] + [
        (r.id, r.name) for r in _open_rounds()
    ]
    return form


@bp.get("/import/")
@allow("admin")
def import_start():
    require(imports.can_import(current_user))
    return _upload_page(_upload_form())


@bp.post("/import/")
@allow("admin")
@takes_files
def import_upload():
    require(imports.can_import(current_user))
    form = _upload_form(submitted=True)
    if not form.validate():
        return _upload_page(form, 422)
    survey_round = plans.get_round_or_404(form.round_id.data)
    if survey_round.status != "open":
        return _upload_page(form, 409, str(IMPORT_MESSAGES["round_not_open"]))
    data = form.file.data.stream.read(imports.MAX_BYTES + 1)
    try:
        upload = imports.read_upload(data, form.file.data.filename or "")
    except Invalid as error:
        return _upload_page(form, 422, str(IMPORT_MESSAGES.get(error.code, error.code)))
    mapping = imports.guess_mapping(upload, survey_round)
    return _preview(survey_round, upload, mapping)


def _preview(survey_round, upload, mapping, status: int = 200, refused=None):
    checked = imports.check_rows(upload, survey_round, mapping)
    form = MappingForm(
        formdata=None, payload=imports.sign_upload(upload, survey_round, current_user)
    )
    locale = locale_code()
    labels = {
        "score": _("eNPS score (0-10)"),
        "reason": _("Reason (free text)"),
        "department": _("Department"),
        "level": _("Job level"),
        "tenure": _("Tenure"),
    } | {f"factor:{f.code}": f.name_for(locale) for f in survey_round.factors}
    bands = {
        dimension: [b for b in survey_round.bands if b.dimension == dimension]
        for dimension in ("level", "tenure")
    }
    errors = refused if refused is not None else checked.errors
    return (
        render_template(
            "enps/import/preview.html",
            survey_round=survey_round,
            upload=upload,
            mapping=mapping,
            checked=checked,
            errors=errors[:200],
            error_count=len(errors),
            form=form,
            labels=labels,
            fields=imports.fields_of(survey_round),
            departments=imports.departments_for_import(),
            bands=bands,
            sample=upload.rows[:3],
            value_fields=imports.VALUE_FIELDS,
            ERROR_CODES=translated(ROW_ERRORS),
        ),
        status,
    )


ROW_ERRORS = {
    "unmapped": _l("No column is chosen for this answer."),
    "no_such_column": _l("The file has no such column."),
    "column_used_twice": _l("This column already feeds another answer."),
    "too_many_values": _l("The column has more than 200 different values."),
    "no_rows": _l("The file has no answers."),
    "missing": _l("Empty."),
    "not_a_number": _l("Not a number."),
    "out_of_range": _l("Out of range (the score is 0 to 10, a factor 1 to 5)."),
    "too_long": _l("Too long."),
    "control_characters": _l("Holds control characters."),
    "unknown_value": _l("Not matched to a department or band: choose one above."),
}


@bp.post("/import/preview")
@allow("admin")
def import_preview():
    require(imports.can_import(current_user))
    form = MappingForm(request.form)
    if not form.validate():
        return _upload_page(_upload_form(), 422, str(IMPORT_MESSAGES["bad_payload"]))
    try:
        upload, round_id = imports.unsign_upload(form.payload.data, current_user)
    except Invalid:
        return _upload_page(_upload_form(), 422, str(IMPORT_MESSAGES["bad_payload"]))
    survey_round = plans.get_round_or_404(round_id)
    mapping = imports.mapping_from_form(request.form, upload, survey_round)
    if request.form.get("action") != "import":
        return _preview(survey_round, upload, mapping)
    try:
        with transaction():
            count = imports.import_responses(current_user, survey_round, upload, mapping)
    except imports.ImportRefused as error:
        return _preview(survey_round, upload, mapping, 422, error.errors)
    except Invalid as error:
        return _upload_page(_upload_form(), 422, str(IMPORT_MESSAGES.get(error.code, error.code)))
    except Conflict:  # closed meanwhile
        return _upload_page(_upload_form(), 409, str(IMPORT_MESSAGES["round_not_open"]))
    flash(
        _("%(n)d answers were imported into %(round)s.", n=count, round=survey_round.name),
        "success",
    )
    return redirect(url_for(".import_start"))


# ---- the employees' results page --------------------------------------------------------------


@bp.get("/published/")
@allow(EVERYONE)
def published_index():
    return render_template(
        "enps/published/index.html",
        rounds=published.published_rounds(),
        unpublished=published.unpublished_closed_rounds()
        if published.can_publish(current_user)
        else [],
    )


@bp.get("/published/<int:round_id>")
@allow(EVERYONE)
def published_round(round_id: int):
    survey_round = published.get_published_or_404(round_id, current_user)
    form = PublishForm(formdata=None, message=survey_round.published_message)
    return _published_page(survey_round, form)


def _distribution_chart(score) -> charts.Chart | None:
    """The 0-10 distribution of a score the gate shows (None: nothing to draw)."""
    if not getattr(score, "shown", False):
        return None
    return charts.bar(
        [str(i) for i in range(11)],
        {_("Answers"): list(score.distribution)},
        title=_("Answers by score (0-10)"),
    )


def _published_page(survey_round: SurveyRound, form: PublishForm, status: int = 200):
    found = published.results(survey_round)
    return (
        render_template(
            "enps/published/round.html",
            survey_round=survey_round,
            found=found,
            distribution_chart=_distribution_chart(found.score),
            form=form,
            can_publish=published.can_publish(current_user) and survey_round.is_closed,
        ),
        status,
    )


@bp.post("/published/<int:round_id>/publish")
@allow("admin")
def publish(round_id: int):
    require(published.can_publish(current_user))
    survey_round = published.get_round_for_publishing(round_id)
    form = PublishForm(request.form)
    if not form.validate():
        return _published_page(survey_round, form, 422)
    try:
        with transaction():
            published.publish_round(current_user, survey_round, message=form.message.data)
    except Invalid:
        form.message.errors = [*form.message.errors, _("Say what was decided.")]
        return _published_page(survey_round, form, 422)
    flash(_("The results were published to every employee."), "success")
    return redirect(url_for(".published_round", round_id=round_id))
