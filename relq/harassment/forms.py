from flask_babel import lazy_gettext as _l
from wtforms import DateTimeLocalField, HiddenField, RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from relq.cases.forms import MultiCheckboxField, NotInFuture
from relq.forms import RelqForm
from relq.harassment.models import ACTIONS, ASSESSMENTS, BEHAVIOURS, FIELD_LABELS

TEXT_MAX = 5000


def _choices(mapping):
    return [(code, label) for code, label in mapping.items()]


class FlagForm(RelqForm):
    # Empty: the person flagging bore it themselves.
    staff_member_id = SelectField(
        _l("Who bore it"), coerce=int, default=0, validators=[Optional()], validate_choice=False
    )


def _text(name, max_length=TEXT_MAX):
    return TextAreaField(FIELD_LABELS[name], validators=[Optional(), Length(max=max_length)])


def _choice(name, mapping, field_class=RadioField):
    return field_class(FIELD_LABELS[name], choices=_choices(mapping), validators=[Optional()])


class ReportForm(RelqForm):
    version = HiddenField(validators=[DataRequired()])
    behaviours = _choice("behaviours", BEHAVIOURS, MultiCheckboxField)
    # The MHLW manual's two questions (カスタマーハラスメント対策企業マニュアル).
    demand_valid = _choice("demand_valid", ASSESSMENTS)
    manner_acceptable = _choice("manner_acceptable", ASSESSMENTS)
    fact_when = _text("fact_when")
    fact_where = _text("fact_where")
    fact_who = _text("fact_who")
    fact_what = _text("fact_what")
    fact_why = _text("fact_why")
    fact_how = _text("fact_how")
    quotes = _text("quotes", TEXT_MAX * 2)
    evidence = _text("evidence")
    actions = _choice("actions", ACTIONS, MultiCheckboxField)


class FollowUpForm(RelqForm):
    held_at = DateTimeLocalField(
        _l("Talked with them at"),
        format="%Y-%m-%dT%H:%M",
        validators=[DataRequired(message=_l("Enter the date and time.")), NotInFuture()],
    )
    body = TextAreaField(
        _l("How they are, what was agreed"),
        validators=[DataRequired(), Length(max=TEXT_MAX)],
    )
