from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from relq.cases.forms import EMAIL, PHONE
from relq.forms import RelqForm
from relq.privacy.models import MAX_RETENTION_DAYS, PURPOSE_MAX, READ_PLACES, REQUEST_KINDS
from relq.privacy.services import SEARCH_MAX

_days = [Optional(), NumberRange(min=1, max=MAX_RETENTION_DAYS)]
_days_hint = _l("Days after the case was closed; empty: kept without limit.")


class PolicyForm(RelqForm):
    purpose_ja = TextAreaField(
        _l("Purpose of use (Japanese)"), validators=[DataRequired(), Length(max=PURPOSE_MAX)]
    )
    purpose_en = TextAreaField(
        _l("Purpose of use (English)"), validators=[Optional(), Length(max=PURPOSE_MAX)]
    )
    contact_days = IntegerField(
        _l("Customer contact data (name, e-mail, phone)"), validators=_days, description=_days_hint
    )
    text_days = IntegerField(
        _l("Case free text (customer's words, remedy, notes, observations)"),
        validators=_days,
        description=_days_hint,
    )
    attachment_days = IntegerField(_l("Attachments"), validators=_days, description=_days_hint)


class SearchForm(RelqForm):
    class Meta:
        csrf = False

    q = StringField(
        _l("E-mail, phone or name"), validators=[Optional(), Length(min=2, max=SEARCH_MAX)]
    )


class RequestForm(RelqForm):
    kind = SelectField(_l("Request"), choices=list(REQUEST_KINDS.items()))
    received_on = DateField(_l("Received on"), validators=[InputRequired()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


class CloseRequestForm(RelqForm):
    status = SelectField(_l("Outcome"), choices=[("done", _l("Done")), ("refused", _l("Refused"))])
    outcome = TextAreaField(
        _l("What was done, or why not"), validators=[Optional(), Length(max=2000)]
    )


class CorrectForm(RelqForm):
    name = StringField(_l("Name"), validators=[Optional(), Length(max=120)])
    email = StringField(_l("E-mail"), validators=[Optional(), Length(max=254), EMAIL])
    phone = StringField(_l("Phone"), validators=[Optional(), PHONE])
    survey_opt_out = BooleanField(_l("Stop of use: no satisfaction surveys"))
    request_id = SelectField(_l("On request"), coerce=int, default=0)


class EraseForm(RelqForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])
    request_id = SelectField(_l("On request"), coerce=int, default=0)
    confirm = BooleanField(
        _l("I understand that this cannot be undone."), validators=[DataRequired()]
    )


class ExportForm(RelqForm):
    format = SelectField(
        _l("Format"), choices=[("zip", _l("JSON and CSV (zip)")), ("json", _l("JSON"))]
    )
    request_id = SelectField(_l("On request"), coerce=int, default=0)


class ReadFilterForm(RelqForm):
    class Meta:
        csrf = False

    user = SelectField(_l("Who"), coerce=int, default=0, validators=[Optional()])
    customer = IntegerField(
        _l("Customer number"), validators=[Optional(), NumberRange(min=1, max=2**31 - 1)]
    )
    place = SelectField(
        _l("Where"), choices=[("", _l("Everywhere")), *READ_PLACES.items()], default=""
    )
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("Until"), validators=[Optional()])
