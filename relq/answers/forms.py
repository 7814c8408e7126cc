from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, IntegerField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from relq.answers.models import ANSWERS
from relq.forms import RelqForm


class AnswerForm(RelqForm):
    """A lead's answer to the front line (answers.services.answer_case)."""

    answer = HiddenField(validators=[DataRequired(), AnyOf(list(ANSWERS))])
    version = IntegerField(validators=[DataRequired()])
    body = TextAreaField(_l("What was done, or why not"), validators=[Optional(), Length(max=2000)])
    planned_for = DateField(_l("Planned for"), validators=[Optional()])
    # Where to go back to: the inbox (one-click 受領) or the case page.
    back = HiddenField(validators=[Optional(), AnyOf(["inbox", "case"])])
