"""review sessions stored server side

Revision ID: 0002_sec
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


revision = "0002_sec"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "review_sessions",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("moderator_id", sa.Integer(), nullable=False),
        sa.Column("csrf", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["moderator_id"], ["moderators.id"],
                                name=op.f("fk_review_sessions_moderator_id_moderators"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_review_sessions")),
    )
    with op.batch_alter_table("review_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_sessions_moderator_id"), ["moderator_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_review_sessions_expires_at"), ["expires_at"],
                              unique=False)


def downgrade():
    with op.batch_alter_table("review_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_sessions_expires_at"))
        batch_op.drop_index(batch_op.f("ix_review_sessions_moderator_id"))
    op.drop_table("review_sessions")
