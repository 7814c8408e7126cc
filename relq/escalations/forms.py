from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from relq.escalations.models import OUTCOMES


class DecisionForm(FlaskForm):
    outcome = RadioField(_l("Outcome"), choices=list(OUTCOMES.items()), validators=[DataRequired()])
    decision = TextAreaField(
        _l("Decision (経営判断)"), validators=[DataRequired(), Length(max=4000)]
    )


class CommentForm(FlaskForm):
    body = TextAreaField(_l("Comment"), validators=[DataRequired(), Length(max=4000)])


class OwnerForm(FlaskForm):
    owner_id = SelectField(_l("Owner"), coerce=int, default=0, validators=[Optional()])
