"""an index of live entries by day and time written: (patient_id, day, recorded_at, id)

The Today page reads the last few of the day's entries, and "same as yesterday" the last entries
of the last three days, from the end of this index: a bounded read, however many entries a day
has (without it, every entry of the day was read and sorted).

Revision ID: 0013
Revises: 0010
Create Date: 2026-11-25 20:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_entries_live_patient_day_recorded',
        'entries',
        ['patient_id', 'day', 'recorded_at', 'id'],
        unique=False,
        postgresql_where=sa.text('deleted_at IS NULL'),
        sqlite_where=sa.text('deleted_at IS NULL'),
    )


def downgrade():
    op.drop_index('ix_entries_live_patient_day_recorded', table_name='entries')
