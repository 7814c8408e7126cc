"""CSAT pages: the customer's survey (no login, the link is the credential; in the customer's
language) and the results (/csat/, scoped to the cases the reader may open)."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from relq.access import ANONYMOUS, allow
from relq.cases.models import CHANNELS
from relq.charts import line
from relq.csat import results, services
from relq.csat.access import READERS, can_read_results
from relq.csat.forms import WEEK_CHOICES, OptOutForm, ResultsFilterForm, SurveyForm
from relq.csat.models import SCORES, STATES, CsatSurvey
from relq.db import db, transaction, utcnow
from relq.errors import Invalid, NotFound
from relq.i18n import locale_code
from relq.nav import NavItem
from relq.org.models import Department
from relq.security import MAX_ID

bp = Blueprint("csat", __name__, url_prefix="/csat")

MENU = (NavItem("csat.index", _l("Customer satisfaction"), visible=can_read_results, order=66),)


# ---- the customer's page ----------------------------------------------------------------------


def _refused(error: Exception):
    """The same friendly page for every link that does not open a survey: unknown (404),
    answered already or expired (410)."""
    status = 404 if isinstance(error, NotFound) else 410
    return render_template("csat/refused.html", reason=getattr(error, "code", "link")), status


def _page(token: str, survey: CsatSurvey, form: SurveyForm, status: int = 200):
    return (
        render_template(
            "csat/survey.html",
            form=form,
            opt_out_form=OptOutForm(formdata=None),
            token=token,
            survey=survey,
        ),
        status,
    )


@bp.route("/s/<csat_token>", methods=["GET", "POST"])
@allow(ANONYMOUS)
def survey(csat_token: str):
    """The question 1-5 and a comment; one answer per link."""
    token = csat_token
    try:
        found = services.survey_for_token(token)
    except (NotFound, services.LinkGone) as error:
        return _refused(error)
    language = found.language
    with force_locale(language):
        if request.method == "GET":
            return _page(token, found, SurveyForm(formdata=None))
        form = SurveyForm()
        if not form.validate_on_submit():
            return _page(token, found, form, 422)
        try:
            with transaction():
                services.submit_answer(token, form.score.data, form.comment.data or "")
        except (NotFound, services.LinkGone) as error:
            return _refused(error)
        except Invalid as error:
            target = form.comment if error.code == "comment" else form.score
            target.errors = [*target.errors, _("This value is not accepted.")]
            return _page(token, found, form, 422)
        return redirect(url_for("csat.thanks", csat_token=token))


@bp.get("/s/<csat_token>/thanks")
@allow(ANONYMOUS)
def thanks(csat_token: str):
    """After the answer: thanks, and still the offer not to be asked again (a link not answered
    yet goes to its question)."""
    token = csat_token
    try:
        found = services.survey_of_link(token)
    except (NotFound, services.LinkGone) as error:
        return _refused(error)
    if found.state != "answered":
        return redirect(url_for("csat.survey", csat_token=token))
    with force_locale(found.language):
        return render_template(
            "csat/thanks.html",
            token=token,
            opt_out_form=OptOutForm(formdata=None),
            opted_out=found.case.customer is not None and found.case.customer.survey_opt_out,
        )


@bp.post("/s/<csat_token>/opt-out")
@allow(ANONYMOUS)
def opt_out(csat_token: str):
    """ "Do not ask me again": no more surveys to this customer."""
    token = csat_token
    form = OptOutForm()
    try:
        language = services.survey_of_link(token).language
    except (NotFound, services.LinkGone) as error:
        return _refused(error)
    with force_locale(language):
        if not form.validate_on_submit():
            return render_template("csat/refused.html", reason="form"), 422
        try:
            with transaction():
                services.opt_out(token)
        except (NotFound, services.LinkGone) as error:
            return _refused(error)
        return render_template("csat/opted_out.html")


# ---- results ----------------------------------------------------------------------------------


def _filters():
    form = ResultsFilterForm(request.args)
    locale = locale_code()
    departments = db.session.scalars(select(Department).order_by(Department.id)).all()
    form.department.choices = [(0, _("All departments"))] + [
        (d.id, d.name_for(locale)) for d in departments
    ]
    form.channel.choices = [("", _("All channels"))] + [(k, str(v)) for k, v in CHANNELS.items()]
    if not form.validate():
        raise Invalid("filters")
    weeks = form.weeks.data if form.weeks.data in WEEK_CHOICES else 12
    department_id = form.department.data or None
    if department_id is not None and not 0 < department_id <= MAX_ID:
        raise Invalid("department")
    return form, weeks, department_id, form.channel.data or None, departments


@bp.get("/")
@allow(*READERS)
def index():
    form, weeks, department_id, channel, departments = _filters()
    last = results.monday_of(utcnow())
    first = last - timedelta(weeks=weeks - 1)
    page = results.page(current_user, first, last, department_id=department_id, channel=channel)
    locale = locale_code()
    names = {d.id: d.name_for(locale) for d in departments}
    labels = [w.strftime("%m/%d") for w in page.weeks]
    chart = line(
        labels,
        {
            _("CSAT: share satisfied"): [r.csat_share for r in page.by_week],
            _("Response rate"): [r.response_rate for r in page.by_week],
        },
        title=_("Customer satisfaction per week"),
        unit="%",
        y_range=(0, 100),
        value_format="{:.0f}",
    )
    return render_template(
        "csat/results.html",
        form=form,
        page=page,
        chart=chart,
        names=names,
        channels=CHANNELS,
        weeks=list(zip(page.weeks, page.by_week, strict=True)),
    )


def case_panel(case, user) -> dict | None:
    """The case's survey on its page (the page is already the case's scope): whether it was
    sent, and the customer's score and comment once answered."""
    survey = db.session.scalar(select(CsatSurvey).where(CsatSurvey.case_id == case.id))
    if survey is None:
        return None
    return {"survey": survey, "now": utcnow(), "scores": SCORES, "states": STATES}
