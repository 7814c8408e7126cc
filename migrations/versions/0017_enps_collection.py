"""eNPS collection: on SQLite, answers are kept WITHOUT ROWID, so that no hidden row number
counts them in the order they came in (their keys are random: the table is then ordered by
them). PostgreSQL has no such column (a round's answers are rewritten in key order when it
closes: relq/enps/collect.py).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

TABLES = ('enps_responses', 'enps_factor_answers')


def _rebuild(with_rowid: bool) -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    for table in TABLES:
        with op.batch_alter_table(
            table, recreate='always', table_kwargs={'sqlite_with_rowid': with_rowid}
        ):
            pass


def upgrade():
    _rebuild(False)


def downgrade():
    _rebuild(True)
