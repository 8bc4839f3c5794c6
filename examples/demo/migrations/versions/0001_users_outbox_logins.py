"""Users, the outbox the welcome task writes to, and the auth battery's login records.

Revision ID: 0001
Revises:
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_outbox_message_user_id", "outbox_message", ["user_id"])
    # The auth battery's tables (hipflask.auth keeps logins and remember-me tokens in the app's
    # database when hipflask.db is configured): one row per login, one per remember-me token.
    op.create_table(
        "hipflask_auth_logins",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("auth_hash", sa.String(length=64), nullable=False),
        sa.Column("expires", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_hipflask_auth_logins_expires", "hipflask_auth_logins", ["expires"])
    op.create_index("ix_hipflask_auth_logins_user_id", "hipflask_auth_logins", ["user_id"])
    op.create_table(
        "hipflask_auth_tokens",
        sa.Column("selector", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("auth_hash", sa.String(length=64), nullable=False),
        sa.Column("validator_hash", sa.String(length=64), nullable=False),
        sa.Column("previous_hash", sa.String(length=64), nullable=False),
        sa.Column("rotated", sa.Float(), nullable=False),
        sa.Column("expires", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("selector"),
    )
    op.create_index("ix_hipflask_auth_tokens_expires", "hipflask_auth_tokens", ["expires"])
    op.create_index("ix_hipflask_auth_tokens_user_id", "hipflask_auth_tokens", ["user_id"])


def downgrade() -> None:
    op.drop_table("hipflask_auth_tokens")
    op.drop_table("hipflask_auth_logins")
    op.drop_table("outbox_message")
    op.drop_table("user")
