"""index customers by email concurrently

Revision ID: c3a5e4d6b7c8
Revises: b2e4d3c5f6a7
Create Date: 2026-02-20 14:05:00

"""
from alembic import op
import sqlalchemy as sa

revision = 'c3a5e4d6b7c8'
down_revision = 'b2e4d3c5f6a7'
branch_labels = None
depends_on = None


def upgrade():
    # the safe way: CONCURRENTLY, outside the migration's transaction; a build that failed half way (a lock
    # timeout) leaves an INVALID index under this name, so a retry drops it first
    with op.get_context().autocommit_block():
        op.execute('DROP INDEX CONCURRENTLY IF EXISTS ix_customers_email')
        op.create_index('ix_customers_email', 'customers', ['email'], postgresql_concurrently=True)


def downgrade():
    with op.get_context().autocommit_block():
        op.drop_index('ix_customers_email', table_name='customers', postgresql_concurrently=True)
