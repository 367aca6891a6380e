"""Users, their roles, and API tokens (stored as hashes only); a case's declarations tied to its network at each
scan (what a customs officer's view is scoped by).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = 256
_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("case_scans") as batch:
        batch.add_column(sa.Column("n_declarations", sa.Integer, nullable=False, server_default="0"))
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(ID), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("brands", sa.JSON, nullable=False),
        sa.Column("password_hash", sa.String(512)),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("disabled_at", _TS),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False, index=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("label", sa.String(ID), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("expires_at", _TS),
        sa.Column("revoked_at", _TS),
    )


def downgrade() -> None:
    with op.batch_alter_table("case_scans") as batch:
        batch.drop_column("n_declarations")
    op.drop_table("api_tokens")
    op.drop_table("users")
