"""mail replies read from kontrol's mailbox

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 13:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'mail_replies',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('message_id', sa.String(length=255), nullable=False),
        sa.Column('folder', sa.String(length=100), nullable=False),
        sa.Column('uidvalidity', sa.BigInteger(), nullable=False),
        sa.Column('uid', sa.BigInteger(), nullable=False),
        sa.Column('sender', sa.String(length=255), nullable=False),
        sa.Column('subject', sa.String(length=255), nullable=False),
        sa.Column('assignment_id', sa.Integer(), nullable=True),
        sa.Column('outcome', sa.String(length=24), nullable=False),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('processed_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['assignment_id'], ['assignments.id'],
            name=op.f('fk_mail_replies_assignment_id_assignments'), ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_replies')),
        sa.UniqueConstraint('message_id', name=op.f('uq_mail_replies_message_id')),
    )
    with op.batch_alter_table('mail_replies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_replies_assignment_id'), ['assignment_id'], unique=False)
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_message_id'), ['message_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_message_id'))
    with op.batch_alter_table('mail_replies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_replies_assignment_id'))
    op.drop_table('mail_replies')
