"""widen order totals to bigint

Revision ID: a7e9d8f0a1b2
Revises: f6d8c7e9f0a1
Create Date: 2026-03-18 16:40:00

"""
from alembic import op
import sqlalchemy as sa

revision = 'a7e9d8f0a1b2'
down_revision = 'f6d8c7e9f0a1'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("SET lock_timeout = '3s'")
    # integer to bigint is not binary-coercible: the whole table is rewritten under ACCESS EXCLUSIVE
    op.alter_column('orders', 'total_cents', type_=sa.BigInteger)


def downgrade():
    op.alter_column('orders', 'total_cents', type_=sa.Integer)
