"""event forwarding state

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 06:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('forward_attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('forward_error', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('forward_lease_until', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('forward_lease_until')
        batch_op.drop_column('forward_error')
        batch_op.drop_column('forward_attempts')
