"""orders reference customers, not valid yet

Revision ID: e5c7b6d8e9f0
Revises: d4b6f5e7c8d9
Create Date: 2026-03-10 09:15:00

"""
from alembic import op
import sqlalchemy as sa

revision = 'e5c7b6d8e9f0'
down_revision = 'd4b6f5e7c8d9'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("SET lock_timeout = '3s'")
    # NOT VALID: existing rows are not scanned, so the SHARE ROW EXCLUSIVE locks last milliseconds
    op.create_foreign_key('fk_orders_customer', 'orders', 'customers', ['customer_id'], ['id'],
                          postgresql_not_valid=True)


def downgrade():
    op.drop_constraint('fk_orders_customer', 'orders', type_='foreignkey')
