from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_number, get_timezone, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from relq import access
from relq.access import EVERYONE, allow, get_case_or_404, require
from relq.answers.services import answer_case
from relq.cache import kept
from relq.cases.bulk import BulkOutcome, bulk_assignees, bulk_update
from relq.cases.export import ExportWords, csv_chunks, record_export
from relq.cases.forms import (
    SORT_CHOICES,
    AssignForm,
    BulkForm,
    EditForm,
    FilterForm,
    IntakeForm,
    NoteForm,
    PostForm,
    SaveViewForm,
    TransitionForm,
    to_utc,
)
from relq.cases.listing import (
    case_page,
    count_matching,
    customer_history,
    export_query,
    export_rows,
    highlighter,
)
from relq.cases.models import (
    CHANNELS,
    DEFAULT_NOTE_KIND,
    KINDS,
    NOTE_KIND_BY_ROLE,
    NOTE_KINDS,
    OFFICE_TZ,
    OPEN_STATUSES,
    SEVERITIES,
    STATUSES,
    TRANSITIONS,
    Case,
)
from relq.cases.panels import panels_for
from relq.cases.saved_views import clean_query, delete_view, save_view, saved_views_of
from relq.cases.services import (
    EDITABLE_FIELDS,
    CaseFilters,
    CaseInput,
    CustomerInput,
    DuplicateSubmission,
    EditConflict,
    IllegalTransition,
    MissingInput,
    add_note,
    assign_case,
    assignable_users,
    case_by_intake_token,
    case_timeline,
    create_case,
    transition_case,
    update_case,
)
from relq.db import db, transaction, utcnow
from relq.deadlines.models import DEADLINE_KINDS
from relq.errors import Conflict, Invalid
from relq.i18n import locale_code, translated, viewer_zone
from relq.learning import suggest_department
from relq.org.models import Department
from relq.org.services import department_choices
from relq.tags.services import tag_chips, tag_choices, tag_options

bp = Blueprint("cases", __name__, url_prefix="/cases")


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
    return [(0, empty_label)] + department_choices(locale_code())


def _day_start_utc(day) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(str(get_timezone())))


def _filters_from(form: FilterForm) -> CaseFilters:
    return _filters_of(_FilterValues.of(form))


def _filters_of(v: _FilterValues) -> CaseFilters:
    statuses = list(v.status) or ([] if v.scope == "all" else list(OPEN_STATUSES))
    return CaseFilters(
        statuses=statuses,
        kinds=list(v.kind),
        severities=list(v.severity),
        channels=list(v.channel),
        department_id=v.department or None,
        assignee_id=current_user.id if v.mine else None,
        tag_code=v.tag or "",
        received_from=_day_start_utc(v.received_from) if v.received_from else None,
        received_until=(
            _day_start_utc(v.received_until + timedelta(days=1)) if v.received_until else None
        ),
        text=v.q or "",
        sort=v.sort or "-received_at",
    )


def _filter_form(formdata=None) -> FilterForm:
    form = FilterForm(formdata)
    form.department.choices = _department_choices(_("All departments"))
    locale = locale_code()
    form.tag.choices = [("", _("All tags"))] + tag_choices(locale)
    return form


@dataclass(frozen=True)
class _FilterValues:
    """What the filter form shows: the values of a validated FilterForm, or the defaults."""

    q: str | None = None
    status: tuple = ()
    kind: tuple = ()
    severity: tuple = ()
    channel: tuple = ()
    department: int | None = 0
    tag: str | None = ""
    received_from: date | None = None
    received_until: date | None = None
    sort: str | None = "-received_at"
    mine: bool = False
    scope: str | None = "open"

    @classmethod
    def of(cls, form: FilterForm) -> _FilterValues:
        return cls(
            q=form.q.data,
            status=tuple(form.status.data or ()),
            kind=tuple(form.kind.data or ()),
            severity=tuple(form.severity.data or ()),
            channel=tuple(form.channel.data or ()),
            department=form.department.data,
            tag=form.tag.data,
            received_from=form.received_from.data,
            received_until=form.received_until.data,
            sort=form.sort.data,
            mine=bool(form.mine.data),
            scope=form.scope.data,
        )


_DEFAULT_FILTERS = _FilterValues()


def _parsed_filters(locale: str) -> tuple[_FilterValues, int] | None:
    """The request's filters and page as the FilterForm reads and validates them, or None when
    it does not accept them. Validation depends on the query string and the choice lists only,
    so its outcome is kept per query string while the departments and tags are unchanged."""

    def parse() -> tuple[_FilterValues, int] | None:
        form = _filter_form(request.args)
        if not form.validate():
            return None
        return _FilterValues.of(form), max(1, min(form.page.data or 1, 10_000))

    return kept(("org", "tags"), ("case-filters", locale, request.query_string), parse)


def _macros():
    """cases/_macros.html's macros, callable from here (no request context needed)."""
    return current_app.jinja_env.get_template("cases/_macros.html").module


def _filters_html(values: _FilterValues, locale: str) -> Markup:
    """The filter form's HTML (cases/_macros.html `filter_form`), rendered once per language,
    filter values and choice lists, then kept while the departments and tags are unchanged."""

    def render() -> Markup:
        return _macros().filter_form(
            values,
            [(0, _("All departments")), *department_choices(locale)],
            [("", _("All tags"))] + [(code, label) for _id, code, label in tag_options(locale)],
            list(translated(SORT_CHOICES).items()),
            translated(STATUSES),
            translated(KINDS),
            translated(SEVERITIES),
            translated(CHANNELS),
        )

    return kept(("org", "tags"), ("case-filter-form", locale, request.script_root, values), render)


# Pages go 10,000 cases deep (400 pages of 25), as Zendesk's offset paging does. A page's
# OFFSET walks every case before it: page 2,000 of 1M cases cost 75-110 ms of CPU on
# PostgreSQL, where page 1 costs 14. Deeper than that, people narrow the list (dates, filters);
# scripts read everything through the API's keyset cursors or the CSV export.
MAX_LIST_DEPTH = 10_000


def _deepest_page() -> int:
    return max(1, MAX_LIST_DEPTH // current_app.config["CASES_PER_PAGE"])


def _request_filters(locale: str) -> tuple[_FilterValues, int, CaseFilters]:
    """The list's filters and page from the request's query string (the defaults, with a
    warning, for what the filter form does not accept; the deepest page, with a notice, for a
    page beyond MAX_LIST_DEPTH)."""
    parsed = None
    if request.args:
        parsed = _parsed_filters(locale)
        if parsed is None:
            flash(_("Some filters were not understood and were ignored."), "warning")
    if parsed is None:  # the default filters: the list as most people first see it
        return _DEFAULT_FILTERS, 1, CaseFilters(statuses=list(OPEN_STATUSES))
    values, page = parsed
    deepest = _deepest_page()
    if page > deepest:
        flash(
            _(
                "The list shows its first %(count)s cases; page %(page)s is the last one. "
                "Narrow it with dates or filters to see older cases.",
                count=format_number(MAX_LIST_DEPTH),
                page=deepest,
            ),
            "info",
        )
        page = deepest
    return values, page, _filters_of(values)


def _list_query() -> str:
    """The list's query string as the list's own links carry it (without the page)."""
    return clean_query(request.query_string.decode("utf-8", "replace"))


def _bulk_choices(locale: str) -> dict:
    """The bulk tools' choices: people (the viewer first, then their department's, then the
    others'), nobody, departments; kept per viewer until a person or a department changes."""
    user = current_user

    def compute() -> dict:
        people = bulk_assignees(user, locale)
        mine = [p for p in people if p[0] == user.id]
        others = [p for p in people if p[0] != user.id]
        return {
            "assignees": (*mine, *others, (0, _("Nobody"))),
            "departments": tuple(_department_choices(_("Choose a department"))),
        }

    return kept(("org",), ("bulk-choices", locale, user.id), compute)


def _bulk_html(locale: str) -> Markup | None:
    """The bulk tools' fields (cases/_macros.html `bulk_tools`) for a case worker, rendered
    once per viewer and language and kept while people and departments are unchanged; None
    for those without the tools."""
    if not access.can_bulk_update_cases(current_user):
        return None

    def render() -> Markup:
        choices = _bulk_choices(locale)
        return _macros().bulk_tools(choices["assignees"], choices["departments"])

    return kept(("org",), ("bulk-tools", locale, current_user.id), render)


@bp.get("/")
@allow(EVERYONE)
def index():
    locale = locale_code()
    values, page, filters = _request_filters(locale)
    args = request.args.to_dict(flat=False)
    args.pop("page", None)
    return render_template(
        "cases/list.html",
        filters_html=_filters_html(values, locale),
        case_page=case_page(
            current_user,
            filters,
            page=page,
            per_page=current_app.config["CASES_PER_PAGE"],
            count_limit=current_app.config["CASE_COUNT_LIMIT"],
        ),
        query_args=args,
        last_page=_deepest_page(),
        list_query=_list_query(),
        now=utcnow(),
        clock_kinds=translated(DEADLINE_KINDS),
        highlight=highlighter(values.q) if values.q else None,
        saved_views=saved_views_of(current_user),
        bulk_html=_bulk_html(locale),
    )


def _export_words(locale: str) -> ExportWords:
    return ExportWords(
        header=(
            _("Case"),
            _("Received"),
            _("Kind"),
            _("Severity"),
            _("Subject"),
            _("Status"),
            _("Department"),
            _("Assignee"),
            _("Channel"),
            _("Next deadline"),
            _("Due"),
            _("Deadline state"),
            _("Business minutes overdue"),
        ),
        kinds=translated(KINDS),
        statuses=translated(STATUSES),
        severities=translated(SEVERITIES),
        channels=translated(CHANNELS),
        clock_kinds=translated(DEADLINE_KINDS),
        clock_states={
            "running": _("Running"),
            "overdue": _("Overdue"),
            "paused": _("Paused"),
        },
        locale=locale,
        zone=viewer_zone(),
    )


@bp.post("/export.csv")
@allow(EVERYONE)
def export():
    """The list as it is filtered now, as a CSV file (POST: every export is audited)."""
    PostForm().validate_on_submit()  # (the CSRF token is checked before the view)
    locale = locale_code()
    _values, _page, filters = _request_filters(locale)
    query = _list_query()
    with transaction():
        count = count_matching(current_user, filters)
        record_export(current_user, query=query, rows=count)
    rows = export_rows(export_query(current_user, filters), db.engine)
    body = csv_chunks(rows, _export_words(locale), now=utcnow())
    stamp = utcnow().astimezone(viewer_zone()).strftime("%Y%m%d-%H%M")
    return Response(
        body,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="relq-cases-{stamp}.csv"',
            "Cache-Control": "no-store",
        },
    )


def _back_to_list(query: str | None) -> str:
    cleaned = clean_query(query or "")
    return url_for("cases.index") + (f"?{cleaned}" if cleaned else "")


def _refused_form(form, query: str | None):
    """A bulk or saved-view form the server did not accept: what was wrong, and the way back
    to the list as it was."""
    return render_template("cases/refused.html", form=form, back=_back_to_list(query)), 422


_BULK_DONE = {
    "assign": lambda n: ngettext("%(num)d case was assigned.", "%(num)d cases were assigned.", n),
    "route": lambda n: ngettext("%(num)d case was routed.", "%(num)d cases were routed.", n),
    "close": lambda n: ngettext("%(num)d case was closed.", "%(num)d cases were closed.", n),
}


def _bulk_refusal_words() -> dict[str, str]:
    return {
        "not_allowed": _("you may not make this change to them"),
        "wrong_status": _("their status does not allow it"),
        "conflict": _("someone changed them after the list was shown"),
        "needs_reason": _("rerouting needs a reason"),
        "not_assignable": _("the person chosen cannot hold them"),
        "same_department": _("they are already with that department"),
        "invalid": _("the change was not accepted"),
    }


def _flash_outcome(outcome: BulkOutcome) -> None:
    if outcome.changed:
        flash(_BULK_DONE[outcome.action](len(outcome.changed)), "success")
    if outcome.unchanged:
        flash(
            _(
                "Already so, nothing to change: %(refs)s",
                refs=", ".join(r.ref for r in outcome.unchanged),
            ),
            "info",
        )
    words = _bulk_refusal_words()
    for reason, results in outcome.refused().items():
        if reason == "not_found":
            flash(
                ngettext(
                    "%(num)d chosen case was not found.",
                    "%(num)d chosen cases were not found.",
                    len(results),
                ),
                "error",
            )
            continue
        flash(
            _(
                "Not changed (%(reason)s): %(refs)s",
                reason=words[reason],
                refs=", ".join(r.ref for r in results),
            ),
            "error",
        )


@bp.post("/bulk")
@allow("operator", "lead")
def bulk():
    require(access.can_bulk_update_cases(current_user))
    form = BulkForm()
    choices = _bulk_choices(locale_code())
    form.assignee_id.choices = choices["assignees"]
    form.department_id.choices = choices["departments"]
    valid = form.validate_on_submit()
    if valid and form.action.data == "route" and not form.department_id.data:
        form.department_id.errors = [*form.department_id.errors, _("Choose a department.")]
        valid = False
    if not valid:
        return _refused_form(form, form.query.data)
    with transaction():
        outcome = bulk_update(
            current_user,
            form.case.data,
            action=form.action.data,
            assignee_id=form.assignee_id.data or None,
            department_id=form.department_id.data or None,
            reason=form.reason.data or "",
        )
    _flash_outcome(outcome)
    return redirect(_back_to_list(form.query.data))


@bp.post("/views")
@allow(EVERYONE)
def save_list_view():
    form = SaveViewForm()
    if not form.validate_on_submit():
        return _refused_form(form, form.query.data)
    name = form.name.data.strip()
    try:
        with transaction():
            save_view(current_user, name=name, query=form.query.data or "")
    except Conflict:
        flash(_("You already have a view named “%(name)s”.", name=name), "error")
    except Invalid:
        flash(_("The view was not saved: give it a name, and keep at most 50 views."), "error")
    else:
        flash(_("The view “%(name)s” was saved.", name=name), "success")
    return redirect(_back_to_list(form.query.data))


@bp.post("/views/<int:view_id>/delete")
@allow(EVERYONE)
def delete_list_view(view_id: int):
    PostForm().validate_on_submit()  # (the CSRF token is checked before the view)
    with transaction():
        delete_view(current_user, view_id)  # someone else's view: NotFound, a 404
    flash(_("The saved view was deleted."), "success")
    return redirect(url_for("cases.index"))


def customer_history_panel(case, user) -> dict | None:
    """The case page's panel of the customer's other cases (none for an anonymous case)."""
    history = customer_history(user, case)
    return None if history is None else {"history": history}


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
                language=form.customer_language.data or "",
                survey_opt_out=bool(form.customer_survey_opt_out.data),
            ),
            observation=form.observation.data or "",
        )
        try:
            with transaction():
                case = create_case(current_user, data)
                # read before the commit expires them (else a query to read them back)
                ref, new_id = case.ref, case.id
        except DuplicateSubmission as duplicate:
            flash(_("This case was already saved as %(ref)s.", ref=duplicate.case.ref), "info")
            return redirect(url_for("cases.detail", case_id=duplicate.case.id))
        except IntegrityError:
            # The same form sent twice at the very same moment: the other one saved it.
            first = case_by_intake_token(data.intake_token)
            if first is None:
                raise
            flash(_("This case was already saved as %(ref)s.", ref=first.ref), "info")
            return redirect(url_for("cases.detail", case_id=first.id))
        except MissingInput:
            form.responsible_department_id.errors.append(_("Choose an active department."))
        else:
            flash(_("Case %(ref)s was saved.", ref=ref), "success")
            return redirect(url_for("cases.detail", case_id=new_id))
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
    """The case page. On a plain GET no WTForms object is built (four forms cost more than the
    rest of the page): detail.html writes their few fields itself, with the choices made
    here. A form that comes back with errors (`note_form`, `transition_form`) is shown as is."""
    locale = locale_code()
    can_tag = access.can_tag_case(current_user, case)
    assignee_choices = _assignee_choices(case) if access.can_assign(current_user, case) else None
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
            department_choices=_department_choices(_("Choose a department")),
            transition_errors=transition_form.errors if transition_form is not None else {},
            note_form=note_form,
            assignee_choices=assignee_choices,
            case_tags=tag_chips(case.id, locale),
            add_tag_choices=(
                [(i, label) for i, _code, label in tag_options(locale)] if can_tag else None
            ),
            conflict=conflict,
            TRANSITIONS=TRANSITIONS,
            panels=panels_for(case, current_user),
            note_kind=NOTE_KIND_BY_ROLE.get(current_user.role, DEFAULT_NOTE_KIND),
            # The step whose form came back with errors stays open; a planned date starts today.
            transition_action=transition_form.action.data if transition_form is not None else "",
            today_in_office=utcnow().astimezone(OFFICE_TZ).date().isoformat(),
        ),
        status,
    )


# What the case page shows of a case, loaded with it in one query (each would otherwise be a
# query of its own when the template first touches it).
_CASE_PAGE_LOADS = (
    joinedload(Case.intake_department),
    joinedload(Case.responsible_department),
    joinedload(Case.created_by),
    joinedload(Case.assignee),
    joinedload(Case.customer),
)


@bp.get("/<int:case_id>")
@allow(EVERYONE)
def detail(case_id: int):
    # = get_case_or_404 (the same door: visible_cases), with the page's related rows
    case = db.session.scalar(
        access.visible_cases(current_user).where(Case.id == case_id).options(*_CASE_PAGE_LOADS)
    )
    if case is None:
        abort(404)
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
    # Who may hold a case depends on its two departments and on the users' rows only: the
    # same few lists for every case page, kept until a person or a department changes.
    key = ("assignable", case.intake_department_id, case.responsible_department_id)
    people = kept(("org",), key, lambda: [(u.id, u.name) for u in assignable_users(case)])
    return [(0, _("Nobody")), *people]


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
    transition = TRANSITIONS.get(action)
    try:
        with transaction():
            case = get_case_or_404(case_id, current_user)
            if transition is not None and transition.answer:  # the owner's answer: its use case
                answer_case(
                    case,
                    actor=current_user,
                    answer=transition.answer,
                    expected_version=int(form.version.data),
                    body=form.reason.data or "",
                    planned_for=form.planned_for.data,
                )
            else:
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
                status=STATUSES[error.case_status],
                action=TRANSITIONS[action].label if action in TRANSITIONS else action,
            ),
            "error",
        )
        return _detail_page(
            get_case_or_404(case_id, current_user), status=409, transition_form=form
        )
    except MissingInput as error:
        message, target = {
            "reason": (_("Give a reason."), form.reason),
            "planned_for": (_("Give the date you plan to respond by."), form.planned_for),
            "planned_for_past": (
                _("The planned date cannot be in the past."),
                form.planned_for,
            ),
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
