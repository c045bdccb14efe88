"""newsroom: reader flags, bans, staff replies, pins, moderators' display names

Revision ID: 0007_newsroom
Revises: 0006_tidy
"""
from alembic import op
import sqlalchemy as sa


revision = "0007_newsroom"
down_revision = "0006_tidy"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("reader_hash", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["comment_id"], ["comments.id"],
                                name=op.f("fk_flags_comment_id_comments"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flags")),
        sa.UniqueConstraint("comment_id", "reader_hash",
                            name=op.f("uq_flags_comment_id_reader_hash")),
    )
    op.create_table(
        "bans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.Column("shown", sa.String(length=100), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"],
                                name=op.f("fk_bans_site_id_sites"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bans")),
    )
    op.create_index("ix_bans_lookup", "bans", ["site_id", "kind", "value"], unique=False)
    with op.batch_alter_table("comments") as batch:
        batch.add_column(sa.Column("staff", sa.Boolean(), server_default="0", nullable=False))
        batch.add_column(sa.Column("pinned_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("moderators") as batch:
        batch.add_column(sa.Column("display_name", sa.String(length=100), nullable=True))


def downgrade():
    with op.batch_alter_table("moderators") as batch:
        batch.drop_column("display_name")
    with op.batch_alter_table("comments") as batch:
        batch.drop_column("pinned_at")
        batch.drop_column("staff")
    op.drop_index("ix_bans_lookup", table_name="bans")
    op.drop_table("bans")
    op.drop_table("flags")
