"""E-mail intake: inbound messages, their attachments, mailboxes (reserved; filled by the work that owns it)

Inbound messages (raw, with their status), their attachments, the Message-IDs known per case,
and the note kind "customer_reply" (an e-mail answer from the customer on a case).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

OLD_NOTE_KINDS = "kind IN ('observation', 'internal', 'response')"
NEW_NOTE_KINDS = "kind IN ('observation', 'internal', 'response', 'customer_reply')"


def _note_kinds(condition):
    # SQLite cannot alter a CHECK constraint: batch mode copies the table with the new one.
    with op.batch_alter_table('notes', schema=None, recreate='auto') as batch_op:
        batch_op.drop_constraint(op.f('ck_notes_kind_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_notes_kind_known'), sa.text(condition))


def upgrade():
    _note_kinds(NEW_NOTE_KINDS)
    op.create_table('inbound_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_key', sa.String(length=255), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('raw', sa.LargeBinary(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('processed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('from_address', sa.String(length=254), nullable=False),
    sa.Column('outcome', sa.String(length=8), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('note_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('received', 'processed', 'failed', 'dismissed')", name=op.f('ck_inbound_messages_status_known')),
    sa.CheckConstraint("outcome IS NULL OR outcome IN ('case', 'note')", name=op.f('ck_inbound_messages_outcome_known')),
    sa.CheckConstraint("source IN ('imap', 'cli')", name=op.f('ck_inbound_messages_source_known')),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_inbound_messages_attempts_counted')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_inbound_messages_case_id_cases')),
    sa.ForeignKeyConstraint(['note_id'], ['notes.id'], name=op.f('fk_inbound_messages_note_id_notes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_messages')),
    sa.UniqueConstraint('message_key', name=op.f('uq_inbound_messages_message_key'))
    )
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbound_messages_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_inbound_messages_status_id', ['status', 'id'], unique=False)

    op.create_table('inbound_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=127), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('is_stored', sa.Boolean(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.CheckConstraint('size >= 0', name=op.f('ck_inbound_attachments_size_counted')),
    sa.CheckConstraint('is_stored = (content IS NOT NULL)', name=op.f('ck_inbound_attachments_stored_has_content')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_inbound_attachments_case_id_cases')),
    sa.ForeignKeyConstraint(['message_id'], ['inbound_messages.id'], name=op.f('fk_inbound_attachments_message_id_inbound_messages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_attachments'))
    )
    with op.batch_alter_table('inbound_attachments', schema=None) as batch_op:
        batch_op.create_index('ix_inbound_attachments_case_id_id', ['case_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inbound_attachments_message_id'), ['message_id'], unique=False)

    op.create_table('case_message_ids',
    sa.Column('message_id', sa.String(length=255), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_message_ids_case_id_cases')),
    sa.PrimaryKeyConstraint('message_id', name=op.f('pk_case_message_ids'))
    )
    with op.batch_alter_table('case_message_ids', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_message_ids_case_id'), ['case_id'], unique=False)


def downgrade():
    with op.batch_alter_table('case_message_ids', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_message_ids_case_id'))
    op.drop_table('case_message_ids')
    with op.batch_alter_table('inbound_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbound_attachments_message_id'))
        batch_op.drop_index('ix_inbound_attachments_case_id_id')
    op.drop_table('inbound_attachments')
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_inbound_messages_status_id')
        batch_op.drop_index(batch_op.f('ix_inbound_messages_case_id'))
    op.drop_table('inbound_messages')
    # The e-mailed replies go back to being the front line's record of what the customer said.
    op.execute("UPDATE notes SET kind = 'observation' WHERE kind = 'customer_reply'")
    _note_kinds(OLD_NOTE_KINDS)
