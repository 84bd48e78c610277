"""validate the orders to customers foreign key

Revision ID: f6d8c7e9f0a1
Revises: e5c7b6d8e9f0
Create Date: 2026-03-10 09:20:00

"""
from alembic import op
import sqlalchemy as sa

revision = 'f6d8c7e9f0a1'
down_revision = 'e5c7b6d8e9f0'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("SET lock_timeout = '3s'")
    # the scan happens here, under SHARE UPDATE EXCLUSIVE: reads and writes continue
    op.execute('ALTER TABLE orders VALIDATE CONSTRAINT fk_orders_customer')


def downgrade():
    # a validated constraint cannot be marked NOT VALID again: recreate it as it was
    op.drop_constraint('fk_orders_customer', 'orders', type_='foreignkey')
    op.create_foreign_key('fk_orders_customer', 'orders', 'customers', ['customer_id'], ['id'],
                          postgresql_not_valid=True)
