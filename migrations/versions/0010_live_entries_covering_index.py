"""a covering index of live entries: (patient_id, day, pain) where not deleted

The dashboard reads each patient's daily pain over a window of days from it alone (an
index-only scan on PostgreSQL), and the last entry day of each patient.

Revision ID: 0010
Revises: 0004
Create Date: 2026-11-25 18:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_entries_live_patient_day_pain',
        'entries',
        ['patient_id', 'day', 'pain'],
        unique=False,
        postgresql_where=sa.text('deleted_at IS NULL'),
        sqlite_where=sa.text('deleted_at IS NULL'),
    )


def downgrade():
    op.drop_index('ix_entries_live_patient_day_pain', table_name='entries')
