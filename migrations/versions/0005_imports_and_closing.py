"""imported entries and infusions, closed accounts

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-25 14:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    for table in ("entries", "infusions"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("imported", sa.Boolean(), server_default=sa.false(), nullable=False)
            )
            batch_op.add_column(sa.Column("import_key", sa.String(length=80), nullable=True))
            batch_op.create_index(
                f"uq_{table}_patient_import_key", ["patient_id", "import_key"], unique=True
            )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("closed_at")
    for table in ("infusions", "entries"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f"uq_{table}_patient_import_key")
            batch_op.drop_column("import_key")
            batch_op.drop_column("imported")
