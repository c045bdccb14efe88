"""switches: site switches (read-only, quiet hours, flag threshold, default language)

Revision ID: 0005_switches
Revises: 0004_notify (which added reader_notifications)
"""
from alembic import op
import sqlalchemy as sa


revision = "0005_switches"
down_revision = "0004_notify"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.add_column(sa.Column("read_only", sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.add_column(sa.Column("quiet_hours", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("flag_threshold", sa.Integer(), server_default="3",
                                      nullable=False))
        batch_op.add_column(sa.Column("default_lang", sa.String(length=35), nullable=True))


def downgrade():
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_column("default_lang")
        batch_op.drop_column("flag_threshold")
        batch_op.drop_column("quiet_hours")
        batch_op.drop_column("read_only")
