"""ISO 10002 management review: reviews, decisions and actions (reserved; filled by the work that owns it)

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
    pass


def downgrade():
    pass
