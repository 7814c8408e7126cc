"""APPI: retention settings, data-subject requests, the personal-data read log (reserved; filled by the work that owns it)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
