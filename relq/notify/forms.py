from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField
from wtforms.validators import DataRequired

from relq.forms import RelqForm
from relq.notify.models import EVENTS


class ReadForm(RelqForm):
    id = IntegerField(validators=[DataRequired()])


class ReadAllForm(RelqForm):
    pass


class PreferencesForm(RelqForm):
    """Two checkboxes per event, named `<event>-in_app` and `<event>-email` (added below)."""

    def choices(self, events) -> dict[str, tuple[bool, bool]]:
        return {e: (self[f"{e}-in_app"].data, self[f"{e}-email"].data) for e in events}

    @classmethod
    def filled(cls, preferences: dict[str, tuple[bool, bool]]) -> "PreferencesForm":
        """The form showing `preferences` (a submitted form's boxes take precedence)."""
        data = {}
        for event, (in_app, email) in preferences.items():
            data[f"{event}-in_app"], data[f"{event}-email"] = in_app, email
        return cls(data=data)


for _event in EVENTS:
    setattr(PreferencesForm, f"{_event}-in_app", BooleanField(_l("In the app")))
    setattr(PreferencesForm, f"{_event}-email", BooleanField(_l("By e-mail")))
