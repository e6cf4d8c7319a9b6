"""an index of the entries someone other than the patient entered: (patient_id, day)

The clinician's review lists the days a carer logged for the patient (services/carers.py,
proxy_days), on every view of the page; the FHIR export names those carers. Each read every
entry of the patient in the period (five years of a diary: 1,826 rows) to find the few a carer
entered. This partial index holds only those (entered_by_id <> patient_id: a carer's; the
patient's own and imported ones are not in it), by patient and day.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_entries_by_others_patient_day',
        'entries',
        ['patient_id', 'day'],
        unique=False,
        postgresql_where=sa.text('entered_by_id <> patient_id'),
        sqlite_where=sa.text('entered_by_id <> patient_id'),
    )


def downgrade():
    op.drop_index('ix_entries_by_others_patient_day', table_name='entries')
