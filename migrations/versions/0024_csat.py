"""Customer satisfaction after closing: survey invitations and answers, the customer's language and opt-out (reserved; filled by the work that owns it)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
