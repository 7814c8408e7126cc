"""The relationship map's two covering indexes go: its medians are now one aggregate in the
same GROUP BY as its other figures (relq.db.median), which reads the period's rows once and
needs no index in value order. Each handoff's writes no longer keep them.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-03
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('handoffs', schema=None) as batch_op:
        batch_op.drop_index('ix_handoffs_edge_accept')
        batch_op.drop_index('ix_handoffs_edge_turnaround')


def downgrade():
    with op.batch_alter_table('handoffs', schema=None) as batch_op:
        batch_op.create_index(
            'ix_handoffs_edge_turnaround',
            ['requester_department_id', 'provider_department_id', 'turnaround_minutes', 'requested_at'],
            unique=False,
        )
        batch_op.create_index(
            'ix_handoffs_edge_accept',
            ['requester_department_id', 'provider_department_id', 'accept_minutes', 'requested_at'],
            unique=False,
        )
