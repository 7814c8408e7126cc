from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, RadioField
from wtforms.validators import DataRequired, NumberRange, Optional

from relq.forms import RelqForm
from relq.notify.models import EMAIL_DELIVERIES, EVENTS

_ID = NumberRange(min=1, max=2**63 - 1)


class ReadForm(RelqForm):
    id = IntegerField(validators=[DataRequired(), _ID])
    # Mark the whole group (the notification's case and kind) read.
    group = BooleanField()


class ReadAllForm(RelqForm):
    # The newest notification the reader was shown: what arrived since stays unread.
    up_to = IntegerField(validators=[Optional(), _ID])


class PreferencesForm(RelqForm):
    """Two checkboxes per event, named `<event>-in_app` and `<event>-email` (added below), and
    how e-mails reach the person."""

    email_delivery = RadioField(
        _l("E-mails"), choices=list(EMAIL_DELIVERIES.items()), default="each"
    )

    def choices(self, events) -> dict[str, tuple[bool, bool]]:
        return {e: (self[f"{e}-in_app"].data, self[f"{e}-email"].data) for e in events}

    @classmethod
    def filled(
        cls, preferences: dict[str, tuple[bool, bool]], email_delivery: str = "each"
    ) -> "PreferencesForm":
        """The form showing `preferences` (a submitted form's boxes take precedence)."""
        data: dict[str, object] = {"email_delivery": email_delivery}
        for event, (in_app, email) in preferences.items():
            data[f"{event}-in_app"], data[f"{event}-email"] = in_app, email
        return cls(data=data)


for _event in EVENTS:
    setattr(PreferencesForm, f"{_event}-in_app", BooleanField(_l("In the app")))
    setattr(PreferencesForm, f"{_event}-email", BooleanField(_l("By e-mail")))
