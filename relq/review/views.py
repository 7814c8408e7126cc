"""The management review's pages (executives and admins): the list of reviews and a new one
for a period, the pack (printable page and PDF), the review's minutes, its actions, and every
review's actions. Thin views: load, call one service in a transaction, answer."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from relq.access import allow
from relq.background import run_in_background
from relq.db import transaction
from relq.errors import Conflict, Invalid
from relq.i18n import locale_code
from relq.review import documents, periods, services
from relq.review.charting import pack_charts
from relq.review.forms import ActionForm, NewReviewForm, ReviewForm
from relq.review.models import ACTION_STATUSES
from relq.review.pack import WORDS, review_pack

bp = Blueprint("review", __name__, url_prefix="/reviews")
MANAGEMENT = ("executive", "admin")

# The words of the services' Invalid codes, shown beside the form.
INVALID_WORDS = {
    "period": lambda: _("Choose a period: a year and a quarter, or both dates."),
    "period_order": lambda: _("The period ends before it starts."),
    "period_length": lambda: _("A review looks at %(days)s days at most.", days=periods.MAX_DAYS),
    "title": lambda: _("The title is too long or holds characters that cannot be saved."),
    "held_on": lambda: _("A held review needs the date it was held on."),
}


def _vocabulary() -> dict:
    return WORDS


def _period(form: NewReviewForm) -> periods.Period:
    kind = form.period_kind.data
    if kind == "custom":
        return periods.custom(form.start.data, form.end.data)
    if form.year.data is None or form.quarter.data is None:
        raise Invalid("period")
    return periods.quarter_number(form.year.data, form.quarter.data, kind)


@bp.route("/", methods=["GET", "POST"])
@allow(*MANAGEMENT)
def index():
    form = NewReviewForm()
    if request.method == "GET":
        last = periods.last_complete_quarter(periods.today())
        form.year.data, form.quarter.data = last.quarter
    status = 200
    if form.validate_on_submit():
        try:
            with transaction():
                review = services.start_review(current_user, _period(form), title=form.title.data)
        except Invalid as error:
            form.period_kind.errors = [*form.period_kind.errors, INVALID_WORDS[error.code]()]
            status = 422
        else:
            flash(_("The review was started as a draft."), "success")
            return redirect(url_for("review.detail", review_id=review.id))
    elif request.method == "POST":
        status = 422
    return (
        render_template(
            "review/index.html", reviews=services.reviews(), form=form, **_vocabulary()
        ),
        status,
    )


def _pack(review):
    pack = review_pack(current_user, periods.of_review(review), locale=locale_code())
    pack.actions = list(review.actions)
    return pack


@bp.get("/<int:review_id>")
@allow(*MANAGEMENT)
def detail(review_id: int):
    review = services.get_review(current_user, review_id)
    pack = _pack(review)
    document = documents.document_of(review, locale_code())
    return render_template(
        "review/detail.html",
        review=review,
        pack=pack,
        charts=pack_charts(pack),
        document=document,
        is_current=document is not None and documents.is_current(document),
        **_vocabulary(),
    )


@bp.get("/<int:review_id>/pdf")
@allow(*MANAGEMENT)
def pdf(review_id: int):
    review = services.get_review(current_user, review_id)
    document = documents.document_of(review, locale_code())
    if document is None or document.status != "ready":
        flash(_("Prepare the PDF first."), "info")
        return redirect(url_for("review.detail", review_id=review.id) + "#pdf")
    return Response(
        document.pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="management-review-{review.id}.pdf"',
            "Cache-Control": "private, no-store",
        },
    )


@bp.post("/<int:review_id>/pdf")
@allow(*MANAGEMENT)
def request_pdf(review_id: int):
    with transaction():
        review = services.get_review(current_user, review_id)
        documents.request_document(current_user, review, locale_code())
    if not run_in_background(documents.render_pending_documents):
        documents.render_pending_documents()  # no background work here: rendered now
    flash(_("The PDF is being prepared; it appears here when it is ready."), "success")
    return redirect(url_for("review.detail", review_id=review_id) + "#pdf")


@bp.route("/<int:review_id>/edit", methods=["GET", "POST"])
@allow(*MANAGEMENT)
def edit(review_id: int):
    review = services.get_review(current_user, review_id)
    form = ReviewForm(obj=review) if request.method == "GET" else ReviewForm()
    if request.method == "GET":
        form.version.data = review.version
    conflict, status = None, 200
    if form.validate_on_submit():
        try:
            with transaction():
                review = services.get_review(current_user, review_id)
                services.update_review(
                    current_user,
                    review,
                    services.ReviewRecord(
                        title=form.title.data,
                        status=form.status.data,
                        held_on=form.held_on.data,
                        attendees=form.attendees.data,
                        conclusions=form.conclusions.data,
                    ),
                    expected_version=_version(form),
                )
        except services.StaleEdit:
            # Keep what was typed; show what is saved now; the next save builds on it.
            conflict, status = True, 409
            review = services.get_review(current_user, review_id)
            form.version.data = review.version
        except Conflict:
            form.status.errors = [_("A held review stays held.")]
            status = 409
        except Invalid as error:
            field = getattr(form, error.code, form.title)
            field.errors = [*field.errors, INVALID_WORDS.get(error.code, _invalid)()]
            status = 422
        else:
            flash(_("The review was saved."), "success")
            return redirect(url_for("review.detail", review_id=review.id))
    elif request.method == "POST":
        status = 422
    return (
        render_template(
            "review/edit.html", review=review, form=form, conflict=conflict, **_vocabulary()
        ),
        status,
    )


def _invalid() -> str:
    return _("This value cannot be saved: check its length and characters.")


def _version(form) -> int:
    try:
        return int(form.version.data)
    except (TypeError, ValueError):
        raise Invalid("version") from None


def _action_form(review, obj=None) -> ActionForm:
    form = ActionForm(obj=obj) if request.method == "GET" else ActionForm()
    locale = locale_code()
    form.owner_department_id.choices = [(d.id, d.name_for(locale)) for d in services.departments()]
    form.tag_id.choices = [(0, "—")] + [(t.id, t.label_for(locale)) for t in services.categories()]
    form.surge_alert_id.choices = [(0, "—")] + [
        (a.id, f"{a.week_end.isoformat()} · {a.label}")
        for a in services.recent_alerts(periods.of_review(review))
    ]
    if request.method == "GET" and obj is not None:
        form.version.data = obj.version
        form.tag_id.data = obj.tag_id or 0
        form.surge_alert_id.data = obj.surge_alert_id or 0
    return form


def _action_input(form: ActionForm) -> services.ActionInput:
    return services.ActionInput(
        description=form.description.data,
        owner_department_id=form.owner_department_id.data,
        due_on=form.due_on.data,
        status=form.status.data,
        tag_id=form.tag_id.data or None,
        surge_alert_id=form.surge_alert_id.data or None,
        outcome=form.outcome.data or "",
    )


def _refused(form: ActionForm, error: Invalid) -> None:
    field = getattr(form, error.code, form.description)
    field.errors = [*field.errors, _invalid()]


@bp.route("/<int:review_id>/actions/new", methods=["GET", "POST"])
@allow(*MANAGEMENT)
def add_action(review_id: int):
    review = services.get_review(current_user, review_id)
    form = _action_form(review)
    status = 200
    if form.validate_on_submit():
        try:
            with transaction():
                services.add_action(
                    current_user, services.get_review(current_user, review_id), _action_input(form)
                )
        except Invalid as error:
            _refused(form, error)
            status = 422
        else:
            flash(_("The action was recorded."), "success")
            return redirect(url_for("review.detail", review_id=review.id) + "#actions")
    elif request.method == "POST":
        status = 422
    return (
        render_template(
            "review/action.html",
            review=review,
            action=None,
            form=form,
            conflict=None,
            **_vocabulary(),
        ),
        status,
    )


@bp.route("/actions/<int:action_id>/edit", methods=["GET", "POST"])
@allow(*MANAGEMENT)
def edit_action(action_id: int):
    action = services.get_action(current_user, action_id)
    review = action.review
    form = _action_form(review, action)
    conflict, status = None, 200
    if form.validate_on_submit():
        try:
            with transaction():
                action = services.get_action(current_user, action_id)
                services.update_action(
                    current_user, action, _action_input(form), expected_version=_version(form)
                )
        except services.StaleEdit:
            conflict, status = True, 409
            action = services.get_action(current_user, action_id)
            form.version.data = action.version
        except Invalid as error:
            _refused(form, error)
            status = 422
        else:
            flash(_("The action was saved."), "success")
            return redirect(url_for("review.actions"))
    elif request.method == "POST":
        status = 422
    return (
        render_template(
            "review/action.html",
            review=review,
            action=action,
            form=form,
            conflict=conflict,
            **_vocabulary(),
        ),
        status,
    )


@bp.get("/actions")
@allow(*MANAGEMENT)
def actions():
    status = request.args.get("status", "")
    if status not in ACTION_STATUSES:
        status = ""
    return render_template(
        "review/actions.html",
        actions=services.actions(status or None),
        status=status,
        **_vocabulary(),
    )
