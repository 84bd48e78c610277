"""create customers and orders

Revision ID: a1f3c2d4e5b6
Revises:
Create Date: 2026-01-05 10:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = 'a1f3c2d4e5b6'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'customers',
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('email', sa.String(200), nullable=False),
    )
    op.create_table(
        'orders',
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('customer_id', sa.Integer, nullable=False),
        sa.Column('total_cents', sa.Integer, nullable=False),
        sa.Column('created_at', sa.DateTime, server_default=sa.func.now(), nullable=False),
    )
    # an index on a table created in this same revision blocks nobody
    op.create_index('ix_orders_created_at', 'orders', ['created_at'])


def downgrade():
    op.drop_table('orders')
    op.drop_table('customers')
