"""eNPS collection pages: the admins' survey rounds (list, create and edit while draft, open,
close, invite), and the respondent's page behind a one-time link (no login).

Thin views: load, check the named permission, call one service in a transaction, respond.
The respondent's page writes no log line and no audit event, and its link's token is neither
stored nor shown anywhere but in the link itself.
"""

from __future__ import annotations

import base64
from contextlib import nullcontext

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from relq import charts
from relq.access import ANONYMOUS, allow, require
from relq.db import transaction
from relq.enps import collect, rounds
from relq.enps.access import can_manage_rounds
from relq.enps.models import BAND_DIMENSIONS, KINDS, ROUND_STATUSES
from relq.enps.rounds_forms import (
    NOT_SAYING,
    ConfirmForm,
    InviteForm,
    RoundForm,
    factor_field_name,
    items_text,
    parse_items,
    survey_form_class,
)
from relq.errors import Conflict, Invalid, NotFound
from relq.i18n import locale_code
from relq.nav import NavItem
from relq.org.services import department_choices

bp = Blueprint("rounds", __name__)
# The survey links' tokens stay out of the access logs of the server that serves the app.
bp.record_once(lambda _state: collect.redact_survey_links_in_access_logs())

# What this part adds to the eNPS capability (relq/enps/capability.py gathers them).
MENU: tuple[NavItem, ...] = (
    NavItem("enps.rounds.index", _l("Employee survey"), visible=can_manage_rounds, order=72),
)
AUDIT_LABELS: dict = {
    "enps_round.created": _l("Survey round created"),
    "enps_round.updated": _l("Survey round changed"),
    "enps_round.opened": _l("Survey round opened"),
    "enps_round.closed": _l("Survey round closed"),
    "enps_round.invited": _l("Survey links issued"),
    "enps_round.reminded": _l("Survey reminders sent"),
}
AUDIT_OBJECTS: dict = {"enps_round": _l("Survey round")}


# A round's status in words of its own: "Open" and "Closed" are a case's words elsewhere.
ROUND_STATUS_WORDS = {
    "draft": ROUND_STATUSES["draft"],
    "open": _l("Taking answers"),
    "closed": _l("Closed for answers"),
}


@bp.app_context_processor
def enps_round_vocabulary() -> dict:
    return {
        "ENPS_KINDS": KINDS,
        "ENPS_ROUND_STATUSES": ROUND_STATUS_WORDS,
        "ENPS_BAND_DIMENSIONS": BAND_DIMENSIONS,
    }


# ---- the admins' pages ------------------------------------------------------------------------


@bp.get("/rounds/")
@allow("admin")
def index():
    require(can_manage_rounds(current_user))
    found = rounds.rounds_newest_first()
    counts = rounds.invitation_counts([r.id for r in found])
    with_links = [r for r in reversed(found) if r.id in counts][-12:]
    chart = (
        charts.bar(
            [r.name for r in with_links],
            {_("Response rate"): [rounds.response_rate(*counts[r.id]) for r in with_links]},
            unit="%",
            value_range=(0, 100),
        )
        if with_links
        else None
    )
    return render_template(
        "enps/rounds/index.html",
        rounds=found,
        counts=counts,
        rate=rounds.response_rate,
        chart=chart,
    )


ROUND_ERRORS = {
    "name": ("name", lambda: _("Name the round (at most %(n)d characters).", n=rounds.NAME_MAX)),
    "kind": ("kind", lambda: _("Choose census or pulse.")),
    "period": ("period_end", lambda: _("The last day must not be before the first.")),
    "min_group": (
        "min_group",
        lambda: _("At least %(min)s (it may be raised, never lowered).", min=5),
    ),
    "min_comments": (
        "min_comments",
        lambda: _("At least %(min)s (it may be raised, never lowered).", min=10),
    ),
    "factors": (
        "factors",
        lambda: _("Each item once, at most %(n)d characters per name.", n=rounds.ITEM_NAME_MAX),
    ),
    "levels": (
        "levels",
        lambda: _("Each item once, at most %(n)d characters per name.", n=rounds.ITEM_NAME_MAX),
    ),
    "tenures": (
        "tenures",
        lambda: _("Each item once, at most %(n)d characters per name.", n=rounds.ITEM_NAME_MAX),
    ),
}


def _round_input(form: RoundForm) -> rounds.RoundInput:
    return rounds.RoundInput(
        name=form.name.data or "",
        kind=form.kind.data,
        period_start=form.period_start.data,
        period_end=form.period_end.data,
        min_group=form.min_group.data,
        min_comments=form.min_comments.data,
        factors=parse_items(form.factors.data),
        levels=parse_items(form.levels.data),
        tenures=parse_items(form.tenures.data),
    )


def _fill(form: RoundForm, items: dict[str, list[tuple[str, str]]]) -> None:
    form.factors.data = items_text(items["factors"])
    form.levels.data = items_text(items["levels"])
    form.tenures.data = items_text(items["tenures"])


def _save_round(form: RoundForm, survey_round=None):
    """Validate and save; the page again with its fields marked (422) when refused."""
    if form.validate_on_submit():
        try:
            with transaction():
                if survey_round is None:
                    saved = rounds.create_round(_round_input(form), actor=current_user)
                else:
                    saved = rounds.get_round_or_404(survey_round.id)
                    rounds.update_round(saved, _round_input(form), actor=current_user)
        except Invalid as error:
            if error.code not in ROUND_ERRORS:
                raise
            name, words = ROUND_ERRORS[error.code]
            form[name].errors = [*form[name].errors, words()]
        else:
            flash(_("The survey round was saved."), "success")
            return redirect(url_for("enps.rounds.detail", round_id=saved.id))
    return render_template("enps/rounds/edit.html", form=form, survey_round=survey_round), 422


@bp.route("/rounds/new", methods=["GET", "POST"])
@allow("admin")
def new():
    require(can_manage_rounds(current_user))
    if request.method == "POST":
        return _save_round(RoundForm())
    form = RoundForm(formdata=None)
    copy = request.args.get("copy", "")
    source = None
    if copy.isdigit() and len(copy) < 10:
        try:
            source = rounds.get_round_or_404(int(copy))
        except NotFound:
            source = None
    if source is not None:
        # A pulse round asks the same items as the round it follows.
        _fill(form, rounds.items_of(source))
        form.kind.data = "pulse"
        form.min_group.data, form.min_comments.data = source.min_group, source.min_comments
    else:
        _fill(form, rounds.items_of_defaults())
    return render_template(
        "enps/rounds/edit.html",
        form=form,
        survey_round=None,
        copied_from=source,
        sources=rounds.rounds_newest_first(),
    )


@bp.route("/rounds/<int:round_id>/edit", methods=["GET", "POST"])
@allow("admin")
def edit(round_id: int):
    require(can_manage_rounds(current_user))
    survey_round = rounds.get_round_or_404(round_id)
    if survey_round.status != "draft":
        raise Conflict("round_closed" if survey_round.is_closed else "round_state")
    if request.method == "POST":
        return _save_round(RoundForm(), survey_round)
    form = RoundForm(
        formdata=None,
        name=survey_round.name,
        kind=survey_round.kind,
        period_start=survey_round.period_start,
        period_end=survey_round.period_end,
        min_group=survey_round.min_group,
        min_comments=survey_round.min_comments,
    )
    _fill(form, rounds.items_of(survey_round))
    return render_template("enps/rounds/edit.html", form=form, survey_round=survey_round)


def _detail_page(survey_round, invite_form: InviteForm | None = None, status: int = 200):
    if invite_form is None:
        invite_form = InviteForm(formdata=None)
    invite_form.department_ids.choices = department_choices(locale_code())
    invited, used = rounds.invitation_counts([survey_round.id]).get(survey_round.id, (0, 0))
    return (
        render_template(
            "enps/rounds/detail.html",
            survey_round=survey_round,
            items=rounds.items_of(survey_round),
            invited=invited,
            used=used,
            rate=rounds.response_rate(invited, used),
            confirm_form=ConfirmForm(formdata=None),
            invite_form=invite_form,
            mail_is_on=collect.mail_is_on(),
        ),
        status,
    )


@bp.get("/rounds/<int:round_id>")
@allow("admin")
def detail(round_id: int):
    require(can_manage_rounds(current_user))
    return _detail_page(rounds.get_round_or_404(round_id))


def _state_change(round_id: int, service, message):
    require(can_manage_rounds(current_user))
    rounds.get_round_or_404(round_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _detail_page(rounds.get_round_or_404(round_id), status=422)
    with transaction():
        survey_round = rounds.get_round_or_404(round_id)
        service(survey_round, actor=current_user)
    flash(message(), "success")
    return redirect(url_for("enps.rounds.detail", round_id=round_id))


@bp.post("/rounds/<int:round_id>/open")
@allow("admin")
def open_round(round_id: int):
    return _state_change(
        round_id,
        rounds.open_round,
        lambda: _("The round is open: send its links to the employees."),
    )


@bp.post("/rounds/<int:round_id>/close")
@allow("admin")
def close_round(round_id: int):
    return _state_change(
        round_id, rounds.close_round, lambda: _("The round is closed. It is read-only now.")
    )


@bp.post("/rounds/<int:round_id>/invite")
@allow("admin")
def invite(round_id: int):
    """Make one-time links; show them once (page or CSV) and mail them if mail is set up."""
    require(can_manage_rounds(current_user))
    survey_round = rounds.get_round_or_404(round_id)
    form = InviteForm()
    form.department_ids.choices = department_choices(locale_code())
    if not form.validate_on_submit():
        return _detail_page(survey_round, form, 422)
    try:
        emails = collect.parse_addresses(form.emails.data or "")
        with transaction():
            survey_round = rounds.get_round_or_404(round_id)
            result = collect.invite(
                survey_round,
                actor=current_user,
                department_ids=form.department_ids.data or [],
                emails=emails,
            )
            links = [
                url_for("enps.rounds.survey", token=i.token, _external=True) for i in result.issued
            ]
            collect.mail_invitations(survey_round, result.issued, links)
    except Invalid as error:
        if error.code == "emails":
            words = (
                _("This is not an e-mail address: %(word)s", word=error.args[1])
                if len(error.args) > 1
                else _("Too many addresses.")
            )
        elif error.code == "departments":
            words = _("Choose active departments.")
        elif error.code == "nobody":
            words = _("Choose departments with active people, or paste addresses.")
        else:
            raise
        target = form.emails if error.code == "emails" else form.department_ids
        target.errors = [*target.errors, words]
        return _detail_page(survey_round, form, 422)
    rows = [(i.email, link) for i, link in zip(result.issued, links, strict=True)]
    csv_text = collect.links_csv(rows)
    if request.form.get("as") == "csv":
        return Response(
            csv_text,
            mimetype="text/csv",
            headers={
                "Content-Disposition": f'attachment; filename="survey-links-{round_id}.csv"',
                "Cache-Control": "no-store",
            },
        )
    return render_template(
        "enps/rounds/links.html",
        survey_round=survey_round,
        issued=list(zip(result.issued, links, strict=True)),
        already_used=result.already_used,
        mailed=collect.mail_is_on(),
        csv_href="data:text/csv;charset=utf-8;base64,"
        + base64.b64encode(csv_text.encode("utf-8")).decode("ascii"),
    )


@bp.post("/rounds/<int:round_id>/remind")
@allow("admin")
def remind(round_id: int):
    """New links by e-mail to everyone who has not answered yet; the page says how many only."""
    require(can_manage_rounds(current_user))
    rounds.get_round_or_404(round_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _detail_page(rounds.get_round_or_404(round_id), status=422)
    try:
        with transaction():
            survey_round = rounds.get_round_or_404(round_id)
            issued = collect.remind(survey_round, actor=current_user)
            links = [url_for("enps.rounds.survey", token=i.token, _external=True) for i in issued]
            collect.mail_invitations(survey_round, issued, links)
    except Invalid as error:
        if error.code != "mail_off":
            raise
        flash(_("Reminders are sent by e-mail, and e-mail is not set up."), "error")
        return redirect(url_for("enps.rounds.detail", round_id=round_id))
    flash(
        _(
            "%(n)d reminders with new links are being e-mailed (their earlier links no longer "
            "work).",
            n=len(issued),
        ),
        "success",
    )
    return redirect(url_for("enps.rounds.detail", round_id=round_id))


# ---- the respondent's page (no login) ---------------------------------------------------------


def _chosen_language():
    """?lang=en or ?lang=ja chooses the page's language; otherwise the visitor's choice (the
    language switch) or Japanese."""
    lang = request.args.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        return lang, force_locale(lang)
    return "", nullcontext()


def _refused(code: str, status: int):
    return render_template("enps/survey/refused.html", reason=code), status


def _survey_form(survey_round, formdata=None):
    locale = locale_code()
    choices = collect.form_choices(survey_round, locale)
    form_class = survey_form_class(choices["factors"])
    form = form_class(formdata) if formdata is not None else form_class(formdata=None)
    form.department_id.choices = [(0, _("Choose your department"))] + choices["departments"]
    not_saying = (NOT_SAYING, _("Prefer not to say"))
    form.level_band_id.choices = [not_saying] + [
        (b.id, b.name_for(locale)) for b in choices["levels"]
    ]
    form.tenure_band_id.choices = [not_saying] + [
        (b.id, b.name_for(locale)) for b in choices["tenures"]
    ]
    for factor in choices["factors"]:
        form[factor_field_name(factor.id)].label.text = factor.name_for(locale)
    return form, choices


def _survey_page(token: str, lang: str, survey_round, form, choices, status: int = 200):
    return (
        render_template(
            "enps/survey/form.html",
            survey_round=survey_round,
            form=form,
            factors=[(f, form[factor_field_name(f.id)]) for f in choices["factors"]],
            action=url_for("enps.rounds.survey", token=token, **({"lang": lang} if lang else {})),
            lang=lang,
            token=token,
            min_group=survey_round.min_group,
            min_comments=survey_round.min_comments,
        ),
        status,
    )


@bp.route("/survey/<token>", methods=["GET", "POST"])
@allow(ANONYMOUS)
def survey(token: str):
    """The anonymity statement, then the form; one answer per link."""
    lang, language = _chosen_language()
    with language:
        try:
            survey_round = collect.round_for_token(token)
        except NotFound:
            return _refused("link", 404)
        except Conflict:
            return _refused("round", 409)
        if request.method == "GET":
            form, choices = _survey_form(survey_round)
            return _survey_page(token, lang, survey_round, form, choices)
        form, choices = _survey_form(survey_round, request.form)
        if not form.validate_on_submit():
            return _survey_page(token, lang, survey_round, form, choices, 422)
        answer = collect.Answer(
            score=form.score.data,
            department_id=form.department_id.data,
            factor_values={f.id: form[factor_field_name(f.id)].data for f in choices["factors"]},
            reason=form.reason.data or "",
            level_band_id=form.level_band_id.data or None,
            tenure_band_id=form.tenure_band_id.data or None,
        )
        try:
            with transaction():
                collect.submit_answer(token, answer)
        except NotFound:
            return _refused("link", 404)
        except Conflict:
            return _refused("round", 409)
        except Invalid as error:
            target = {
                "score": form.score,
                "department": form.department_id,
                "level": form.level_band_id,
                "tenure": form.tenure_band_id,
                "reason": form.reason,
            }.get(error.code, form.score)
            target.errors = [*target.errors, _("This value is not accepted.")]
            return _survey_page(token, lang, survey_round, form, choices, 422)
        return redirect(url_for("enps.rounds.thanks", **({"lang": lang} if lang else {})))


@bp.get("/survey/thanks")
@allow(ANONYMOUS)
def thanks():
    _lang, language = _chosen_language()
    with language:
        return render_template("enps/survey/thanks.html")
