"""The forms of the handoff pages. The service checks everything again (the department, the
person, the step, the ratings, the due date): a stale page gets the same answer as a forged
one. Choices are set by the view."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from relq.forms import RelqForm
from relq.handoffs.models import ASK_MAX, COMMENT_MAX, MESSAGE_MAX, RATINGS, STEPS

RATING_CHOICES = [(n, str(n)) for n in RATINGS]
CHOOSE_A_RATING = _l("Choose from 1 to 5.")


class RequestForm(RelqForm):
    provider_department_id = SelectField(
        _l("Department asked"),
        coerce=int,
        validators=[DataRequired(message=_l("Choose the department you ask."))],
        validate_choice=False,
    )
    provider_user_id = SelectField(
        _l("Person asked (optional)"),
        coerce=int,
        default=0,
        validators=[Optional()],
        validate_choice=False,
    )
    ask = TextAreaField(
        _l("What you ask for"),
        validators=[DataRequired(message=_l("Say what you ask for.")), Length(max=ASK_MAX)],
    )
    why = TextAreaField(
        _l("Why it matters to the customer"), validators=[Optional(), Length(max=ASK_MAX)]
    )
    due_on = DateField(_l("Answer by (optional)"), validators=[Optional()])


class StepForm(RelqForm):
    action = HiddenField(validators=[DataRequired()])
    version = IntegerField(widget=HiddenField.widget, validators=[InputRequired()])
    body = TextAreaField(validators=[Optional(), Length(max=MESSAGE_MAX)])
    # "inbox": the one-click accept of the inbox goes back there.
    back = HiddenField()

    def validate_action(self, field) -> None:
        if field.data not in STEPS or field.data == "confirm":
            raise ValidationError(_l("This step does not exist."))


class ConfirmForm(RelqForm):
    version = IntegerField(widget=HiddenField.widget, validators=[InputRequired()])
    usefulness = RadioField(
        _l("How useful was the answer?"),
        choices=RATING_CHOICES,
        coerce=int,
        validators=[InputRequired(message=CHOOSE_A_RATING)],
    )
    speed = RadioField(
        _l("How quick was it?"),
        choices=RATING_CHOICES,
        coerce=int,
        validators=[InputRequired(message=CHOOSE_A_RATING)],
    )
    comment = TextAreaField(
        _l("Comment (optional)"), validators=[Optional(), Length(max=COMMENT_MAX)]
    )
    thanks = TextAreaField(
        _l("A thank-you to the people who answered (optional)"),
        validators=[Optional(), Length(max=COMMENT_MAX)],
    )


class MessageForm(RelqForm):
    body = TextAreaField(
        _l("Message"),
        validators=[DataRequired(message=_l("Write the message.")), Length(max=MESSAGE_MAX)],
    )


HOURS = [
    InputRequired(message=_l("Enter the hours.")),
    NumberRange(0, 9999, message=_l("Enter between %(min)s and %(max)s hours.")),
]


class PolicyForm(RelqForm):
    """The time one department has for requests from another, in business hours (9 a day)."""

    requester_department_id = SelectField(
        _l("Asking department"), coerce=int, validators=[DataRequired()], validate_choice=False
    )
    provider_department_id = SelectField(
        _l("Providing department"), coerce=int, validators=[DataRequired()], validate_choice=False
    )
    due_hours = IntegerField(_l("Time to answer (business hours)"), validators=HOURS)
    grace_hours = IntegerField(_l("Grace before it is stalled (business hours)"), validators=HOURS)
