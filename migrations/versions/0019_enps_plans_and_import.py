"""eNPS action plans and Forms import: no schema change. The plans' table and the round's
publication columns came with 0016; the import writes the answers' tables as they are.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
