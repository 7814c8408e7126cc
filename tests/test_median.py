"""relq.db.median: the same answer from PostgreSQL's percentile_cont and SQLite's aggregate of
relq's own, beside other aggregates of one GROUP BY."""

from __future__ import annotations

import sqlalchemy as sa

from relq.db import median


def test_median_per_group_skips_nulls_and_averages_the_middle_pair(session):
    values = sa.union_all(
        *(
            sa.select(sa.literal(key).label("k"), sa.cast(sa.literal(v), sa.Float).label("v"))
            for key, v in [
                ("odd", 7), ("odd", 1), ("odd", 4),
                ("even", 10), ("even", 2), ("even", 3), ("even", 8),
                ("gap", 5), ("gap", None), ("gap", None),
                ("none", None),
            ]
        )
    ).subquery()  # fmt: skip
    rows = session.execute(
        sa.select(values.c.k, median(values.c.v), sa.func.count(values.c.v)).group_by(values.c.k)
    ).all()
    assert {k: (m, n) for k, m, n in rows} == {
        "odd": (4.0, 3),
        "even": (5.5, 2 + 2),
        "gap": (5.0, 1),
        "none": (None, 0),
    }


def test_median_of_no_rows_is_null(session):
    empty = sa.select(sa.cast(sa.literal(1), sa.Float).label("v")).where(sa.false()).subquery()
    assert session.execute(sa.select(median(empty.c.v))).scalar() is None
