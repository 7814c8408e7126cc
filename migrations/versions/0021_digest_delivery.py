"""The weekly digest's delivery: subscriptions and sent e-mails

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('digest_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_digest_subscriptions_department_id_departments')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_digest_subscriptions_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_digest_subscriptions')),
    sa.UniqueConstraint('user_id', name=op.f('uq_digest_subscriptions_user_id'))
    )
    op.create_table('digest_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('week', sa.String(length=8), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('snapshot_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=8), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state IN ('sending', 'sent', 'pending', 'failed')", name=op.f('ck_digest_deliveries_state_known')),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_digest_deliveries_attempts_counted')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_digest_deliveries_department_id_departments')),
    sa.ForeignKeyConstraint(['snapshot_id'], ['digest_snapshots.id'], name=op.f('fk_digest_deliveries_snapshot_id_digest_snapshots')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_digest_deliveries_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_digest_deliveries')),
    sa.UniqueConstraint('week', 'user_id', name=op.f('uq_digest_deliveries_week_user_id'))
    )
    op.create_index(op.f('ix_digest_deliveries_user_id'), 'digest_deliveries', ['user_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_digest_deliveries_user_id'), table_name='digest_deliveries')
    op.drop_table('digest_deliveries')
    op.drop_table('digest_subscriptions')
