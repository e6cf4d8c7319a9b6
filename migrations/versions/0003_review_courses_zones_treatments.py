"""entry time zones, course grouping override, other treatments

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-25 14:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), nullable=True))

    with op.batch_alter_table('infusions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('course_rule', sa.String(length=16), nullable=True))

    op.create_table('treatments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('clinician_id', sa.Integer(), nullable=True),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['clinician_id'], ['users.id'], name=op.f('fk_treatments_clinician_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['patient_id'], ['users.id'], name=op.f('fk_treatments_patient_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_treatments'))
    )
    with op.batch_alter_table('treatments', schema=None) as batch_op:
        batch_op.create_index('ix_treatments_patient_day', ['patient_id', 'day'], unique=False)
        batch_op.create_index(batch_op.f('ix_treatments_clinician_id'), ['clinician_id'], unique=False)


def downgrade():
    with op.batch_alter_table('treatments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_treatments_clinician_id'))
        batch_op.drop_index('ix_treatments_patient_day')

    op.drop_table('treatments')

    with op.batch_alter_table('infusions', schema=None) as batch_op:
        batch_op.drop_column('course_rule')

    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.drop_column('timezone')
