"""ISO 10002 management review: reviews, decisions and actions, and the packs' PDFs

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('management_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('period_kind', sa.String(length=16), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=True),
    sa.Column('attendees', sa.Text(), nullable=False),
    sa.Column('conclusions', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'held')", name=op.f('ck_management_reviews_status_known')),
    sa.CheckConstraint("period_kind IN ('quarter', 'fiscal_quarter', 'custom')", name=op.f('ck_management_reviews_period_kind_known')),
    sa.CheckConstraint('period_end >= period_start', name=op.f('ck_management_reviews_period_ordered')),
    sa.CheckConstraint("status = 'draft' OR held_on IS NOT NULL", name=op.f('ck_management_reviews_held_has_date')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_management_reviews_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_management_reviews'))
    )
    with op.batch_alter_table('management_reviews', schema=None) as batch_op:
        batch_op.create_index('ix_management_reviews_period_start', ['period_start'], unique=False)

    op.create_table('review_actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('owner_department_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('tag_id', sa.Integer(), nullable=True),
    sa.Column('surge_alert_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('open', 'done', 'cancelled')", name=op.f('ck_review_actions_status_known')),
    sa.CheckConstraint('length(description) > 0', name=op.f('ck_review_actions_description_present')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_review_actions_created_by_id_users')),
    sa.ForeignKeyConstraint(['owner_department_id'], ['departments.id'], name=op.f('fk_review_actions_owner_department_id_departments')),
    sa.ForeignKeyConstraint(['review_id'], ['management_reviews.id'], name=op.f('fk_review_actions_review_id_management_reviews'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['surge_alert_id'], ['surge_alerts.id'], name=op.f('fk_review_actions_surge_alert_id_surge_alerts')),
    sa.ForeignKeyConstraint(['tag_id'], ['tags.id'], name=op.f('fk_review_actions_tag_id_tags')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_actions'))
    )
    with op.batch_alter_table('review_actions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_actions_review_id'), ['review_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_actions_owner_department_id'), ['owner_department_id'], unique=False)
        batch_op.create_index('ix_review_actions_status_due_on', ['status', 'due_on'], unique=False)
    op.create_table('review_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('rendered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('topic_versions', sa.JSON(), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=True),
    sa.Column('error', sa.String(length=200), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'ready', 'failed')", name=op.f('ck_review_documents_status_known')),
    sa.CheckConstraint("status <> 'ready' OR pdf IS NOT NULL", name=op.f('ck_review_documents_ready_has_pdf')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_review_documents_requested_by_id_users')),
    sa.ForeignKeyConstraint(['review_id'], ['management_reviews.id'], name=op.f('fk_review_documents_review_id_management_reviews'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_documents')),
    sa.UniqueConstraint('review_id', 'locale', name=op.f('uq_review_documents_review_id_locale'))
    )


def downgrade():
    op.drop_table('review_documents')
    with op.batch_alter_table('review_actions', schema=None) as batch_op:
        batch_op.drop_index('ix_review_actions_status_due_on')
        batch_op.drop_index(batch_op.f('ix_review_actions_owner_department_id'))
        batch_op.drop_index(batch_op.f('ix_review_actions_review_id'))
    op.drop_table('review_actions')
    with op.batch_alter_table('management_reviews', schema=None) as batch_op:
        batch_op.drop_index('ix_management_reviews_period_start')
    op.drop_table('management_reviews')
