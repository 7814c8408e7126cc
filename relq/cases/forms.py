import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from flask_babel import get_timezone
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    Field,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from relq.cases.bulk import BULK_ACTIONS, BULK_LIMIT, BulkTarget
from relq.cases.models import CHANNELS, KINDS, NOTE_KINDS, SEVERITIES, STATUSES
from relq.cases.saved_views import NAME_MAX, QUERY_MAX
from relq.db import utcnow
from relq.forms import RelqForm

PHONE = Regexp(
    r"^[0-9０-９+\-ー－()（） ]{6,32}$",
    message=_l("Enter a phone number (digits, + - and brackets)."),
)
EMAIL = Regexp(
    r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Enter an e-mail address such as name@example.jp.")
)


def _choices(mapping):
    return [(str(code), label) for code, label in mapping.items()]


def to_utc(local_value):
    """A naive date-time typed in the viewer's zone, as an aware UTC time."""
    return local_value.replace(tzinfo=ZoneInfo(str(get_timezone()))).astimezone(ZoneInfo("UTC"))


class NotInFuture:
    def __call__(self, form, field):
        if field.data and to_utc(field.data) > utcnow() + timedelta(minutes=5):
            raise ValidationError(_l("The time cannot be in the future."))


class CaseFields(RelqForm):
    kind = SelectField(_l("Kind"), choices=_choices(KINDS), validators=[DataRequired()])
    channel = SelectField(_l("Channel"), choices=_choices(CHANNELS), validators=[DataRequired()])
    received_at = DateTimeLocalField(
        _l("Received at"),
        format="%Y-%m-%dT%H:%M",
        validators=[DataRequired(message=_l("Enter the date and time.")), NotInFuture()],
    )
    severity = SelectField(
        _l("Severity"),
        choices=_choices(SEVERITIES),
        coerce=int,
        default=3,
        validators=[DataRequired()],
    )
    product = StringField(_l("Product or service"), validators=[Optional(), Length(max=120)])
    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=200)])
    customer_words = TextAreaField(
        _l("The customer's own words"), validators=[DataRequired(), Length(max=10000)]
    )
    remedy_requested = TextAreaField(
        _l("What the customer asks for"), validators=[Optional(), Length(max=2000)]
    )


class IntakeForm(CaseFields):
    intake_token = HiddenField(validators=[DataRequired(), Length(min=16, max=64)])
    responsible_department_id = SelectField(
        _l("Route to department"), coerce=int, default=0, validators=[Optional()]
    )
    customer_name = StringField(_l("Customer name"), validators=[Optional(), Length(max=120)])
    customer_email = StringField(
        _l("Customer e-mail"), validators=[Optional(), Length(max=254), EMAIL]
    )
    customer_phone = StringField(_l("Customer phone"), validators=[Optional(), PHONE])
    # For the satisfaction survey after closing (relq/csat): the language it is written in, and
    # the customer's wish not to be asked.
    customer_language = SelectField(
        _l("Customer's language"),
        choices=[("", _l("Not known (Japanese)")), ("ja", "日本語"), ("en", "English")],
        default="",
        validators=[Optional()],
    )
    customer_survey_opt_out = BooleanField(_l("The customer does not want satisfaction surveys"))
    observation = TextAreaField(
        _l("Your front-line observation (気づき)"), validators=[Optional(), Length(max=5000)]
    )


class EditForm(CaseFields):
    version = HiddenField(validators=[DataRequired()])


class TransitionForm(RelqForm):
    action = HiddenField(validators=[DataRequired()])
    version = HiddenField(validators=[DataRequired()])
    department_id = SelectField(_l("Department"), coerce=int, default=0, validators=[Optional()])
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)])
    planned_for = DateField(_l("Planned for"), validators=[Optional()])


class AssignForm(RelqForm):
    version = HiddenField(validators=[DataRequired()])
    assignee_id = SelectField(_l("Assignee"), coerce=int, default=0, validators=[Optional()])


class NoteForm(RelqForm):
    kind = SelectField(
        _l("Kind of note"), choices=_choices(NOTE_KINDS), validators=[DataRequired()]
    )
    body = TextAreaField(_l("Note"), validators=[DataRequired(), Length(max=10000)])


SORT_CHOICES = {
    "-received_at": _l("Newest first"),
    "received_at": _l("Oldest first"),
    "severity": _l("Most severe first"),
    "-updated_at": _l("Recently updated"),
    "status": _l("Status"),
}


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as check boxes (in a drop-down on the list page)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class FilterForm(RelqForm):
    """The case list's filters, read from the query string (GET: nothing changes)."""

    class Meta:
        csrf = False

    status = SelectMultipleField(_l("Status"), choices=_choices(STATUSES), validators=[Optional()])
    kind = SelectMultipleField(_l("Kind"), choices=_choices(KINDS), validators=[Optional()])
    severity = SelectMultipleField(
        _l("Severity"), choices=_choices(SEVERITIES), coerce=int, validators=[Optional()]
    )
    channel = SelectMultipleField(
        _l("Channel"), choices=_choices(CHANNELS), validators=[Optional()]
    )
    department = SelectField(_l("Department"), coerce=int, default=0, validators=[Optional()])
    received_from = DateField(_l("Received from"), validators=[Optional()])
    received_until = DateField(_l("Received until"), validators=[Optional()])
    q = StringField(_l("Search"), validators=[Optional(), Length(max=200)])
    sort = SelectField(
        _l("Sort"),
        choices=list(SORT_CHOICES.items()),
        default="-received_at",
        validators=[Optional()],
    )
    tag = SelectField(_l("Tag"), default="", validators=[Optional()])
    mine = BooleanField(_l("Assigned to me"))
    page = IntegerField(default=1, validators=[Optional()])
    scope = HiddenField(default="open")


class PostForm(RelqForm):
    """A POST that carries nothing but its CSRF token (the export, deleting a saved view)."""


class TargetsField(Field):
    """The cases chosen on the list: check boxes valued "<case id>:<version shown>"."""

    widget = HiddenInput()

    def process_formdata(self, valuelist):
        self.data = []
        for value in valuelist:
            match = re.fullmatch(r"(\d{1,12}):(\d{1,9})", value or "")
            if match is None:
                self.data = None
                raise ValueError(_l("Choose cases from the list."))
            self.data.append(BulkTarget(int(match.group(1)), int(match.group(2))))

    def _value(self):
        return ""


def _at_least_one(form, field):
    if not field.data:
        raise ValidationError(_l("Choose at least one case."))
    if len(field.data) > BULK_LIMIT:
        raise ValidationError(_l("Choose at most %(num)d cases at a time.", num=BULK_LIMIT))


class BulkForm(RelqForm):
    """The list's bulk tools: the chosen cases, the action (the button pressed) and what it
    needs (the assignee, the department, a reason to reroute)."""

    case = TargetsField(validators=[_at_least_one])
    action = SelectField(choices=[(a, a) for a in BULK_ACTIONS], validators=[DataRequired()])
    assignee_id = SelectField(_l("Assignee"), coerce=int, default=0, validators=[Optional()])
    department_id = SelectField(_l("Department"), coerce=int, default=0, validators=[Optional()])
    reason = StringField(_l("Reason (to reroute)"), validators=[Optional(), Length(max=2000)])
    query = HiddenField(validators=[Optional(), Length(max=QUERY_MAX)])


class SaveViewForm(RelqForm):
    name = StringField(_l("Name of the view"), validators=[DataRequired(), Length(max=NAME_MAX)])
    query = HiddenField(validators=[Optional(), Length(max=QUERY_MAX)])
