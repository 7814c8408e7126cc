"""The management review's forms: a new review for a period, the review's minutes, an action.
The services check everything again; choices are set by the views."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from relq.forms import RelqForm
from relq.review.models import ACTION_STATUSES, PERIOD_KINDS, REVIEW_STATUSES
from relq.review.services import (
    ATTENDEES_MAX,
    CONCLUSIONS_MAX,
    DESCRIPTION_MAX,
    OUTCOME_MAX,
    TITLE_MAX,
)


class NewReviewForm(RelqForm):
    period_kind = SelectField(_l("Period"), choices=list(PERIOD_KINDS.items()), default="quarter")
    year = IntegerField(
        _l("Year (fiscal year for a fiscal quarter)"),
        validators=[Optional(), NumberRange(min=2000, max=2099)],
    )
    quarter = SelectField(
        _l("Quarter"),
        coerce=int,
        choices=[(1, "Q1"), (2, "Q2"), (3, "Q3"), (4, "Q4")],
        validators=[Optional()],
    )
    start = DateField(_l("From (custom period)"), validators=[Optional()])
    end = DateField(_l("To (custom period, included)"), validators=[Optional()])
    title = StringField(_l("Title (optional)"), validators=[Optional(), Length(max=TITLE_MAX)])


class ReviewForm(RelqForm):
    version = HiddenField()
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=TITLE_MAX)])
    status = SelectField(_l("Status"), choices=list(REVIEW_STATUSES.items()))
    held_on = DateField(_l("Held on"), validators=[Optional()])
    attendees = TextAreaField(_l("Attendees"), validators=[Optional(), Length(max=ATTENDEES_MAX)])
    conclusions = TextAreaField(
        _l("Conclusions and decisions"), validators=[Optional(), Length(max=CONCLUSIONS_MAX)]
    )


class ActionForm(RelqForm):
    version = HiddenField()
    description = TextAreaField(
        _l("Action"),
        validators=[
            DataRequired(message=_l("Say what is to be done.")),
            Length(max=DESCRIPTION_MAX),
        ],
    )
    owner_department_id = SelectField(
        _l("Owner department"),
        coerce=int,
        validators=[InputRequired()],
        validate_choice=False,
    )
    due_on = DateField(_l("Due (optional)"), validators=[Optional()])
    status = SelectField(_l("Status"), choices=list(ACTION_STATUSES.items()), default="open")
    tag_id = SelectField(
        _l("About the category (optional)"), coerce=int, default=0, validate_choice=False
    )
    surge_alert_id = SelectField(
        _l("About the surge (optional)"), coerce=int, default=0, validate_choice=False
    )
    outcome = TextAreaField(
        _l("Outcome (optional)"), validators=[Optional(), Length(max=OUTCOME_MAX)]
    )
