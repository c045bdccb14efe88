"""spam: learned filter versions, labelled examples, the site's hold budget

Revision ID: 0002_spam
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


revision = "0002_spam"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "spam_models",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("header", sa.JSON(), nullable=False),
        sa.Column("weights", sa.LargeBinary(), nullable=False),
        sa.Column("events_through", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spam_models")),
    )
    op.create_table(
        "spam_examples",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=True),
        sa.Column("origin", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("url", sa.String(length=200), nullable=True),
        sa.Column("spam", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["comment_id"], ["comments.id"],
                                name=op.f("fk_spam_examples_comment_id_comments"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spam_examples")),
        sa.UniqueConstraint("comment_id", name=op.f("uq_spam_examples_comment_id")),
    )
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.add_column(sa.Column("spam_hold_budget", sa.Float(), server_default="0.1",
                                      nullable=False))


def downgrade():
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_column("spam_hold_budget")
    op.drop_table("spam_examples")
    op.drop_table("spam_models")
