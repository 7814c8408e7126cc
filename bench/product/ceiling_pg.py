"""The shared harness's Flask ceiling (../shared/bench/ceiling/app.py) with its /table read from
PostgreSQL: the same app, template and query, only the engine differs, so that relq on
PostgreSQL can be set beside a ceiling on the same database (the harness has it on SQLite only).

    python bench/product/ceiling_pg.py seed N     # CEILING_PG_URL=postgresql+psycopg://.../relq_bench_ceiling100k
    gunicorn ceiling_pg:app --chdir bench/product  (ceiling_pg.sh does both)

The rows are copied from the harness's own SQLite file (/tmp/ceiling/data/cases<N/1000>k.sqlite3,
made by ../shared/bench/ceiling/setup.sh), ids and all, with the same index, then ANALYZE.
Served from /tmp/product/venv (relq's pins: the same Flask, SQLAlchemy and gunicorn versions as
the ceiling's venv, plus psycopg), because the ceiling's own venv has no PostgreSQL driver.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.environ.get("BENCH_SHARED") or os.path.join(HERE, "..", "..", "..", "shared", "bench")
sys.path.insert(0, os.path.join(os.path.abspath(SHARED), "ceiling"))

import app as ceiling  # noqa: E402  (the shared ceiling: Flask app, Case model, /table)
from sqlalchemy import create_engine  # noqa: E402

ceiling.engine = create_engine(os.environ["CEILING_PG_URL"])  # what /table reads from
app = ceiling.app


def seed(n: int) -> None:
    import time

    from sqlalchemy import Index, insert, select, text

    source = create_engine(f"sqlite:////tmp/ceiling/data/cases{n // 1000}k.sqlite3")
    table = ceiling.Case.__table__
    t0 = time.perf_counter()
    ceiling.Base.metadata.drop_all(ceiling.engine)
    ceiling.Base.metadata.create_all(ceiling.engine)
    Index("ix_cases_status_created", ceiling.Case.status, ceiling.Case.created).create(
        ceiling.engine
    )
    with source.connect() as src, ceiling.engine.begin() as dst:
        rows = [dict(r) for r in src.execute(select(table)).mappings()]
        for i in range(0, len(rows), 5000):
            dst.execute(insert(table), rows[i : i + 5000])
    with ceiling.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE cases"))
    print(f"ceiling on PostgreSQL: {len(rows)} cases copied in {time.perf_counter() - t0:.1f}s")


if __name__ == "__main__" and len(sys.argv) == 3 and sys.argv[1] == "seed":
    seed(int(sys.argv[2]))
