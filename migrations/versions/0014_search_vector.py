"""PostgreSQL search on a stored word vector: case_analyses.search_vector (the analysed words as a
tsvector, generated from search_text) with a GIN index, in place of the expression index over
string_to_array(search_text). Rechecking a match on the expression split every candidate's text
again (about 0.9 s for a word in one case of ten, at 100k cases); a tsvector match needs no
recheck. SQLite keeps its FTS5 table.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "ALTER TABLE case_analyses ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
        "(array_to_tsvector(array_remove(string_to_array(search_text, ' '), ''))) STORED"
    )
    op.execute(
        "CREATE INDEX ix_case_analyses_search_vector ON case_analyses USING gin (search_vector)"
    )
    op.execute("DROP INDEX ix_case_analyses_search_words")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE INDEX ix_case_analyses_search_words ON case_analyses "
        "USING gin (string_to_array(search_text, ' '))"
    )
    op.execute("DROP INDEX ix_case_analyses_search_vector")
    op.execute("ALTER TABLE case_analyses DROP COLUMN search_vector")
