"""The customer's survey form (with its CSRF token) and the results page's filters."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from relq.csat.models import COMMENT_MAX, SCORES
from relq.forms import RelqForm

WEEK_CHOICES = (4, 12, 26, 52)


class SurveyForm(RelqForm):
    score = RadioField(
        _l("Overall, how satisfied are you with how we handled your enquiry?"),
        choices=[(value, label) for value, label in SCORES.items()],
        coerce=int,
        validators=[InputRequired(message=_l("Choose one answer."))],
    )
    comment = TextAreaField(
        _l("Anything you would like to tell us? (optional)"),
        validators=[Optional(), Length(max=COMMENT_MAX)],
    )


class OptOutForm(RelqForm):
    """ "Do not ask me again": only its CSRF token."""


class ResultsFilterForm(RelqForm):
    """The results page's filters, read from the query string (GET changes nothing)."""

    class Meta:
        csrf = False

    weeks = SelectField(
        _l("Period"),
        choices=[(n, _l("Last %(n)d weeks", n=n)) for n in WEEK_CHOICES],
        coerce=int,
        default=12,
        validators=[Optional()],
    )
    department = SelectField(_l("Department"), coerce=int, default=0, validators=[Optional()])
    channel = SelectField(_l("Channel"), default="", validators=[Optional()])
