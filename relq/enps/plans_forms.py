"""The forms of the eNPS acting pages: an action plan, publishing a round's results to the
employees, and the Forms import (the upload, then the mapping on the preview). The services
check everything again: a stale or forged page gets the same answer. Choices are set by the
view."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, HiddenField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from relq.enps.models import PLAN_STATUSES
from relq.enps.plans import ISSUE_MAX, MEASURE_MAX
from relq.enps.published import MESSAGE_MAX
from relq.forms import RelqForm


class PlanForm(RelqForm):
    issue = TextAreaField(
        _l("Issue found"),
        validators=[
            DataRequired(message=_l("Say what the results showed.")),
            Length(max=ISSUE_MAX),
        ],
    )
    measure = TextAreaField(
        _l("Measure"),
        validators=[DataRequired(message=_l("Say what will be done.")), Length(max=MEASURE_MAX)],
    )
    owner_id = SelectField(
        _l("Owner"), coerce=int, default=0, validators=[Optional()], validate_choice=False
    )
    due_on = DateField(_l("Due (optional)"), validators=[Optional()])
    status = SelectField(
        _l("Status"),
        choices=list(PLAN_STATUSES.items()),
        default="planned",
        validators=[DataRequired()],
    )


class PublishForm(RelqForm):
    message = TextAreaField(
        _l("The measures decided (shown to every employee)"),
        validators=[
            DataRequired(message=_l("Say what was decided.")),
            Length(max=MESSAGE_MAX),
        ],
    )


class UploadForm(RelqForm):
    round_id = SelectField(
        _l("Survey round"),
        coerce=int,
        validators=[DataRequired(message=_l("Choose an open round."))],
        validate_choice=False,
    )
    file = FileField(
        _l("Exported file (CSV from Google Forms, Excel from Microsoft Forms)"),
        validators=[FileRequired(message=_l("Choose the exported file."))],
    )


class MappingForm(RelqForm):
    """The preview's form: the checked file travels signed in `payload`; which column feeds
    which answer, and which department or band each value of the file means, are its other
    fields (set by the view from the file)."""

    payload = HiddenField(validators=[DataRequired()])
    action = HiddenField()
