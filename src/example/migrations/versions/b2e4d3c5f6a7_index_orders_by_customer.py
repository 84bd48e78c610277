"""index orders by customer

Revision ID: b2e4d3c5f6a7
Revises: a1f3c2d4e5b6
Create Date: 2026-02-11 09:30:00

"""
from alembic import op
import sqlalchemy as sa

revision = 'b2e4d3c5f6a7'
down_revision = 'a1f3c2d4e5b6'
branch_labels = None
depends_on = None


def upgrade():
    # the classic outage: SHARE lock on orders for the whole build, every INSERT/UPDATE/DELETE waits
    op.create_index('ix_orders_customer_id', 'orders', ['customer_id'])


def downgrade():
    op.drop_index('ix_orders_customer_id', table_name='orders')
