"""sec2: decoys, the trace of a repeat answered like a held comment (issue 12 item 3)

Revision ID: 0009_sec2
Revises: 0008_perf
"""
from alembic import op
import sqlalchemy as sa


revision = "0009_sec2"
down_revision = "0008_perf"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "decoys",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("email_hash", sa.String(length=64), nullable=False),
        sa.Column("ip_hash", sa.String(length=64), nullable=True),
        sa.Column("body_fingerprint", sa.String(length=64), nullable=True),
        sa.Column("edit_token_hash", sa.String(length=64), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("author_name", sa.String(length=100), nullable=False),
        sa.Column("author_url", sa.String(length=200), nullable=True),
        sa.Column("avatar_key", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"],
                                name=op.f("fk_decoys_article_id_articles"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decoys")),
    )
    op.create_index("ix_decoys_article", "decoys", ["article_id", "body_fingerprint"])
    op.create_index(op.f("ix_decoys_email_hash"), "decoys", ["email_hash"])
    op.create_index(op.f("ix_decoys_ip_hash"), "decoys", ["ip_hash"])


def downgrade():
    op.drop_index(op.f("ix_decoys_ip_hash"), table_name="decoys")
    op.drop_index(op.f("ix_decoys_email_hash"), table_name="decoys")
    op.drop_index("ix_decoys_article", table_name="decoys")
    op.drop_table("decoys")
