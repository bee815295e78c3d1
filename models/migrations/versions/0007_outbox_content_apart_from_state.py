"""outbox content apart from state

A state change (claim, sent, retry) used to rewrite the whole ~10 KB message with the row; the
content now lives in ``outbox_content``, written once. Existing mails are copied over.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 03:29:32.559345
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

CONTENT = ("body_text", "body_html", "attachments", "raw")


def upgrade() -> None:
    op.create_table('outbox_content',
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('attachments', sa.JSON(), nullable=False),
    sa.Column('raw', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['message_id'], ['outbox.id'], name=op.f('fk_outbox_content_message_id_outbox'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('message_id', name=op.f('pk_outbox_content'))
    )
    op.execute(
        "INSERT INTO outbox_content (message_id, body_text, body_html, attachments, raw) "
        "SELECT id, body_text, body_html, attachments, raw FROM outbox"
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        for column in CONTENT:
            batch_op.drop_column(column)


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body_text', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('body_html', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('attachments', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('raw', sa.LargeBinary(), nullable=True))
    for column in CONTENT:
        op.execute(
            f"UPDATE outbox SET {column} = (SELECT c.{column} FROM outbox_content c "
            "WHERE c.message_id = outbox.id)"
        )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        for column in ("body_text", "body_html", "attachments"):
            batch_op.alter_column(column, nullable=False)
    op.drop_table('outbox_content')
