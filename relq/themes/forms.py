from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField
from wtforms.validators import Optional

from relq.cases.models import KINDS
from relq.forms import RelqForm

SOURCES = {
    "voice": _l("The customers' words"),
    "observation": _l("Front-line observations (気づき)"),
}


class ThemeFilterForm(RelqForm):
    class Meta:
        csrf = False

    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("Until"), validators=[Optional()])
    department = SelectField(_l("Department"), coerce=int, default=0, validators=[Optional()])
    kind = SelectField(
        _l("Kind"),
        choices=[("", _l("All kinds"))] + list(KINDS.items()),
        default="",
        validators=[Optional()],
    )
    source = SelectField(_l("Source"), choices=list(SOURCES.items()), default="voice")
