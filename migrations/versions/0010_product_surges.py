"""Product-level surges: what an alert names (product, problem), how many keys were tried,
and the phrases an installation hears in most weeks.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('surge_alerts', schema=None) as batch_op:
        batch_op.alter_column('key', existing_type=sa.String(length=160),
                              type_=sa.String(length=300), existing_nullable=False)
        batch_op.add_column(sa.Column('product_level', sa.String(length=8), nullable=False,
                                      server_default='all'))
        batch_op.add_column(sa.Column('product', sa.String(length=120), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('problem_kind', sa.String(length=8), nullable=False,
                                      server_default='phrase'))
        batch_op.add_column(sa.Column('problem', sa.String(length=120), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('keys_tested', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.create_check_constraint(
            op.f('ck_surge_alerts_product_level_known'),
            "product_level IN ('model', 'product', 'family', 'all')")
        batch_op.create_check_constraint(op.f('ck_surge_alerts_problem_kind_known'),
                                         "problem_kind IN ('tag', 'phrase')")
        batch_op.create_check_constraint(op.f('ck_surge_alerts_keys_tested_positive'),
                                         'keys_tested >= 0')
    # The alerts of before were whole-category ones: "tag:quality.defect", "phrase:蓋".
    op.execute(
        "UPDATE surge_alerts SET problem_kind = 'tag', problem = substr(key, 5) "
        "WHERE key LIKE 'tag:%'"
    )
    op.execute(
        "UPDATE surge_alerts SET problem_kind = 'phrase', problem = substr(key, 8) "
        "WHERE key LIKE 'phrase:%'"
    )
    op.create_table('surge_generic_phrases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phrase', sa.String(length=120), nullable=False),
    sa.Column('weeks_present', sa.Integer(), nullable=False),
    sa.Column('weeks', sa.Integer(), nullable=False),
    sa.Column('learned_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('weeks_present >= 0 AND weeks_present <= weeks',
                       name=op.f('ck_surge_generic_phrases_weeks_valid')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_surge_generic_phrases')),
    sa.UniqueConstraint('phrase', name=op.f('uq_surge_generic_phrases_phrase'))
    )


def downgrade():
    op.drop_table('surge_generic_phrases')
    # The alerts stay (escalations point at them) and keep their label; a key too long for
    # the old column becomes one that no detection will make again.
    op.execute("UPDATE surge_alerts SET key = 'long:' || id WHERE length(key) > 160")
    with op.batch_alter_table('surge_alerts', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_surge_alerts_keys_tested_positive'), type_='check')
        batch_op.drop_constraint(op.f('ck_surge_alerts_problem_kind_known'), type_='check')
        batch_op.drop_constraint(op.f('ck_surge_alerts_product_level_known'), type_='check')
        batch_op.drop_column('keys_tested')
        batch_op.drop_column('problem')
        batch_op.drop_column('problem_kind')
        batch_op.drop_column('product')
        batch_op.drop_column('product_level')
        batch_op.alter_column('key', existing_type=sa.String(length=300),
                              type_=sa.String(length=160), existing_nullable=False)
