from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField
from wtforms.validators import InputRequired, NumberRange, Optional

from relq.deadlines.models import PolicyMinutes
from relq.forms import RelqForm

# Each duration is typed as business hours and minutes (one working day is 9 hours).
DURATIONS = {
    "acknowledge": _l("Acknowledgement by the department"),
    "first_response": _l("First response to the customer"),
    "resolution": _l("Resolution"),
    "warn": _l("Warn this long before a deadline"),
}
HOURS = [
    InputRequired(message=_l("Enter the hours (0 or more).")),
    NumberRange(0, 9999, message=_l("Enter between %(min)s and %(max)s hours.")),
]
MINUTES = [
    InputRequired(message=_l("Enter the minutes (0 to 59).")),
    NumberRange(0, 59, message=_l("Enter between %(min)s and %(max)s minutes.")),
]


class PolicyForm(RelqForm):
    acknowledge_hours = IntegerField(_l("Hours"), validators=HOURS)
    acknowledge_minutes = IntegerField(_l("Minutes"), validators=MINUTES)
    first_response_hours = IntegerField(_l("Hours"), validators=HOURS)
    first_response_minutes = IntegerField(_l("Minutes"), validators=MINUTES)
    resolution_hours = IntegerField(_l("Hours"), validators=HOURS)
    resolution_minutes = IntegerField(_l("Minutes"), validators=MINUTES)
    warn_hours = IntegerField(_l("Hours"), validators=HOURS)
    warn_minutes = IntegerField(_l("Minutes"), validators=MINUTES)

    def fill(self, minutes: PolicyMinutes) -> None:
        for name in DURATIONS:
            hours, rest = divmod(getattr(minutes, name), 60)
            getattr(self, f"{name}_hours").data = hours
            getattr(self, f"{name}_minutes").data = rest

    def minutes(self) -> PolicyMinutes:
        return PolicyMinutes(
            **{
                name: getattr(self, f"{name}_hours").data * 60
                + getattr(self, f"{name}_minutes").data
                for name in DURATIONS
            }
        )

    def pair(self, name: str):
        return getattr(self, f"{name}_hours"), getattr(self, f"{name}_minutes")


class AttainmentFilterForm(RelqForm):
    class Meta:
        csrf = False  # a GET filter

    department = SelectField(_l("Department"), coerce=int, validators=[Optional()])
