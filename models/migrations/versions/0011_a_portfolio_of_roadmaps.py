"""a portfolio of roadmaps: identity by issuer, retirement, amendments with their history

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 14:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('roadmaps', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retired_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('retired_reason', sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column('retirement_applied_at', sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.drop_constraint('uq_roadmaps_number_adopted_on', type_='unique')
        batch_op.create_unique_constraint(
            'uq_roadmaps_authority_number_adopted_on', ['authority', 'number', 'adopted_on']
        )
    op.create_table('amendments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('roadmap_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('adopted_on', sa.Date(), nullable=False),
    sa.Column('authority', sa.Text(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('source_name', sa.String(length=255), nullable=False),
    sa.Column('source_sha256', sa.String(length=64), nullable=False),
    sa.Column('applied_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['roadmap_id'], ['roadmaps.id'], name=op.f('fk_amendments_roadmap_id_roadmaps'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_amendments')),
    sa.UniqueConstraint('roadmap_id', 'authority', 'number', 'adopted_on', name=op.f('uq_amendments_roadmap_id_authority_number_adopted_on'))
    )
    with op.batch_alter_table('amendments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_amendments_roadmap_id'), ['roadmap_id'], unique=False)
    op.create_table('amendment_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('amendment_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('item_number', sa.String(length=32), nullable=False),
    sa.Column('change', sa.String(length=16), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['amendment_id'], ['amendments.id'], name=op.f('fk_amendment_changes_amendment_id_amendments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_amendment_changes')),
    sa.UniqueConstraint('amendment_id', 'position', name=op.f('uq_amendment_changes_amendment_id_position'))
    )
    with op.batch_alter_table('amendment_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_amendment_changes_amendment_id'), ['amendment_id'], unique=False)


def downgrade() -> None:
    op.drop_table('amendment_changes')
    op.drop_table('amendments')
    with op.batch_alter_table('roadmaps', schema=None) as batch_op:
        batch_op.drop_constraint('uq_roadmaps_authority_number_adopted_on', type_='unique')
        batch_op.create_unique_constraint(
            'uq_roadmaps_number_adopted_on', ['number', 'adopted_on']
        )
        batch_op.drop_column('retirement_applied_at')
        batch_op.drop_column('retired_reason')
        batch_op.drop_column('retired_on')
