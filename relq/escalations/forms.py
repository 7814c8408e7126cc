from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from relq.escalations.models import OUTCOMES
from relq.forms import RelqForm


class DecisionForm(RelqForm):
    outcome = RadioField(_l("Outcome"), choices=list(OUTCOMES.items()), validators=[DataRequired()])
    decision = TextAreaField(
        _l("Decision (経営判断)"), validators=[DataRequired(), Length(max=4000)]
    )


class CommentForm(RelqForm):
    body = TextAreaField(_l("Comment"), validators=[DataRequired(), Length(max=4000)])


class OwnerForm(RelqForm):
    owner_id = SelectField(_l("Owner"), coerce=int, default=0, validators=[Optional()])
