"""unique customer email

Revision ID: d4b6f5e7c8d9
Revises: c3a5e4d6b7c8
Create Date: 2026-03-02 11:45:00

"""
from alembic import op
import sqlalchemy as sa

revision = 'd4b6f5e7c8d9'
down_revision = 'c3a5e4d6b7c8'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("SET lock_timeout = '3s'")
    # a unique constraint builds a unique index under ACCESS EXCLUSIVE: reads and writes wait
    op.create_unique_constraint('uq_customers_email', 'customers', ['email'])


def downgrade():
    op.drop_constraint('uq_customers_email', 'customers', type_='unique')
