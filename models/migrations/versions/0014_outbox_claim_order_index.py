"""the outbox's claim index ends with the id

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 13:30:00.000000

A claim takes the oldest due rows, ``ORDER BY next_attempt_at, id``. With the index on
``(status, next_attempt_at)`` alone, rows written together share their ``next_attempt_at``
and PostgreSQL read and sorted every due row to choose the first few hundred: a claim of 250
took 7.5 ms with 2,000 mails waiting and 18 ms with 20,000. With the id at the end of the
index, the rows come out in the claim's order and the read stops at the last one taken.
"""

from alembic import op


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_status_next')
        batch_op.create_index('ix_outbox_status_next', ['status', 'next_attempt_at', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_status_next')
        batch_op.create_index('ix_outbox_status_next', ['status', 'next_attempt_at'], unique=False)
