"""review sessions stored server side; avatar keys per site

Revision ID: 0003_sec
Revises: 0002_spam

The avatar key used to be the same for one address on every site. Stored comments get the
per-site key here, worked out from their encrypted address with the running app's keys
(`commentsvc db upgrade` runs inside the app), so old comments cannot link a person across
sites either. Comments whose address no key opens keep their key; downgrade leaves keys as
they are (the old code reads either kind).
"""
from alembic import op
import sqlalchemy as sa
from flask import current_app

from commentsvc.privacy import Keys


revision = "0003_sec"
down_revision = "0002_spam"
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
    _avatar_keys_per_site()


def _avatar_keys_per_site():
    keys = Keys.from_config(current_app.config)
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT c.id, c.email_cipher, s.key FROM comments c "
        "JOIN articles a ON a.id = c.article_id JOIN sites s ON s.id = a.site_id "
        "WHERE c.email_cipher IS NOT NULL"
    )).fetchall()
    changes = []
    for comment_id, cipher, site_key in rows:
        email = keys.decrypt(cipher)
        if email is not None:
            changes.append({"id": comment_id, "key": keys.avatar_key(email, site_key)})
    if changes:
        conn.execute(sa.text("UPDATE comments SET avatar_key = :key WHERE id = :id"), changes)


def downgrade():
    with op.batch_alter_table("review_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_sessions_expires_at"))
        batch_op.drop_index(batch_op.f("ix_review_sessions_moderator_id"))
    op.drop_table("review_sessions")
