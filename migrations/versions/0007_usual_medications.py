"""usual medications: the patient's list, ticked on the diary form

Revision ID: 0007
Revises: 0004
Create Date: 2026-11-25 17:50:00

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "usual_medications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("dose", sa.String(length=60), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["patient_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("usual_medications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_usual_medications_patient_id"), ["patient_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("usual_medications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_usual_medications_patient_id"))
    op.drop_table("usual_medications")
