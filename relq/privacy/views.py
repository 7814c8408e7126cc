"""The privacy officer's pages (admins), the purpose-of-use page (everyone), and the case-page
panel that logs who was shown a customer's personal data."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from relq.access import EVERYONE, allow
from relq.cases.models import Case
from relq.db import db, transaction
from relq.i18n import locale_code, viewer_zone
from relq.org.models import User
from relq.privacy import policy, reads, services
from relq.privacy.access import can_handle_privacy
from relq.privacy.forms import (
    CloseRequestForm,
    CorrectForm,
    EraseForm,
    ExportForm,
    PolicyForm,
    ReadFilterForm,
    RequestForm,
    SearchForm,
)
from relq.privacy.models import (
    ANONYMISED_BECAUSE,
    READ_PLACES,
    REQUEST_DUE_DAYS,
    REQUEST_KINDS,
    REQUEST_STATUSES,
)
from relq.privacy.services import PrivacyError

bp = Blueprint("privacy", __name__, url_prefix="/privacy")

READS_PER_PAGE = 100
REFUSALS = {
    "query_too_short": _l("Type at least two characters."),
    "query_too_long": _l("The search is too long."),
    "purpose_missing": _l("The purpose of use in Japanese is required."),
    "reason_missing": _l("Say why the data is erased."),
    "outcome_missing": _l("Say why the request is refused."),
    "received_in_future": _l("The request cannot be received in the future."),
    "customer_erased": _l("This customer's data was already erased."),
    "request_closed": _l("This request was already closed."),
}


@bp.app_context_processor
def privacy_words():
    return {
        "PRIVACY_REQUEST_KINDS": REQUEST_KINDS,
        "PRIVACY_REQUEST_STATUSES": REQUEST_STATUSES,
        "PRIVACY_ANONYMISED_BECAUSE": ANONYMISED_BECAUSE,
        "PRIVACY_READ_PLACES": READ_PLACES,
    }


def _refusal(error: PrivacyError) -> str:
    return str(REFUSALS.get(error.code, error.code))


# ---- everyone: the purpose of use ------------------------------------------------------------


@bp.get("/purpose")
@allow(EVERYONE)
def purpose():
    return render_template("privacy/purpose.html", text=policy.purpose_text(locale_code()))


# ---- the officer -----------------------------------------------------------------------------


@bp.get("/")
@allow("admin")
def index():
    form = SearchForm(request.args)
    found = None
    status = 200
    if form.q.data:
        if form.validate():
            try:
                found = services.find_customers(current_user, form.q.data)
            except PrivacyError as error:
                form.q.errors = [*form.q.errors, _refusal(error)]
                status = 422
            else:
                reads.note_read(
                    current_user, place="search", address=request.remote_addr, found=len(found)
                )
        else:
            status = 422
    return render_template(
        "privacy/index.html",
        form=form,
        found=found,
        requests=services.open_requests(current_user),
        today=datetime.now(viewer_zone()).date(),
    ), status


@bp.route("/settings", methods=["GET", "POST"])
@allow("admin")
def settings():
    saved = policy.current_policy()
    form = PolicyForm(obj=saved) if request.method == "GET" else PolicyForm()
    if form.validate_on_submit():
        data = services.PolicyInput(
            purpose_ja=form.purpose_ja.data or "",
            purpose_en=form.purpose_en.data or "",
            contact_days=form.contact_days.data,
            text_days=form.text_days.data,
            attachment_days=form.attachment_days.data,
        )
        with transaction():
            services.save_policy(current_user, data)
        flash(_("The privacy settings were saved."), "success")
        return redirect(url_for("privacy.settings"))
    return render_template(
        "privacy/settings.html", form=form, policy=saved, is_saved=policy.is_saved()
    ), 422 if form.errors else 200


def _request_choices(customer) -> list[tuple[int, str]]:
    return [(0, _("No request (the office's own decision)"))] + [
        (r.id, f"#{r.id} {REQUEST_KINDS[r.kind]} ({r.received_on.isoformat()})")
        for r in services.requests_of(customer)
        if r.status == "open"
    ]


def _chosen_request(form, customer):
    if not form.request_id.data:
        return None
    found = services.get_request(current_user, form.request_id.data)
    return found if found.customer_id == customer.id and found.status == "open" else None


def _customer_page(customer, *, status=200, request_form=None, export_form=None):
    cases = services.customer_cases(current_user, customer)
    if reads.shows_personal_data(customer):
        reads.note_read(
            current_user,
            place="customer_page",
            address=request.remote_addr,
            customer_id=customer.id,
        )
    request_form = request_form or RequestForm(
        formdata=None, received_on=datetime.now(viewer_zone()).date()
    )
    export_form = export_form or ExportForm(formdata=None)
    export_form.request_id.choices = _request_choices(customer)
    return render_template(
        "privacy/customer.html",
        customer=customer,
        erasure=services.erasure_of(customer),
        cases=[(case, services.anonymisation_of(case)) for case in cases],
        requests=services.requests_of(customer),
        request_form=request_form,
        close_form=CloseRequestForm(formdata=None),
        export_form=export_form,
        due_days=REQUEST_DUE_DAYS,
    ), status


@bp.get("/customers/<int:customer_id>")
@allow("admin")
def customer(customer_id: int):
    return _customer_page(services.get_customer(current_user, customer_id))


@bp.post("/customers/<int:customer_id>/requests")
@allow("admin")
def new_request(customer_id: int):
    found = services.get_customer(current_user, customer_id)
    form = RequestForm()
    if not form.validate_on_submit():
        return _customer_page(found, status=422, request_form=form)
    try:
        with transaction():
            found = services.get_customer(current_user, customer_id)
            services.open_request(
                current_user,
                found,
                kind=form.kind.data,
                received_on=form.received_on.data,
                note=form.note.data or "",
            )
    except PrivacyError as error:
        form.received_on.errors = [*form.received_on.errors, _refusal(error)]
        return _customer_page(found, status=422, request_form=form)
    flash(_("The request was recorded."), "success")
    return redirect(url_for("privacy.customer", customer_id=customer_id))


@bp.post("/requests/<int:request_id>/close")
@allow("admin")
def close_request(request_id: int):
    found = services.get_request(current_user, request_id)
    form = CloseRequestForm()
    if not form.validate_on_submit():
        flash(_("Choose an outcome."), "error")
        return redirect(url_for("privacy.customer", customer_id=found.customer_id)), 303
    try:
        with transaction():
            found = services.get_request(current_user, request_id)
            services.close_request(
                current_user, found, status=form.status.data, outcome=form.outcome.data or ""
            )
    except PrivacyError as error:
        flash(_refusal(error), "error")
    else:
        flash(_("The request was closed."), "success")
    return redirect(url_for("privacy.customer", customer_id=found.customer_id))


@bp.route("/customers/<int:customer_id>/correct", methods=["GET", "POST"])
@allow("admin")
def correct(customer_id: int):
    found = services.get_customer(current_user, customer_id)
    if request.method == "GET":
        form = CorrectForm(
            formdata=None,
            name=found.name,
            email=found.email,
            phone=found.phone,
            survey_opt_out=found.survey_opt_out,
        )
        if reads.shows_personal_data(found):
            reads.note_read(
                current_user,
                place="customer_page",
                address=request.remote_addr,
                customer_id=found.id,
            )
    else:
        form = CorrectForm()
    form.request_id.choices = _request_choices(found)
    if form.validate_on_submit():
        with transaction():
            found = services.get_customer(current_user, customer_id)
            changed = services.correct_customer(
                current_user,
                found,
                services.CorrectionInput(
                    name=form.name.data or "",
                    email=form.email.data or "",
                    phone=form.phone.data or "",
                    survey_opt_out=bool(form.survey_opt_out.data),
                ),
                request=_chosen_request(form, found),
            )
        if changed:
            flash(_("The customer's data was corrected."), "success")
        else:
            flash(_("Nothing was changed."), "info")
        return redirect(url_for("privacy.customer", customer_id=customer_id))
    return render_template(
        "privacy/correct.html",
        form=form,
        customer=found,
        erasure=services.erasure_of(found),
    ), 422 if form.errors else 200


@bp.route("/customers/<int:customer_id>/erase", methods=["GET", "POST"])
@allow("admin")
def erase(customer_id: int):
    found = services.get_customer(current_user, customer_id)
    form = EraseForm() if request.method == "POST" else EraseForm(formdata=None)
    form.request_id.choices = _request_choices(found)
    if form.validate_on_submit():
        try:
            with transaction():
                found = services.get_customer(current_user, customer_id)
                cases = services.erase_customer(
                    current_user,
                    found,
                    reason=form.reason.data,
                    request=_chosen_request(form, found),
                )
        except PrivacyError as error:
            form.reason.errors = [*form.reason.errors, _refusal(error)]
        else:
            flash(
                _(
                    "The customer's personal data was erased; %(count)d cases were kept as "
                    "anonymised records.",
                    count=cases,
                ),
                "success",
            )
            return redirect(url_for("privacy.customer", customer_id=customer_id))
    cases = services.customer_cases(current_user, found)
    return render_template(
        "privacy/erase.html",
        form=form,
        customer=found,
        erasure=services.erasure_of(found),
        case_count=len(cases),
        open_count=sum(1 for c in cases if c.status != "closed"),
    ), 422 if form.errors else 200


@bp.post("/customers/<int:customer_id>/export")
@allow("admin")
def export(customer_id: int):
    found = services.get_customer(current_user, customer_id)
    form = ExportForm()
    form.request_id.choices = _request_choices(found)
    if not form.validate_on_submit():
        return _customer_page(found, status=422, export_form=form)
    with transaction():
        found = services.get_customer(current_user, customer_id)
        services.record_disclosure(current_user, found, request=_chosen_request(form, found))
    data = services.disclosure(current_user, found)
    reads.note_read(current_user, place="export", address=request.remote_addr, customer_id=found.id)
    stamp = datetime.now(viewer_zone()).strftime("%Y%m%d")
    if form.format.data == "json":
        body, mimetype, suffix = (
            json.dumps(data, ensure_ascii=False, indent=2),
            "application/json",
            "json",
        )
    else:
        body, mimetype, suffix = services.disclosure_zip(data), "application/zip", "zip"
    return Response(
        body,
        mimetype=mimetype,
        headers={
            "Content-Disposition": (f'attachment; filename="customer-{found.id}-{stamp}.{suffix}"'),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )


@bp.get("/reads")
@allow("admin")
def read_log():
    form = ReadFilterForm(request.args)
    form.user.choices = [(0, _("Everyone"))] + [
        (user.id, user.name) for user in db.session.scalars(select(User).order_by(User.name))
    ]
    page = max(1, request.args.get("page", 1, type=int))
    if not form.validate():
        rows, has_next, status = [], False, 422
    else:
        zone = viewer_zone()
        where = reads.ReadFilter(
            user_id=form.user.data or None,
            customer_id=form.customer.data or None,
            place=form.place.data or None,
            since=datetime.combine(form.since.data, time.min, zone) if form.since.data else None,
            before=datetime.combine(form.until.data + timedelta(days=1), time.min, zone)
            if form.until.data
            else None,
        )
        rows = reads.reads(
            where, limit=READS_PER_PAGE + 1, offset=(min(page, 10_000) - 1) * READS_PER_PAGE
        )
        has_next, status = len(rows) > READS_PER_PAGE, 200
    rows = rows[:READS_PER_PAGE]
    return render_template(
        "privacy/reads.html",
        form=form,
        rows=rows,
        refs=reads.case_refs(rows),
        page=page,
        has_next=has_next,
        args={k: v for k, v in request.args.items() if k != "page"},
    ), status


# ---- the case page ---------------------------------------------------------------------------


def case_panel(case: Case, user: User) -> dict | None:
    """Beside a case: that it was anonymised (when, why), or that the customer's data shown
    on this page is logged — and the log itself, written here, once per page shown. A page
    without a customer's name, e-mail or phone logs nothing: the log is about personal data,
    not about cases (and stays small and meaningful)."""
    anonymised = services.anonymisation_of(case)
    shown = reads.shows_personal_data(case.customer)
    if shown:
        reads.note_read(
            user,
            place="case_page",
            address=request.remote_addr,
            customer_id=case.customer_id,
            case_id=case.id,
        )
    if anonymised is None and not shown:
        return None
    return {
        "anonymised": anonymised,
        "logged": shown,
        "officer": can_handle_privacy(user),
    }
