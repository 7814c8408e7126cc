from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, Field, RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from relq.escalations.models import OUTCOMES
from relq.forms import RelqForm

# More than a page of rows with all their reasons is not a selection a person made.
MAX_SELECTED = 500


class DecisionForm(RelqForm):
    outcome = RadioField(_l("Outcome"), choices=list(OUTCOMES.items()), validators=[DataRequired()])
    decision = TextAreaField(
        _l("Decision (経営判断)"), validators=[DataRequired(), Length(max=4000)]
    )


class CommentForm(RelqForm):
    body = TextAreaField(_l("Comment"), validators=[DataRequired(), Length(max=4000)])


class OwnerForm(RelqForm):
    owner_id = SelectField(_l("Owner"), coerce=int, default=0, validators=[Optional()])


class RowsField(Field):
    """The board's row checkboxes, all named alike, each carrying its escalations' ids
    ("12,13"): the escalation ids selected, in one list."""

    def _value(self) -> str:
        return ""

    def process_formdata(self, valuelist) -> None:
        ids: list[int] = []
        for value in valuelist:
            for part in str(value).split(","):
                part = part.strip()
                if not part.isdigit() or len(part) > 18:
                    self.data = []
                    raise ValueError(_l("Choose rows of the board."))
                ids.append(int(part))
        self.data = ids

    def pre_validate(self, form) -> None:
        if not self.data:
            raise ValidationError(_l("Select at least one row."))
        if len(self.data) > MAX_SELECTED:
            raise ValidationError(_l("Select fewer rows."))


class BulkDecisionForm(DecisionForm):
    """One decision (経営判断) that closes every escalation of the selected rows."""

    rows = RowsField(_l("Selected"), default=list)


class BulkOwnerForm(RelqForm):
    """An owner for every escalation of the selected rows; `take`: the actor takes them."""

    rows = RowsField(_l("Selected"), default=list)
    owner_id = SelectField(_l("Owner"), coerce=int, default=0, validators=[Optional()])
    take = BooleanField(_l("Take ownership"))
