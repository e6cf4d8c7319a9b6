"""session generation, remember tokens, one revision per entry version

Revision ID: 0002
Revises: 0003
Create Date: 2026-11-25 14:40:00

"""
import json
import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0005'
branch_labels = None
depends_on = None


def _renumber_duplicate_revisions():
    """Before the unique constraint: concurrent edits could store two revisions with the same
    version. Number an affected entry's revisions 1..n again, in the order they were written,
    and keep the entry's version above them."""
    conn = op.get_bind()
    duplicated = conn.execute(sa.text(
        "SELECT DISTINCT entry_id FROM entry_revisions "
        "GROUP BY entry_id, version HAVING COUNT(*) > 1"
    )).scalars().all()
    for entry_id in duplicated:
        ids = conn.execute(
            sa.text("SELECT id FROM entry_revisions WHERE entry_id = :e ORDER BY changed_at, id"),
            {"e": entry_id},
        ).scalars().all()
        # Two passes, so no intermediate state repeats a (entry, version) pair.
        for n, revision_id in enumerate(ids, start=1):
            conn.execute(sa.text("UPDATE entry_revisions SET version = :v WHERE id = :i"),
                         {"v": -n, "i": revision_id})
        conn.execute(sa.text("UPDATE entry_revisions SET version = -version WHERE entry_id = :e"),
                     {"e": entry_id})
        conn.execute(
            sa.text("UPDATE entries SET version = :v WHERE id = :e AND version <= :n"),
            {"v": len(ids) + 1, "n": len(ids), "e": entry_id},
        )


# JSON text columns that could hold lone surrogates (written as \\udXXX escapes) before the text
# rule: SQLite stored them, and every page or export reading them then failed.
_JSON_TEXT = (("entries", "medications"), ("infusions", "adjuncts"), ("entry_revisions", "content"))
_LONE = re.compile("[\ud800-\udfff]")


def _scalar_values(value):
    if isinstance(value, str):
        return _LONE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_scalar_values(v) for v in value]
    if isinstance(value, dict):
        return {_scalar_values(k): _scalar_values(v) for k, v in value.items()}
    return value


def _repair_lone_surrogates():
    """Replace lone surrogates in stored JSON with U+FFFD, so those rows can be shown again."""
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":  # PostgreSQL's json type never accepted them
        return
    for table, column in _JSON_TEXT:
        rows = conn.execute(sa.text(
            f"SELECT id, {column} FROM {table} WHERE {column} LIKE '%\\ud%' ESCAPE '!'"
        )).all()
        for row_id, raw in rows:
            value = json.loads(raw) if isinstance(raw, str) else raw
            fixed = _scalar_values(value)
            if fixed != value:
                conn.execute(sa.text(f"UPDATE {table} SET {column} = :v WHERE id = :i"),
                             {"v": json.dumps(fixed), "i": row_id})


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default='1', nullable=False))

    op.create_table('remember_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('session_generation', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_remember_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_remember_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_remember_tokens_token_hash'))
    )
    with op.batch_alter_table('remember_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_remember_tokens_user_id'), ['user_id'], unique=False)

    _renumber_duplicate_revisions()
    _repair_lone_surrogates()
    with op.batch_alter_table('entry_revisions', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_entry_revisions_entry_id'), ['entry_id', 'version'])


def downgrade():
    with op.batch_alter_table('entry_revisions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_entry_revisions_entry_id'), type_='unique')

    with op.batch_alter_table('remember_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_remember_tokens_user_id'))

    op.drop_table('remember_tokens')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_generation')
