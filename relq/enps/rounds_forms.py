"""The forms of survey rounds, invitations and the respondent's page. The services check
everything again (relq/enps/rounds.py, collect.py): a stale page gets the same answer as a
forged one."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from relq.enps.collect import REASON_MAX
from relq.enps.models import KINDS, MIN_COMMENTS_FLOOR, MIN_GROUP_FLOOR
from relq.enps.rounds import NAME_MAX, THRESHOLD_MAX
from relq.forms import RelqForm

ITEMS_MAX = 4000


def items_text(items: list[tuple[str, str]]) -> str:
    """Items as the form shows them: one per line, "日本語 | English"."""
    return "\n".join(f"{ja} | {en}" for ja, en in items)


def parse_items(text: str) -> list[tuple[str, str]]:
    """ "日本語 | English" lines (the English name may be left out) -> (ja, en) pairs."""
    items = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        ja, _bar, en = line.partition("|")
        items.append((ja.strip(), en.strip()))
    return items


class RoundForm(RelqForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(message=_l("Name the round.")), Length(max=NAME_MAX)],
    )
    kind = SelectField(_l("Kind"), choices=list(KINDS.items()))
    period_start = DateField(
        _l("From"), validators=[InputRequired(message=_l("Enter the first day."))]
    )
    period_end = DateField(_l("To"), validators=[InputRequired(message=_l("Enter the last day."))])
    min_group = IntegerField(
        _l("Fewest answers for a group’s score"),
        default=MIN_GROUP_FLOOR,
        validators=[
            InputRequired(),
            NumberRange(
                MIN_GROUP_FLOOR,
                THRESHOLD_MAX,
                message=_l("At least %(min)s (it may be raised, never lowered)."),
            ),
        ],
    )
    min_comments = IntegerField(
        _l("Fewest answers for a group’s comments"),
        default=MIN_COMMENTS_FLOOR,
        validators=[
            InputRequired(),
            NumberRange(
                MIN_COMMENTS_FLOOR,
                THRESHOLD_MAX,
                message=_l("At least %(min)s (it may be raised, never lowered)."),
            ),
        ],
    )
    factors = TextAreaField(
        _l("Factor items (1-5), one per line: 日本語 | English"),
        validators=[Optional(), Length(max=ITEMS_MAX)],
    )
    levels = TextAreaField(
        _l("Job levels, one per line: 日本語 | English"),
        validators=[Optional(), Length(max=ITEMS_MAX)],
    )
    tenures = TextAreaField(
        _l("Tenure bands, one per line: 日本語 | English"),
        validators=[Optional(), Length(max=ITEMS_MAX)],
    )


class ConfirmForm(RelqForm):
    """Open or close a round: a POST with its CSRF token, nothing else."""


class InviteForm(RelqForm):
    department_ids = SelectMultipleField(
        _l("Everyone active in these departments"),
        coerce=int,
        validate_choice=False,
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
    )
    emails = TextAreaField(
        _l("And these addresses (one per line)"),
        validators=[Optional(), Length(max=300_000)],
    )


SCORE_CHOICES = [(n, str(n)) for n in range(11)]
FACTOR_CHOICES = [(n, str(n)) for n in range(1, 6)]
NOT_SAYING = 0


class SurveyForm(RelqForm):
    """The respondent's answer; the view adds one 1-5 field per factor of the round
    (`survey_form_class`)."""

    score = RadioField(
        _l("Score"),
        choices=SCORE_CHOICES,
        coerce=int,
        validators=[InputRequired(message=_l("Choose a number from 0 to 10."))],
    )
    reason = TextAreaField(
        _l("Why did you give this score?"),
        validators=[
            Optional(),
            Length(max=REASON_MAX, message=_l("At most %(max)d characters.")),
        ],
    )
    department_id = SelectField(
        _l("Your department"),
        coerce=int,
        validate_choice=False,
        validators=[DataRequired(message=_l("Choose your department."))],
    )
    level_band_id = SelectField(
        _l("Job level"), coerce=int, validate_choice=False, default=NOT_SAYING
    )
    tenure_band_id = SelectField(
        _l("Years at the company"), coerce=int, validate_choice=False, default=NOT_SAYING
    )


def factor_field_name(factor_id: int) -> str:
    return f"factor_{factor_id}"


def survey_form_class(factors) -> type[SurveyForm]:
    """SurveyForm with one optional 1-5 field per factor (named factor_<id>)."""
    fields = {
        factor_field_name(f.id): RadioField(
            f.name_ja,
            choices=FACTOR_CHOICES,
            coerce=int,
            validate_choice=False,
            validators=[Optional()],
        )
        for f in factors
    }
    return type("RoundSurveyForm", (SurveyForm,), fields)
