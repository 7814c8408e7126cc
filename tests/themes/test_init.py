"""`flask relq init` loads the starter tag list of the industries chosen, or none."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from relq.db import db
from relq.tags.defaults import DEMO_INDUSTRIES, INDUSTRIES, starter_list
from relq.tags.models import Tag


def _codes() -> set[str]:
    return set(db.session.scalars(sa.select(Tag.code).where(Tag.parent_id.is_not(None))))


@pytest.mark.parametrize("industry", list(INDUSTRIES))
def test_init_loads_the_template_of_an_industry(app, industry):
    result = app.test_cli_runner().invoke(args=["relq", "init", "--industry", industry])
    assert result.exit_code == 0, result.output
    db.session.rollback()
    assert _codes() == set(INDUSTRIES[industry][2])
    names = set(db.session.scalars(sa.select(Tag.name_ja)))
    if industry != "food":
        # The food list's 表示・アレルゲン misfired on a car's dashboard display.
        assert "表示・アレルゲン" not in names
    if industry == "vehicles":
        assert {"エンジン・駆動系", "ブレーキ・安全装置"} <= names
    if industry == "finance":
        assert "不正利用・詐欺" in names and "配送遅延" not in names
    # Running init again changes nothing (the list is the admins' from now on).
    again = app.test_cli_runner().invoke(args=["relq", "init", "--industry", "food"])
    assert again.exit_code == 0 and "not empty" in again.output
    db.session.rollback()
    assert _codes() == set(INDUSTRIES[industry][2])


def test_init_without_an_industry_leaves_the_tag_list_empty(app):
    result = app.test_cli_runner().invoke(args=["relq", "init"])
    assert result.exit_code == 0, result.output
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Tag.id))) == 0


def test_init_refuses_an_unknown_industry(app):
    result = app.test_cli_runner().invoke(args=["relq", "init", "--industry", "mining"])
    assert result.exit_code != 0 and "mining" in result.output


def test_templates_merge_and_the_demo_fits_its_own(app):
    result = app.test_cli_runner().invoke(
        args=["relq", "init", *[a for i in DEMO_INDUSTRIES for a in ("--industry", i)]]
    )
    assert result.exit_code == 0, result.output
    db.session.rollback()
    categories, tags = starter_list(DEMO_INDUSTRIES)
    assert _codes() == {t[0] for t in tags}
    # Every tag the demo data carries is there.
    from relq.demo.loader import THEME_TAGS

    assert {c for c in THEME_TAGS.values() if c} <= _codes()
    # Each tag of the catalogue sits in a category the merged list has.
    assert {t[0].split(".")[0] for t in tags} == {c[0] for c in categories}
