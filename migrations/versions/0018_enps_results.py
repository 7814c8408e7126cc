"""eNPS results: an index on answers by (round, department, score), so that the trend across
rounds and the department tables are counted from the index alone (relq/enps/gate.py). Its
entries are ordered by the answers' values, then their random keys: never by arrival.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_enps_responses_round_department_score',
        'enps_responses',
        ['round_id', 'department_id', 'score'],
    )


def downgrade():
    op.drop_index('ix_enps_responses_round_department_score', table_name='enps_responses')
