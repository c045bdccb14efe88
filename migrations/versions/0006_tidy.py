"""drop spam_tokens: the naive Bayes counts no scorer reads any more

Revision ID: 0006_tidy
Revises: 0005_switches

The learned filter is a logistic regression stored in spam_models and retrained by the worker
from spam_examples and moderators' status events; the old per-token counts were only written.
Downgrade recreates the table empty (the old code read an empty table as "untrained").
"""
from alembic import op
import sqlalchemy as sa


revision = "0006_tidy"
down_revision = "0005_switches"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_table("spam_tokens")


def downgrade():
    op.create_table(
        "spam_tokens",
        sa.Column("token", sa.String(length=100), nullable=False),
        sa.Column("spam", sa.Integer(), nullable=False),
        sa.Column("ham", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_spam_tokens")),
    )
