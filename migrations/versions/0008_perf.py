"""PostgreSQL: announce every change of a site or article on commit (NOTIFY commentsvc_heads)

Each worker keeps the read path's thread heads (site + article version) in memory and listens
on this channel; a trigger fires in the writing transaction, so the notice is delivered when it
commits and never for a rollback, whichever code path (API, CLI, import, retention) wrote.
Payloads: "a:<article id>" (changed or deleted), "n:<site id>" (a new article on that site),
"s:<site id>" (the site changed or went away). SQLite has no NOTIFY: nothing to do there.

Revision ID: 0008_perf
Revises: 0007_newsroom
"""
from alembic import op


revision = "0008_perf"
down_revision = "0007_newsroom"
branch_labels = None
depends_on = None

CHANNEL = "commentsvc_heads"

FUNCTIONS = {
    "commentsvc_article_changed": f"""
        CREATE OR REPLACE FUNCTION commentsvc_article_changed() RETURNS trigger AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                PERFORM pg_notify('{CHANNEL}', 'n:' || NEW.site_id);
            ELSIF TG_OP = 'DELETE' THEN
                PERFORM pg_notify('{CHANNEL}', 'a:' || OLD.id);
            ELSE
                PERFORM pg_notify('{CHANNEL}', 'a:' || NEW.id);
            END IF;
            RETURN NULL;
        END $$ LANGUAGE plpgsql""",
    "commentsvc_site_changed": f"""
        CREATE OR REPLACE FUNCTION commentsvc_site_changed() RETURNS trigger AS $$
        BEGIN
            PERFORM pg_notify('{CHANNEL}', 's:' || OLD.id);
            RETURN NULL;
        END $$ LANGUAGE plpgsql""",
}


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for sql in FUNCTIONS.values():
        op.execute(sql)
    op.execute("CREATE TRIGGER commentsvc_article_changed AFTER INSERT OR UPDATE OR DELETE "
               "ON articles FOR EACH ROW EXECUTE FUNCTION commentsvc_article_changed()")
    op.execute("CREATE TRIGGER commentsvc_site_changed AFTER UPDATE OR DELETE "
               "ON sites FOR EACH ROW EXECUTE FUNCTION commentsvc_site_changed()")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS commentsvc_article_changed ON articles")
    op.execute("DROP TRIGGER IF EXISTS commentsvc_site_changed ON sites")
    for name in FUNCTIONS:
        op.execute(f"DROP FUNCTION IF EXISTS {name}()")
