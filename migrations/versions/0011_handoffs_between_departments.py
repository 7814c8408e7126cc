"""Internal-customer handoffs between departments: the requests, the messages both ways, and
the time each pair of departments allows (relq/handoffs).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('handoff_policies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('requester_department_id', sa.Integer(), nullable=False),
    sa.Column('provider_department_id', sa.Integer(), nullable=False),
    sa.Column('due_minutes', sa.Integer(), nullable=False),
    sa.Column('grace_minutes', sa.Integer(), nullable=False),
    sa.CheckConstraint('due_minutes > 0 AND grace_minutes >= 0', name=op.f('ck_handoff_policies_minutes_positive')),
    sa.CheckConstraint('requester_department_id <> provider_department_id', name=op.f('ck_handoff_policies_not_to_itself')),
    sa.ForeignKeyConstraint(['provider_department_id'], ['departments.id'], name=op.f('fk_handoff_policies_provider_department_id_departments')),
    sa.ForeignKeyConstraint(['requester_department_id'], ['departments.id'], name=op.f('fk_handoff_policies_requester_department_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handoff_policies')),
    sa.UniqueConstraint('requester_department_id', 'provider_department_id', name=op.f('uq_handoff_policies_requester_department_id_provider_department_id'))
    )
    op.create_table('handoffs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('requester_department_id', sa.Integer(), nullable=False),
    sa.Column('provider_department_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('provider_user_id', sa.Integer(), nullable=True),
    sa.Column('ask', sa.Text(), nullable=False),
    sa.Column('why', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('overdue_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('stalled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('bounces', sa.Integer(), nullable=False),
    sa.Column('accept_minutes', sa.Integer(), nullable=True),
    sa.Column('turnaround_minutes', sa.Integer(), nullable=True),
    sa.Column('answered_late', sa.Boolean(), nullable=True),
    sa.Column('usefulness', sa.SmallInteger(), nullable=True),
    sa.Column('speed', sa.SmallInteger(), nullable=True),
    sa.Column('rating_comment', sa.Text(), nullable=False),
    sa.Column('thanks', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('requested', 'accepted', 'answered', 'confirmed', 'declined', 'cancelled')", name=op.f('ck_handoffs_status_known')),
    sa.CheckConstraint('bounces >= 0', name=op.f('ck_handoffs_bounces_not_negative')),
    sa.CheckConstraint('length(ask) > 0', name=op.f('ck_handoffs_ask_present')),
    sa.CheckConstraint('requester_department_id <> provider_department_id', name=op.f('ck_handoffs_not_to_itself')),
    sa.CheckConstraint('speed IS NULL OR speed BETWEEN 1 AND 5', name=op.f('ck_handoffs_speed_range')),
    sa.CheckConstraint('usefulness IS NULL OR usefulness BETWEEN 1 AND 5', name=op.f('ck_handoffs_usefulness_range')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_handoffs_case_id_cases')),
    sa.ForeignKeyConstraint(['provider_department_id'], ['departments.id'], name=op.f('fk_handoffs_provider_department_id_departments')),
    sa.ForeignKeyConstraint(['provider_user_id'], ['users.id'], name=op.f('fk_handoffs_provider_user_id_users')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_handoffs_requested_by_id_users')),
    sa.ForeignKeyConstraint(['requester_department_id'], ['departments.id'], name=op.f('fk_handoffs_requester_department_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handoffs'))
    )
    with op.batch_alter_table('handoffs', schema=None) as batch_op:
        batch_op.create_index('ix_handoffs_case_id', ['case_id'], unique=False)
        batch_op.create_index('ix_handoffs_edge_requested', ['requester_department_id', 'provider_department_id', 'requested_at'], unique=False)
        batch_op.create_index('ix_handoffs_provider_status_due', ['provider_department_id', 'status', 'due_at'], unique=False)
        batch_op.create_index('ix_handoffs_requested_at', ['requested_at'], unique=False)
        batch_op.create_index('ix_handoffs_requester_status_due', ['requester_department_id', 'status', 'due_at'], unique=False)

    op.create_table('handoff_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('handoff_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('side', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('message', 'decline', 'answer', 'send_back', 'confirm')", name=op.f('ck_handoff_messages_kind_known')),
    sa.CheckConstraint("side IN ('requester', 'provider')", name=op.f('ck_handoff_messages_side_known')),
    sa.CheckConstraint('length(body) > 0', name=op.f('ck_handoff_messages_body_present')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_handoff_messages_author_id_users')),
    sa.ForeignKeyConstraint(['handoff_id'], ['handoffs.id'], name=op.f('fk_handoff_messages_handoff_id_handoffs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handoff_messages'))
    )
    with op.batch_alter_table('handoff_messages', schema=None) as batch_op:
        batch_op.create_index('ix_handoff_messages_handoff_id_created_at', ['handoff_id', 'created_at'], unique=False)



def downgrade():
    with op.batch_alter_table('handoff_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_handoff_messages_handoff_id_created_at')

    op.drop_table('handoff_messages')
    with op.batch_alter_table('handoffs', schema=None) as batch_op:
        batch_op.drop_index('ix_handoffs_requester_status_due')
        batch_op.drop_index('ix_handoffs_requested_at')
        batch_op.drop_index('ix_handoffs_provider_status_due')
        batch_op.drop_index('ix_handoffs_edge_requested')
        batch_op.drop_index('ix_handoffs_case_id')

    op.drop_table('handoffs')
    op.drop_table('handoff_policies')
