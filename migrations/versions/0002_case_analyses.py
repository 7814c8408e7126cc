"""Case analyses (what the NLP read in each case) and the word index behind search.

SQLite: an FTS5 table `case_search` (rowid = case id) over the pre-segmented words.
PostgreSQL: a GIN index over the same words as an array, searched with @> (every word
present); exact-word semantics on both, independent of the database's locale.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "case_analyses",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=True),
        sa.Column("lemmas", sa.Text(), nullable=False),
        sa.Column("keyphrases", sa.JSON(), nullable=False),
        sa.Column("observation_keyphrases", sa.JSON(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=255), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("analysed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "language IS NULL OR language IN ('ja', 'en')",
            name=op.f("ck_case_analyses_language_known"),
        ),
        sa.CheckConstraint(
            "state IN ('pending', 'done', 'failed')", name=op.f("ck_case_analyses_state_known")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_analyses_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_analyses")),
    )
    op.create_index("ix_case_analyses_state", "case_analyses", ["state"], unique=False)
    # Every case has its analysis row from now on; the existing ones wait for the backfill.
    op.execute(
        "INSERT INTO case_analyses (case_id, state, lemmas, keyphrases, observation_keyphrases, "
        "search_text, attempts, requested_at) SELECT id, 'pending', '', '[]', '[]', '', 0, "
        "CURRENT_TIMESTAMP FROM cases"
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_case_analyses_search_words ON case_analyses "
            "USING gin (string_to_array(search_text, ' '))"
        )
    else:
        # The words are segmented by relq.nlp; unicode61 only splits on the spaces between them.
        op.execute("CREATE VIRTUAL TABLE case_search USING fts5(words, tokenize = 'unicode61')")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_case_analyses_search_words")
    else:
        op.execute("DROP TABLE case_search")
    op.drop_index("ix_case_analyses_state", table_name="case_analyses")
    op.drop_table("case_analyses")
