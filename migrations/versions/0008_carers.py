"""parents and carers who log for a patient; who entered each entry

Revision ID: 0008
Revises: 0004
Create Date: 2026-11-25 17:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["users.id"], name=f"fk_{table}_{column}_users", ondelete=ondelete
    )


def upgrade():
    op.create_table(
        "carer_links",
        sa.Column("carer_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _fk("carer_links", "carer_id", "CASCADE"),
        _fk("carer_links", "patient_id", "CASCADE"),
        _fk("carer_links", "invited_by_id", "SET NULL"),
        sa.PrimaryKeyConstraint("carer_id", "patient_id", name="pk_carer_links"),
    )
    with op.batch_alter_table("carer_links", schema=None) as batch_op:
        batch_op.create_index("ix_carer_links_patient_id", ["patient_id"], unique=False)
        batch_op.create_index("ix_carer_links_invited_by_id", ["invited_by_id"], unique=False)

    op.create_table(
        "carer_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_by_id", sa.Integer(), nullable=True),
        _fk("carer_invitations", "patient_id", "CASCADE"),
        _fk("carer_invitations", "invited_by_id", "SET NULL"),
        _fk("carer_invitations", "used_by_id", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_carer_invitations"),
        sa.UniqueConstraint("token_hash", name="uq_carer_invitations_token_hash"),
    )
    with op.batch_alter_table("carer_invitations", schema=None) as batch_op:
        for column in ("patient_id", "invited_by_id", "used_by_id"):
            batch_op.create_index(f"ix_carer_invitations_{column}", [column], unique=False)

    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("entered_by_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_entries_entered_by_id", ["entered_by_id"], unique=False)
        batch_op.create_foreign_key(
            "fk_entries_entered_by_id_users", "users", ["entered_by_id"], ["id"], ondelete="SET NULL"
        )
    # Every entry typed before this revision was typed by the patient (imports excepted).
    op.get_bind().execute(
        sa.text("UPDATE entries SET entered_by_id = patient_id WHERE imported = :no"), {"no": False}
    )


def downgrade():
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.drop_constraint("fk_entries_entered_by_id_users", type_="foreignkey")
        batch_op.drop_index("ix_entries_entered_by_id")
        batch_op.drop_column("entered_by_id")
    op.drop_table("carer_invitations")
    op.drop_table("carer_links")
