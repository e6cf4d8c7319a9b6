"""patient data version; indexes on the foreign keys that had none

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-25 15:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0002'
branch_labels = None
depends_on = None

FK_INDEXES = (
    ('audit_events', 'actor_id'),
    ('infusions', 'clinician_id'),
    ('entry_revisions', 'changed_by_id'),
    ('invitations', 'clinician_id'),
    ('invitations', 'used_by_id'),
)


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('data_version', sa.Integer(), server_default='0', nullable=False)
        )
    for table, column in FK_INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f'ix_{table}_{column}'), [column], unique=False)


def downgrade():
    for table, column in reversed(FK_INDEXES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_{column}'))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('data_version')
