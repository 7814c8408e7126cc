"""The weekly voice-of-customer digest: archived snapshots, one per ISO week and scope

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('digest_snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('week', sa.String(length=8), nullable=False),
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('built_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_digest_snapshots_department_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_digest_snapshots')),
    sa.UniqueConstraint('week', 'scope', name=op.f('uq_digest_snapshots_week_scope'))
    )
    op.create_index('ix_digest_snapshots_department_id_week', 'digest_snapshots', ['department_id', 'week'], unique=False)


def downgrade():
    op.drop_index('ix_digest_snapshots_department_id_week', table_name='digest_snapshots')
    op.drop_table('digest_snapshots')
