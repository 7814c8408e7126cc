"""Cache topics: one version per named topic, replaced by every write to its tables, so that
every process and machine knows when what it keeps is out of date (relq/cache.py).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('cache_topics',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_cache_topics'))
    )


def downgrade():
    op.drop_table('cache_topics')
