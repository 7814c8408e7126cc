"""Stalled handoffs on the escalation board, handoffs' notifications, thank-yous in the feed.

Escalations learn the reason "stalled_handoff" and point at their handoff (one per handoff,
a partial unique index as for cases and surges); notifications (and the choices of them) learn
the handoffs' events and carry their handoff, by which they are grouped; the thanks feed reads
the handoffs confirmed with a thank-you, newest first (all, or one department's), through
partial indexes.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

OLD_REASONS = (
    "reason IN ('severity', 'acknowledge_missed', 'resolution_missed', 'repeat_customer', "
    "'safety', 'harassment', 'surge')"
)
NEW_REASONS = (
    "reason IN ('severity', 'acknowledge_missed', 'resolution_missed', 'repeat_customer', "
    "'safety', 'harassment', 'surge', 'stalled_handoff')"
)
OLD_SUBJECT = "case_id IS NOT NULL OR surge_alert_id IS NOT NULL"
NEW_SUBJECT = "case_id IS NOT NULL OR surge_alert_id IS NOT NULL OR handoff_id IS NOT NULL"
HANDOFF_EVENTS = (
    "'handoff_requested', 'handoff_answered', 'handoff_sent_back', 'handoff_overdue', "
    "'handoff_thanked'"
)
OLD_EVENTS = (
    "event IN ('routed', 'answered', 'deadline_soon', 'deadline_missed', 'escalation', "
    "'compliment')"
)
NEW_EVENTS = (
    "event IN ('routed', 'answered', 'deadline_soon', 'deadline_missed', 'escalation', "
    f"'compliment', {HANDOFF_EVENTS})"
)
THANKED = sa.text("thanks <> ''")
HANDOFF_SUBJECT = sa.text('handoff_id IS NOT NULL')


def upgrade():
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('handoff_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_escalations_handoff_id_handoffs'), 'handoffs', ['handoff_id'], ['id'])
        batch_op.drop_constraint(op.f('ck_escalations_reason_known'), type_='check')
        batch_op.drop_constraint(op.f('ck_escalations_has_subject'), type_='check')
        batch_op.create_check_constraint(op.f('ck_escalations_reason_known'), sa.text(NEW_REASONS))
        batch_op.create_check_constraint(op.f('ck_escalations_has_subject'), sa.text(NEW_SUBJECT))
        batch_op.create_index('uq_escalations_handoff_id', ['handoff_id'], unique=True, sqlite_where=HANDOFF_SUBJECT, postgresql_where=HANDOFF_SUBJECT)
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('handoff_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_notifications_handoff_id_handoffs'), 'handoffs', ['handoff_id'], ['id'])
        batch_op.drop_constraint(op.f('ck_notifications_event_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_notifications_event_known'), sa.text(NEW_EVENTS))
    with op.batch_alter_table('notification_preferences', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_notification_preferences_event_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_notification_preferences_event_known'), sa.text(NEW_EVENTS))
    with op.batch_alter_table('handoffs', schema=None) as batch_op:
        batch_op.create_index('ix_handoffs_thanked_closed_at', ['closed_at', 'provider_department_id'], unique=False, sqlite_where=THANKED, postgresql_where=THANKED)
        batch_op.create_index('ix_handoffs_thanked_provider_closed_at', ['provider_department_id', 'closed_at'], unique=False, sqlite_where=THANKED, postgresql_where=THANKED)


def downgrade():
    # What the older schema cannot hold goes: the stalled-handoff escalations (with their
    # comments and the notifications that announced them) and the handoffs' notifications and
    # choices. The thank-yous stay on their handoffs.
    stalled = "SELECT id FROM escalations WHERE handoff_id IS NOT NULL"
    op.execute(
        f"DELETE FROM notifications WHERE event IN ({HANDOFF_EVENTS}) "
        f"OR handoff_id IS NOT NULL OR escalation_id IN ({stalled})"
    )
    op.execute(f"DELETE FROM notification_preferences WHERE event IN ({HANDOFF_EVENTS})")
    op.execute(f"DELETE FROM escalation_comments WHERE escalation_id IN ({stalled})")
    op.execute("DELETE FROM escalations WHERE handoff_id IS NOT NULL OR reason = 'stalled_handoff'")
    with op.batch_alter_table('handoffs', schema=None) as batch_op:
        batch_op.drop_index('ix_handoffs_thanked_provider_closed_at', sqlite_where=THANKED, postgresql_where=THANKED)
        batch_op.drop_index('ix_handoffs_thanked_closed_at', sqlite_where=THANKED, postgresql_where=THANKED)
    with op.batch_alter_table('notification_preferences', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_notification_preferences_event_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_notification_preferences_event_known'), sa.text(OLD_EVENTS))
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_notifications_event_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_notifications_event_known'), sa.text(OLD_EVENTS))
        batch_op.drop_constraint(batch_op.f('fk_notifications_handoff_id_handoffs'), type_='foreignkey')
        batch_op.drop_column('handoff_id')
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.drop_index('uq_escalations_handoff_id', sqlite_where=HANDOFF_SUBJECT, postgresql_where=HANDOFF_SUBJECT)
        batch_op.drop_constraint(op.f('ck_escalations_has_subject'), type_='check')
        batch_op.drop_constraint(op.f('ck_escalations_reason_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_escalations_has_subject'), sa.text(OLD_SUBJECT))
        batch_op.create_check_constraint(op.f('ck_escalations_reason_known'), sa.text(OLD_REASONS))
        batch_op.drop_constraint(batch_op.f('fk_escalations_handoff_id_handoffs'), type_='foreignkey')
        batch_op.drop_column('handoff_id')
