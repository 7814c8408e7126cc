"""Customer satisfaction after closing: survey invitations and answers, the customer's language and opt-out

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=2), nullable=True))
        batch_op.add_column(
            sa.Column('survey_opt_out', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_check_constraint(
            op.f('ck_customers_language_known'), "language IS NULL OR language IN ('ja', 'en')"
        )
    op.create_table('csat_surveys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.SmallInteger(), nullable=False),
    sa.Column('token_digest', sa.String(length=64), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('week_start', sa.Date(), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('score', sa.SmallInteger(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state IN ('pending', 'sent', 'answered', 'cancelled', 'failed')", name=op.f('ck_csat_surveys_state_known')),
    sa.CheckConstraint("language IN ('ja', 'en')", name=op.f('ck_csat_surveys_language_known')),
    sa.CheckConstraint('score IS NULL OR score BETWEEN 1 AND 5', name=op.f('ck_csat_surveys_score_range')),
    sa.CheckConstraint("(state = 'answered') = (score IS NOT NULL)", name=op.f('ck_csat_surveys_answered_has_score')),
    sa.CheckConstraint("(state IN ('sent', 'answered')) = (token_digest IS NOT NULL AND sent_at IS NOT NULL AND expires_at IS NOT NULL AND week_start IS NOT NULL)", name=op.f('ck_csat_surveys_sent_has_link')),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_csat_surveys_attempts_counted')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_csat_surveys_case_id_cases')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_csat_surveys_department_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_csat_surveys')),
    sa.UniqueConstraint('case_id', name=op.f('uq_csat_surveys_case_id')),
    sa.UniqueConstraint('token_digest', name=op.f('uq_csat_surveys_token_digest'))
    )
    op.create_index('ix_csat_surveys_week_start_department_id', 'csat_surveys', ['week_start', 'department_id', 'channel', 'state', 'score', 'case_id'], unique=False)
    op.create_index('ix_csat_surveys_sent_at_department_id', 'csat_surveys', ['sent_at', 'department_id', 'channel', 'state', 'score'], unique=False)
    op.create_index('ix_csat_surveys_commented_answered_at', 'csat_surveys', ['answered_at'], unique=False, sqlite_where=sa.text("state = 'answered' AND comment <> ''"), postgresql_where=sa.text("state = 'answered' AND comment <> ''"))
    op.create_index('ix_csat_surveys_state_due_at', 'csat_surveys', ['state', 'due_at'], unique=False)


def downgrade():
    op.drop_index('ix_csat_surveys_state_due_at', table_name='csat_surveys')
    op.drop_index('ix_csat_surveys_commented_answered_at', table_name='csat_surveys')
    op.drop_index('ix_csat_surveys_sent_at_department_id', table_name='csat_surveys')
    op.drop_index('ix_csat_surveys_week_start_department_id', table_name='csat_surveys')
    op.drop_table('csat_surveys')
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_customers_language_known'), type_='check')
        batch_op.drop_column('survey_opt_out')
        batch_op.drop_column('language')
