"""patient history version: a second counter, raised only by changes that reach the past

The review keeps what it computed from a patient's older days (more than
data_version.HISTORY_AFTER_DAYS days back) under this counter, so a new entry today does not
make it read and measure five years again. Every change that is not to a recent day's entries
(an older entry, an infusion, a check-in, a treatment, the patient's time zone, a bulk update)
raises it in the same transaction as data_version.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 02:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('history_version', sa.Integer(), server_default='0', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('history_version')
