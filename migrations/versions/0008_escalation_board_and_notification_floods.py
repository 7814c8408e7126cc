"""Escalation board and notification floods: an owner per escalation, grouped notifications, a daily-summary choice, compliments to named staff.

The notifications learn the "compliment" event and two e-mail states of the daily summary
(digest: waiting for it, digested: in one); each person's choice of e-mail delivery and the
daily summaries themselves (one per person and day) get their tables.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

OLD_EVENTS = "event IN ('routed', 'answered', 'deadline_soon', 'deadline_missed', 'escalation')"
NEW_EVENTS = (
    "event IN ('routed', 'answered', 'deadline_soon', 'deadline_missed', 'escalation', "
    "'compliment')"
)
OLD_STATES = "email_state IN ('none', 'pending', 'sending', 'sent', 'failed')"
NEW_STATES = (
    "email_state IN ('none', 'pending', 'sending', 'sent', 'failed', 'digest', 'digested')"
)


def upgrade():
    op.create_table('notification_settings',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('email_delivery', sa.String(length=8), nullable=False),
    sa.CheckConstraint("email_delivery IN ('each', 'daily')", name=op.f('ck_notification_settings_email_delivery_known')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_settings_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_notification_settings'))
    )
    op.create_table('notification_digests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('notification_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('email_state', sa.String(length=8), nullable=False),
    sa.Column('emailed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('email_attempts', sa.Integer(), nullable=False),
    sa.CheckConstraint("email_state IN ('pending', 'sending', 'sent', 'failed')", name=op.f('ck_notification_digests_email_state_known')),
    sa.CheckConstraint('notification_count > 0', name=op.f('ck_notification_digests_not_empty')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_digests_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_digests')),
    sa.UniqueConstraint('user_id', 'day', name=op.f('uq_notification_digests_user_id_day'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_notifications_event_known'), type_='check')
        batch_op.drop_constraint(op.f('ck_notifications_email_state_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_notifications_event_known'), sa.text(NEW_EVENTS))
        batch_op.create_check_constraint(op.f('ck_notifications_email_state_known'), sa.text(NEW_STATES))
        batch_op.add_column(sa.Column('digest_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_notifications_digest_id_notification_digests'), 'notification_digests', ['digest_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_notifications_digest_id'), ['digest_id'], unique=False)
        batch_op.create_index('ix_notifications_digest_waiting', ['user_id'], unique=False, sqlite_where=sa.text("email_state = 'digest'"), postgresql_where=sa.text("email_state = 'digest'"))
    with op.batch_alter_table('notification_preferences', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_notification_preferences_event_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_notification_preferences_event_known'), sa.text(NEW_EVENTS))


def downgrade():
    # What the older schema cannot hold goes: compliment notifications and choices, and the
    # daily summary's states (an e-mail still waiting for its summary is not sent).
    op.execute("DELETE FROM notifications WHERE event = 'compliment'")
    op.execute("DELETE FROM notification_preferences WHERE event = 'compliment'")
    op.execute("UPDATE notifications SET email_state = 'none' WHERE email_state = 'digest'")
    op.execute("UPDATE notifications SET email_state = 'sent' WHERE email_state = 'digested'")
    with op.batch_alter_table('notification_preferences', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_notification_preferences_event_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_notification_preferences_event_known'), sa.text(OLD_EVENTS))
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_digest_waiting', sqlite_where=sa.text("email_state = 'digest'"), postgresql_where=sa.text("email_state = 'digest'"))
        batch_op.drop_index(batch_op.f('ix_notifications_digest_id'))
        batch_op.drop_constraint(batch_op.f('fk_notifications_digest_id_notification_digests'), type_='foreignkey')
        batch_op.drop_column('digest_id')
        batch_op.drop_constraint(op.f('ck_notifications_email_state_known'), type_='check')
        batch_op.drop_constraint(op.f('ck_notifications_event_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_notifications_email_state_known'), sa.text(OLD_STATES))
        batch_op.create_check_constraint(op.f('ck_notifications_event_known'), sa.text(OLD_EVENTS))
    op.drop_table('notification_digests')
    op.drop_table('notification_settings')
