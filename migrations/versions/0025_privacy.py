"""APPI: retention settings, data-subject requests, the personal-data read log

The office's privacy policy (purpose of use, retention periods), customers' requests, what was
anonymised and when, and the log of who was shown whose personal data. The audit trail stays
append-only with one narrow door: the before/after values of an event about a case recorded in
case_anonymisations may be rewritten (redacted), and no other column of it, nor any other event.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

APPEND_ONLY = "audit events are append-only"
# The unchanged identity of the event, and its case anonymised: only then may it change.
_SAME_EVENT = (
    "NEW.id = OLD.id AND NEW.at = OLD.at AND NEW.action = OLD.action "
    "AND NEW.entity_type = OLD.entity_type AND NEW.entity_id = OLD.entity_id "
    "AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id "
    "AND NEW.case_id IS NOT DISTINCT FROM OLD.case_id "
    # EXISTS by key: an IN over the whole table would be hashed anew for every row updated.
    "AND EXISTS (SELECT 1 FROM case_anonymisations a WHERE a.case_id = OLD.case_id)"
)


def _guard_with_redaction():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION relq_audit_append_only() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            f"IF TG_OP = 'UPDATE' AND {_SAME_EVENT} THEN RETURN NEW; END IF; "
            f"RAISE EXCEPTION '{APPEND_ONLY}'; END $$"
        )
    else:
        op.execute("DROP TRIGGER audit_events_no_update")
        op.execute(
            "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
            f"WHEN NOT ({_SAME_EVENT.replace('IS NOT DISTINCT FROM', 'IS')}) "
            f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
        )


def _guard_as_before():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION relq_audit_append_only() RETURNS trigger "
            f"LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$"
        )
    else:
        op.execute("DROP TRIGGER audit_events_no_update")
        op.execute(
            "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
            f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
        )


def upgrade():
    op.create_table(
        "privacy_policy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purpose_ja", sa.Text(), nullable=False),
        sa.Column("purpose_en", sa.Text(), nullable=False),
        sa.Column("contact_days", sa.Integer(), nullable=True),
        sa.Column("text_days", sa.Integer(), nullable=True),
        sa.Column("attachment_days", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("id = 1", name=op.f("ck_privacy_policy_one_row")),
        sa.CheckConstraint(
            "contact_days IS NULL OR contact_days BETWEEN 1 AND 36500",
            name=op.f("ck_privacy_policy_contact_days_range"),
        ),
        sa.CheckConstraint(
            "text_days IS NULL OR text_days BETWEEN 1 AND 36500",
            name=op.f("ck_privacy_policy_text_days_range"),
        ),
        sa.CheckConstraint(
            "attachment_days IS NULL OR attachment_days BETWEEN 1 AND 36500",
            name=op.f("ck_privacy_policy_attachment_days_range"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_privacy_policy_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_policy")),
    )
    op.create_table(
        "privacy_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("handled_by_id", sa.Integer(), nullable=True),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('disclose', 'correct', 'stop_use', 'erase')",
            name=op.f("ck_privacy_requests_kind_known"),
        ),
        sa.CheckConstraint(
            "status IN ('open', 'done', 'refused')", name=op.f("ck_privacy_requests_status_known")
        ),
        sa.CheckConstraint(
            "due_on >= received_on", name=op.f("ck_privacy_requests_due_after_received")
        ),
        sa.CheckConstraint(
            "(status = 'open') = (handled_at IS NULL)",
            name=op.f("ck_privacy_requests_closed_has_handled_at"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_privacy_requests_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_privacy_requests_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["handled_by_id"], ["users.id"], name=op.f("fk_privacy_requests_handled_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_requests")),
    )
    op.create_index(
        "ix_privacy_requests_customer_id", "privacy_requests", ["customer_id"], unique=False
    )
    op.create_index(
        "ix_privacy_requests_status_due_on", "privacy_requests", ["status", "due_on"], unique=False
    )
    for table, key, moment, parent in (
        ("case_anonymisations", "case_id", "anonymised_at", "cases"),
        ("customer_erasures", "customer_id", "erased_at", "customers"),
    ):
        op.create_table(
            table,
            sa.Column(key, sa.Integer(), nullable=False),
            sa.Column(moment, sa.DateTime(timezone=True), nullable=False),
            sa.Column("reason", sa.String(length=12), nullable=False),
            sa.Column("request_id", sa.Integer(), nullable=True),
            sa.Column("actor_id", sa.Integer(), nullable=True),
            sa.CheckConstraint(
                "reason IN ('retention', 'request')", name=op.f(f"ck_{table}_reason_known")
            ),
            sa.ForeignKeyConstraint(
                [key], [f"{parent}.id"], name=op.f(f"fk_{table}_{key}_{parent}")
            ),
            sa.ForeignKeyConstraint(
                ["request_id"],
                ["privacy_requests.id"],
                name=op.f(f"fk_{table}_request_id_privacy_requests"),
            ),
            sa.ForeignKeyConstraint(
                ["actor_id"], ["users.id"], name=op.f(f"fk_{table}_actor_id_users")
            ),
            sa.PrimaryKeyConstraint(key, name=op.f(f"pk_{table}")),
        )
    op.create_table(
        "personal_data_reads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("place", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=45), nullable=True),
        sa.Column("found", sa.SmallInteger(), nullable=True),
        sa.CheckConstraint(
            "place IN ('case_page', 'customer_page', 'export', 'search')",
            name=op.f("ck_personal_data_reads_place_known"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_personal_data_reads_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_personal_data_reads_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_personal_data_reads_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personal_data_reads")),
    )
    op.create_index("ix_personal_data_reads_at", "personal_data_reads", ["at"], unique=False)
    op.create_index(
        "ix_personal_data_reads_customer_id_at",
        "personal_data_reads",
        ["customer_id", "at"],
        unique=False,
    )
    op.create_index(
        "ix_personal_data_reads_user_id_at", "personal_data_reads", ["user_id", "at"], unique=False
    )
    _guard_with_redaction()


def downgrade():
    _guard_as_before()
    op.drop_index("ix_personal_data_reads_user_id_at", table_name="personal_data_reads")
    op.drop_index("ix_personal_data_reads_customer_id_at", table_name="personal_data_reads")
    op.drop_index("ix_personal_data_reads_at", table_name="personal_data_reads")
    op.drop_table("personal_data_reads")
    op.drop_table("customer_erasures")
    op.drop_table("case_anonymisations")
    op.drop_index("ix_privacy_requests_status_due_on", table_name="privacy_requests")
    op.drop_index("ix_privacy_requests_customer_id", table_name="privacy_requests")
    op.drop_table("privacy_requests")
    op.drop_table("privacy_policy")
