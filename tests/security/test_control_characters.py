"""Control characters in text: every field of every form refuses them, nothing is saved.

PostgreSQL's text cannot hold NUL (the insert fails: a 500), SQLite keeps it; the other
control characters are invisible on the page. Tab, CR and LF are ordinary text."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict
from wtforms import Form, SelectFieldBase, StringField

import relq
from relq.cases.models import Case
from relq.org.models import Department
from tests.cases.test_intake import _form


def _form_classes() -> list[type[Form]]:
    for module in pkgutil.iter_modules(relq.__path__):
        if module.ispkg:
            try:
                importlib.import_module(f"relq.{module.name}.forms")
            except ModuleNotFoundError as error:
                if error.name != f"relq.{module.name}.forms":
                    raise
    found, todo = [], [Form]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("relq."):
            found.append(cls)
    return sorted(set(found), key=lambda c: (c.__module__, c.__qualname__))


FORMS = _form_classes()


def _text_fields(cls) -> list[str]:
    form = cls(formdata=None, meta={"csrf": False})
    return [field.name for field in form if isinstance(field, StringField)]


def test_forms_with_text_fields_are_found():
    names = {cls.__name__ for cls in FORMS}
    assert {"IntakeForm", "NoteForm", "RuleForm", "TagForm", "ShareForm", "FilterForm"} <= names


def _validated(cls, values: dict[str, str]):
    form = cls(formdata=MultiDict(values), meta={"csrf": False})
    for field in form:
        # Choices the views fill in at request time.
        if isinstance(field, SelectFieldBase) and getattr(field, "choices", ()) is None:
            field.choices = []
    form.validate()
    return form


@pytest.mark.parametrize("cls", FORMS, ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_every_text_field_refuses_control_characters(app, cls):
    from relq.forms import CONTROL_CHARACTER_MESSAGE

    with app.test_request_context(method="POST"):
        message = str(CONTROL_CHARACTER_MESSAGE)
        for name in _text_fields(cls):
            for bad in ("ab\x00cd", "ab\x07cd", "\x1b[31m", "ab\x7fcd", "ab\x85cd"):
                form = _validated(cls, {name: bad})
                assert message in [str(e) for e in form[name].errors], (name, bad)
                assert not form.validate()
            fine = _validated(cls, {name: "一行目\t\r\n二行目"})
            assert message not in [str(e) for e in fine[name].errors]


def test_intake_with_nul_in_subject_answers_422_and_saves_nothing(org, login_as, session):
    client = login_as(org.operator)
    data = _form(client, subject="電気ケトル\x00の蓋")
    response = client.post("/cases/new", data)
    assert response.status_code == 422
    assert 'id="subject-error"' in response.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0
    # The same form with ordinary text is saved.
    data = _form(client, customer_words="一行目\r\n\t二行目")
    assert client.post("/cases/new", data).status_code == 302


def test_a_page_shown_again_for_a_control_character_answers_422(org, login_as, session):
    # The department form's view shows the page again with 200 for any refusal of its own.
    client = login_as(org.admin)
    token = client.csrf("/admin/departments/new")
    data = {"csrf_token": token, "code": "sales", "name_ja": "営業\x00部", "name_en": "Sales"}
    response = client.post("/admin/departments/new", data)
    assert response.status_code == 422
    assert session.scalar(sa.select(Department).where(Department.code == "sales")) is None


def test_a_search_with_a_control_character_is_no_error(org, login_as):
    client = login_as(org.operator)
    assert client.get("/cases/?q=%00").status_code < 500
    assert client.get("/thanks/?q=%00&page=%00").status_code < 500
