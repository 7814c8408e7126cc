from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from relq.cases.forms import MultiCheckboxField, _choices
from relq.cases.models import CHANNELS, KINDS, SEVERITIES
from relq.forms import RelqForm


class RuleForm(RelqForm):
    name = StringField(_l("Rule name"), validators=[DataRequired(), Length(max=120)])
    department_id = SelectField(_l("Route to department"), coerce=int, validators=[DataRequired()])
    kinds = MultiCheckboxField(_l("Kind is"), choices=_choices(KINDS), validators=[Optional()])
    channels = MultiCheckboxField(
        _l("Channel is"), choices=_choices(CHANNELS), validators=[Optional()]
    )
    severities = MultiCheckboxField(
        _l("Severity is"), choices=_choices(SEVERITIES), validators=[Optional()]
    )
    tags = MultiCheckboxField(_l("Has one of the tags"), validators=[Optional()])
    products = TextAreaField(
        _l("Product contains (one per line)"), validators=[Optional(), Length(max=2000)]
    )
    words = TextAreaField(
        _l("The customer's words contain (one per line)"), validators=[Optional(), Length(max=2000)]
    )
    is_active = BooleanField(_l("Active"), default=True)
    action = HiddenField(default="save", validators=[AnyOf(("save", "preview"))])

    def conditions(self) -> dict[str, list]:
        def lines(text: str | None) -> list[str]:
            return [line.strip() for line in (text or "").splitlines() if line.strip()]

        return {
            "kinds": self.kinds.data or [],
            "channels": self.channels.data or [],
            "severities": [int(v) for v in self.severities.data or []],
            "tags": self.tags.data or [],
            "products": lines(self.products.data),
            "words": lines(self.words.data),
        }


class MoveForm(RelqForm):
    direction = HiddenField(validators=[AnyOf(("up", "down"))])
