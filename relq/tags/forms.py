from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional, Regexp

from relq.forms import RelqForm
from relq.tags.services import DECISIONS


class DecideForm(RelqForm):
    tag_id = IntegerField(validators=[DataRequired()])
    decision = HiddenField(validators=[DataRequired(), AnyOf(DECISIONS)])


class DecideAllForm(RelqForm):
    decision = HiddenField(validators=[DataRequired(), AnyOf(["accept", "reject"])])


class AddTagForm(RelqForm):
    tag_id = SelectField(_l("Add a tag"), coerce=int, validators=[DataRequired()])
    decision = HiddenField(default="add")


class TagForm(RelqForm):
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(),
            Regexp(
                r"^[a-z][a-z0-9_.-]{1,63}$", message=_l("Lower-case letters, digits, . - or _.")
            ),
        ],
    )
    parent_id = SelectField(_l("Category"), coerce=int, default=0, validators=[Optional()])
    name_ja = StringField(_l("Name (Japanese)"), validators=[DataRequired(), Length(max=80)])
    name_en = StringField(_l("Name (English)"), validators=[DataRequired(), Length(max=80)])
    triggers = TextAreaField(
        _l("Trigger phrases (one per line, Japanese or English)"),
        validators=[Optional(), Length(max=4000)],
    )
    is_active = BooleanField(_l("Active"), default=True)


class TrainForm(RelqForm):
    pass
