"""When the clock's steps that need not run at every tick last ran (relq/tick.py): surge
detection every RELQ_SURGE_INTERVAL instead of every minute.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('clock_runs',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('ran_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_clock_runs'))
    )


def downgrade():
    op.drop_table('clock_runs')
