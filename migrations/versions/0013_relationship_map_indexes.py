"""The relationship map's covering indexes: each edge's turnaround and time to accept in value
order, with the time asked (relq/relations/models.py).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
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


def downgrade():
    with op.batch_alter_table('handoffs', schema=None) as batch_op:
        batch_op.drop_index('ix_handoffs_edge_accept')
        batch_op.drop_index('ix_handoffs_edge_turnaround')
