import secrets
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, get_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm import joinedload

from relq import access, nav
from relq.access import EVERYONE, allow, get_case_or_404, require
from relq.cases.forms import (
    SORT_CHOICES,
    AssignForm,
    EditForm,
    FilterForm,
    IntakeForm,
    NoteForm,
    TransitionForm,
    to_utc,
)
from relq.cases.models import (
    CHANNELS,
    KINDS,
    NOTE_KINDS,
    OPEN_STATUSES,
    SEVERITIES,
    STATUSES,
    TRANSITIONS,
    Case,
)
from relq.cases.panels import panels_for
from relq.cases.services import (
    EDITABLE_FIELDS,
    CaseFilters,
    CaseInput,
    CustomerInput,
    DuplicateSubmission,
    EditConflict,
    IllegalTransition,
    MissingInput,
    NotAllowed,
    add_note,
    assign_case,
    assignable_users,
    case_timeline,
    count_limited,
    create_case,
    filter_cases,
    transition_case,
    update_case,
)
from relq.db import db, transaction, utcnow
from relq.i18n import translated
from relq.learning import suggest_department
from relq.org.models import Department
from relq.org.services import department_choices
from relq.tags.forms import AddTagForm
from relq.tags.services import tag_choices, tag_options, tags_of

bp = Blueprint("cases", __name__, url_prefix="/cases")
nav.register("cases.index", _l("Cases"), order=10)
nav.register("cases.new", _l("New case"), visible=access.can_create_case, order=30)


@bp.app_context_processor
def case_vocabulary():
    return {
        "KINDS": translated(KINDS),
        "CHANNELS": translated(CHANNELS),
        "SEVERITIES": translated(SEVERITIES),
        "STATUSES": translated(STATUSES),
        "NOTE_KINDS": translated(NOTE_KINDS),
        "access": access,
    }


def _department_choices(empty_label: str) -> list[tuple[int, str]]:
    return [(0, empty_label)] + department_choices(str(get_locale()))


def _day_start_utc(day) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(str(get_timezone())))


def _filters_from(form: FilterForm) -> CaseFilters:
    statuses = form.status.data or ([] if form.scope.data == "all" else list(OPEN_STATUSES))
    return CaseFilters(
        statuses=statuses,
        kinds=form.kind.data or [],
        severities=form.severity.data or [],
        channels=form.channel.data or [],
        department_id=form.department.data or None,
        assignee_id=current_user.id if form.mine.data else None,
        tag_code=form.tag.data or "",
        received_from=_day_start_utc(form.received_from.data) if form.received_from.data else None,
        received_until=(
            _day_start_utc(form.received_until.data + timedelta(days=1))
            if form.received_until.data
            else None
        ),
        text=form.q.data or "",
        sort=form.sort.data or "-received_at",
    )


def _filter_form(formdata=None) -> FilterForm:
    form = FilterForm(formdata)
    form.department.choices = _department_choices(_("All departments"))
    locale = str(get_locale())
    form.tag.choices = [("", _("All tags"))] + tag_choices(locale)
    return form


@bp.get("/")
@allow(EVERYONE)
def index():
    form = _filter_form(request.args)
    if not form.validate():
        flash(_("Some filters were not understood and were ignored."), "warning")
        form = _filter_form()
    per_page = current_app.config["CASES_PER_PAGE"]
    page = max(1, min(form.page.data or 1, 10_000))
    query = filter_cases(current_user, _filters_from(form))
    page_query = query.options(
        joinedload(Case.responsible_department), joinedload(Case.assignee)
    ).limit(per_page)
    cases = db.session.scalars(page_query.offset((page - 1) * per_page)).unique().all()
    total, exact = count_limited(query, current_app.config["CASE_COUNT_LIMIT"])
    args = request.args.to_dict(flat=False)
    args.pop("page", None)
    return render_template(
        "cases/list.html",
        form=form,
        cases=cases,
        page=page,
        per_page=per_page,
        total=total,
        total_is_exact=exact,
        has_next=page * per_page < total or (not exact and len(cases) == per_page),
        query_args=args,
        sort_choices=list(translated(SORT_CHOICES).items()),
    )


def _intake_form(formdata=None) -> IntakeForm:
    form = IntakeForm(formdata) if formdata is not None else IntakeForm()
    form.responsible_department_id.choices = _department_choices(_("Not yet (route later)"))
    return form


@bp.route("/new", methods=["GET", "POST"])
@allow("operator", "lead")
def new():
    require(access.can_create_case(current_user))
    form = _intake_form()
    if request.method == "GET":
        form.intake_token.data = secrets.token_urlsafe(24)
        now_local = utcnow().astimezone(ZoneInfo(str(get_timezone())))
        form.received_at.data = now_local.replace(second=0, microsecond=0, tzinfo=None)
    if form.validate_on_submit():
        data = CaseInput(
            intake_token=form.intake_token.data,
            kind=form.kind.data,
            channel=form.channel.data,
            received_at=to_utc(form.received_at.data),
            subject=form.subject.data,
            customer_words=form.customer_words.data,
            product=form.product.data or "",
            remedy_requested=form.remedy_requested.data or "",
            severity=form.severity.data,
            responsible_department_id=form.responsible_department_id.data or None,
            customer=CustomerInput(
                name=form.customer_name.data or "",
                email=form.customer_email.data or "",
                phone=form.customer_phone.data or "",
            ),
            observation=form.observation.data or "",
        )
        try:
            with transaction():
                case = create_case(current_user, data)
        except DuplicateSubmission as duplicate:
            flash(_("This case was already saved as %(ref)s.", ref=duplicate.case.ref), "info")
            return redirect(url_for("cases.detail", case_id=duplicate.case.id))
        except MissingInput:
            form.responsible_department_id.errors.append(_("Choose an active department."))
        else:
            flash(_("Case %(ref)s was saved.", ref=case.ref), "success")
            return redirect(url_for("cases.detail", case_id=case.id))
    if request.method == "POST" and form.errors:
        flash(_("The case was not saved yet: please correct the marked fields."), "error")
        return render_template("cases/new.html", form=form), 422
    return render_template("cases/new.html", form=form)


@bp.errorhandler(CSRFError)
def csrf_refused(error):
    """An intake form left open too long (a long call) must not lose what was typed: show it
    again with a fresh token, to be checked and sent once more."""
    if request.endpoint != "cases.new" or not current_user.is_authenticated:
        return render_template("errors/csrf.html"), 400
    form = _intake_form(request.form)
    flash(
        _("The form had expired and was not saved. Your text is kept: check it and save again."),
        "error",
    )
    return render_template("cases/new.html", form=form), 400


def _detail_page(
    case, *, status=200, edit_form=None, note_form=None, transition_form=None, conflict=None
):
    transition_form = transition_form or TransitionForm(formdata=None)
    transition_form.department_id.choices = _department_choices(_("Choose a department"))
    add_tag_form = None
    if access.can_tag_case(current_user, case):
        add_tag_form = AddTagForm(formdata=None)
        locale = str(get_locale())
        add_tag_form.tag_id.choices = [(i, label) for i, _code, label in tag_options(locale)]
    assign_form = None
    if access.can_assign(current_user, case):
        assign_form = AssignForm(
            formdata=None, version=case.version, assignee_id=case.assignee_id or 0
        )
        assign_form.assignee_id.choices = _assignee_choices(case)
    department_suggestion = None
    if access.can_transition(current_user, case, "route"):
        found = suggest_department(case)
        if found is not None:
            department = db.session.scalar(
                db.select(Department).where(Department.code == found.code)
            )
            department_suggestion = (department, found) if department else None
    return (
        render_template(
            "cases/detail.html",
            department_suggestion=department_suggestion,
            case=case,
            timeline=case_timeline(case),
            transitions=access.allowed_transitions(current_user, case),
            transition_form=transition_form,
            note_form=note_form or NoteForm(formdata=None),
            assign_form=assign_form,
            case_tags=tags_of(case.id),
            add_tag_form=add_tag_form,
            conflict=conflict,
            TRANSITIONS=TRANSITIONS,
            panels=panels_for(case, current_user),
        ),
        status,
    )


@bp.get("/<int:case_id>")
@allow(EVERYONE)
def detail(case_id: int):
    case = get_case_or_404(case_id, current_user)
    return _detail_page(case)


@bp.route("/<int:case_id>/edit", methods=["GET", "POST"])
@allow("operator", "lead")
def edit(case_id: int):
    case = get_case_or_404(case_id, current_user)
    require(access.can_edit_case(current_user, case))
    form = EditForm(obj=case) if request.method == "GET" else EditForm()
    if request.method == "GET":
        form.version.data = case.version
        tz = ZoneInfo(str(get_timezone()))
        form.received_at.data = case.received_at.astimezone(tz).replace(tzinfo=None)
    conflict = None
    if form.validate_on_submit():
        changes = {name: getattr(form, name).data for name in EDITABLE_FIELDS}
        changes["received_at"] = to_utc(form.received_at.data)
        changes["product"] = changes["product"] or ""
        changes["remedy_requested"] = changes["remedy_requested"] or ""
        try:
            with transaction():
                case = get_case_or_404(case_id, current_user)
                update_case(
                    case,
                    actor=current_user,
                    changes=changes,
                    expected_version=int(form.version.data),
                )
        except EditConflict as error:
            # Keep what the user typed; show what is saved now; the next save builds on it.
            conflict = error
            case = get_case_or_404(case_id, current_user)
            form.version.data = case.version
        except NotAllowed:
            abort(403)
        else:
            flash(_("Case %(ref)s was updated.", ref=case.ref), "success")
            return redirect(url_for("cases.detail", case_id=case.id))
    status = 409 if conflict else (422 if form.errors else 200)
    return render_template("cases/edit.html", form=form, case=case, conflict=conflict), status


@bp.post("/<int:case_id>/notes")
@allow("operator", "lead")
def note(case_id: int):
    case = get_case_or_404(case_id, current_user)
    require(access.can_add_note(current_user, case))
    form = NoteForm()
    if not form.validate_on_submit():
        return _detail_page(case, status=422, note_form=form)
    with transaction():
        case = get_case_or_404(case_id, current_user)
        add_note(case, actor=current_user, kind=form.kind.data, body=form.body.data)
    flash(_("The note was added."), "success")
    return redirect(url_for("cases.detail", case_id=case_id) + "#timeline")


def _assignee_choices(case) -> list[tuple[int, str]]:
    return [(0, _("Nobody"))] + [(u.id, u.name) for u in assignable_users(case)]


@bp.post("/<int:case_id>/assign")
@allow("operator", "lead")
def assign(case_id: int):
    case = get_case_or_404(case_id, current_user)
    require(access.can_assign(current_user, case))
    form = AssignForm()
    form.assignee_id.choices = _assignee_choices(case)
    if not form.validate_on_submit():
        return _detail_page(case, status=422)
    try:
        with transaction():
            case = get_case_or_404(case_id, current_user)
            assign_case(
                case,
                actor=current_user,
                assignee_id=form.assignee_id.data or None,
                expected_version=int(form.version.data),
            )
    except EditConflict as error:
        return _detail_page(get_case_or_404(case_id, current_user), status=409, conflict=error)
    except NotAllowed:
        abort(403)
    flash(_("The assignee was updated."), "success")
    return redirect(url_for("cases.detail", case_id=case_id))


@bp.post("/<int:case_id>/transition")
@allow("operator", "lead")
def transition(case_id: int):
    case = get_case_or_404(case_id, current_user)
    form = TransitionForm()
    form.department_id.choices = _department_choices(_("Choose a department"))
    if not form.validate_on_submit():
        return _detail_page(case, status=422, transition_form=form)
    action = form.action.data
    try:
        with transaction():
            case = get_case_or_404(case_id, current_user)
            transition_case(
                case,
                actor=current_user,
                action=action,
                expected_version=int(form.version.data),
                department_id=form.department_id.data or None,
                reason=form.reason.data or "",
                planned_for=form.planned_for.data,
            )
    except IllegalTransition as error:
        flash(
            _(
                "A case that is “%(status)s” cannot be moved by “%(action)s”.",
                status=STATUSES[error.status],
                action=TRANSITIONS[action].label if action in TRANSITIONS else action,
            ),
            "error",
        )
        return _detail_page(
            get_case_or_404(case_id, current_user), status=409, transition_form=form
        )
    except NotAllowed:
        abort(403)
    except MissingInput as error:
        message, target = {
            "reason": (_("Give a reason."), form.reason),
            "planned_for": (_("Give the date you plan to respond by."), form.planned_for),
        }.get(error.field_name, (_("Choose another active department."), form.department_id))
        target.errors = [*target.errors, message]
        flash(message, "error")
        return _detail_page(
            get_case_or_404(case_id, current_user), status=422, transition_form=form
        )
    except EditConflict as error:
        return _detail_page(
            get_case_or_404(case_id, current_user), status=409, transition_form=form, conflict=error
        )
    flash(
        _("Case %(ref)s is now “%(status)s”.", ref=case.ref, status=STATUSES[case.status]),
        "success",
    )
    return redirect(url_for("cases.detail", case_id=case_id))
