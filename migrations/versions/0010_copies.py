"""copies: the duplicate rule's key reordered (article, text, address)

The unique key led with the address, so a submission's check for the same text from any
address on the article walked every comment of the article (~1 ms of PostgreSQL CPU per
submission at 8,000 comments, growing with the thread). With the text before the address the
same key answers both checks with a look-up.

Revision ID: 0010_copies
Revises: 0009_sec2
"""
from alembic import op


revision = "0010_copies"
down_revision = "0009_sec2"
branch_labels = None
depends_on = None

OLD = ("uq_comments_article_id_email_hash_body_fingerprint",
       ["article_id", "email_hash", "body_fingerprint"])
NEW = ("uq_comments_article_id_body_fingerprint_email_hash",
       ["article_id", "body_fingerprint", "email_hash"])


def _swap(drop, create):
    # new before old: on PostgreSQL (one transaction) the rule never lapses
    with op.batch_alter_table("comments") as batch_op:
        batch_op.create_unique_constraint(*create)
        batch_op.drop_constraint(drop[0], type_="unique")


def upgrade():
    _swap(OLD, NEW)


def downgrade():
    _swap(NEW, OLD)
