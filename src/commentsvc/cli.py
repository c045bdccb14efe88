"""The command line: `commentsvc site|moderator|demo|serve ...` (and `db` from Flask-Migrate).

    commentsvc db upgrade
    commentsvc site add demo --origin http://127.0.0.1:5000
    commentsvc moderator add ana --site demo      # prints the token once
    commentsvc serve --port 5000
"""

from __future__ import annotations

import os
import sys
import typing as t

import click
from flask import Flask, current_app
from flask.cli import AppGroup, FlaskGroup, with_appcontext
from werkzeug.serving import run_simple

from . import moderation, retention, sites
from .errors import ApiError
from .importers import IMPORTERS, ImportFailed, export
from .models import MODERATION_MODES

site_cli = AppGroup("site", help="Manage the sites that embed the service.")
moderator_cli = AppGroup("moderator", help="Manage moderators and their tokens.")


@site_cli.command("add")
@click.argument("key")
@click.option("--origin", "origins", multiple=True, help="An allowed origin, e.g. https://blog.example")
@click.option("--moderation", "mode", type=click.Choice(MODERATION_MODES), default=None,
              help="all (default): every comment waits; first-time; none.")
@click.option("--name", default=None, help="A display name for the site.")
def site_add(key: str, origins: tuple[str, ...], mode: str | None, name: str | None) -> None:
    """Add a site, or add origins to (and set the mode of) an existing one."""
    try:
        site, created = sites.save_site(key, list(origins), mode, name)
    except ValueError as e:
        raise click.UsageError(str(e)) from None
    verb = "added" if created else "updated"
    joined = " ".join(site.origins)
    click.echo(f"site {site.key} {verb}: moderation={site.moderation} origins={joined}")


@moderator_cli.command("add")
@click.argument("name")
@click.option("--site", "sites", multiple=True, help="A site this moderator may moderate.")
@click.option("--admin", is_flag=True, help="May moderate every site.")
@click.option("--email", default=None, metavar="ADDRESS",
              help="Where notifications of held comments go (needs SMTP_URL).")
def moderator_add(name: str, sites: tuple[str, ...], admin: bool, email: str | None) -> None:
    """Add a moderator and print their token (shown this once; only its hash is kept)."""
    if not admin and not sites:
        raise click.UsageError("give at least one --site, or --admin")
    try:
        token = moderation.add_moderator(name, list(sites), admin, email)
    except ValueError as e:
        raise click.UsageError(str(e)) from None
    click.echo(f"moderator {name} added. Token (shown once, keep it safe):")
    click.echo(token)


@moderator_cli.command("list")
def moderator_list() -> None:
    """List moderators, their sites and whether they are revoked."""
    for m in moderation.list_moderators():
        scope = "admin" if m.is_admin else ",".join(s.key for s in m.sites) or "-"
        state = "revoked" if m.revoked_at else "active"
        click.echo(f"{m.name}\t{scope}\t{state}")


@moderator_cli.command("revoke")
@click.argument("name")
def moderator_revoke(name: str) -> None:
    """Revoke a moderator's token at once."""
    if not moderation.revoke_moderator(name):
        raise click.UsageError(f"no active moderator named {name!r}")
    click.echo(f"moderator {name} revoked")


@click.command("demo")
@with_appcontext
@click.option("--origin", "origins", multiple=True,
              default=("http://127.0.0.1:5000", "http://localhost:5000"), show_default=True)
def demo(origins: tuple[str, ...]) -> None:
    """Create the demo site and a demo moderator (idempotent); print where to look."""
    sites.save_site("demo", list(origins), None, "The Daily Demo")
    name = "demo-moderator"
    if name in {m.name for m in moderation.list_moderators()}:
        click.echo(f"moderator {name} exists (its token was printed when it was created; "
                   f"`commentsvc moderator add NAME --admin` makes another)")
    else:
        token = moderation.add_moderator(name, ["demo"], admin=True)
        click.echo(f"moderator token (shown once): {token}")
    click.echo(f"demo article page: {origins[0]}/demo/")
    click.echo(f"review page:       {origins[0]}/moderate/")


@click.command("serve")
@with_appcontext
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=0, type=int,
              help="Run gunicorn with this many workers (0: the development server).")
def serve(host: str, port: int, workers: int) -> None:
    """Run the service: the development server, or gunicorn with --workers N."""
    if workers > 0 or current_app.config["ENV"] == "production":
        argv = [sys.executable, "-m", "gunicorn", "-c", "python:commentsvc.gunicorn_conf",
                "--bind", f"{host}:{port}", "commentsvc.wsgi_app:app"]
        if workers > 0:
            argv[5:5] = ["--workers", str(workers)]
        os.execv(sys.executable, argv)
    click.echo(f"serving on http://{host}:{port}/ (development server; --workers N for gunicorn)")
    run_simple(host, port, current_app._get_current_object(), threaded=True)  # type: ignore[attr-defined]


import_cli = AppGroup("import", help="Import comments from WordPress, Disqus or an export.")


def _import(kind: str, path: str, site: str, dry_run: bool) -> None:
    """Run one importer with a progress bar over the bytes read; print the summary."""
    try:
        with click.progressbar(length=os.path.getsize(path), label=f"reading {path}",
                               file=sys.stderr) as bar:
            summary = IMPORTERS[kind](path, site, dry_run=dry_run, progress=bar.update)
    except ImportFailed as e:
        raise click.ClickException(str(e)) from None
    for line in summary.lines(site):
        click.echo(line)


_import_file = click.argument("file", type=click.Path(exists=True, dir_okay=False))
_import_site = click.option("--site", required=True, help="The key of an existing site.")
_import_dry = click.option("--dry-run", is_flag=True, help="Parse and report; write nothing.")


@import_cli.command("wordpress")
@_import_file
@_import_site
@_import_dry
def import_wordpress(file: str, site: str, dry_run: bool) -> None:
    """Import the comments of a WordPress export (WXR 1.0-1.2)."""
    _import("wordpress", file, site, dry_run)


@import_cli.command("disqus")
@_import_file
@_import_site
@_import_dry
def import_disqus(file: str, site: str, dry_run: bool) -> None:
    """Import the posts of a Disqus XML export."""
    _import("disqus", file, site, dry_run)


@import_cli.command("jsonl")
@_import_file
@_import_site
@_import_dry
def import_jsonl(file: str, site: str, dry_run: bool) -> None:
    """Import a `commentsvc export` file (JSON lines)."""
    _import("jsonl", file, site, dry_run)


@click.command("export")
@with_appcontext
@click.option("--site", required=True, help="The key of the site to export.")
@click.option("--with-emails", is_flag=True, help="Include each commenter's address (decrypted).")
def export_cmd(site: str, with_emails: bool) -> None:
    """Write every comment of a site to stdout as JSON lines, one comment a line."""
    try:
        for line in export.export_lines(site, with_emails):
            click.echo(line)
    except ImportFailed as e:
        raise click.ClickException(str(e)) from None
@click.command("erase")
@with_appcontext
@click.option("--email", "address", required=True, help="Erase every comment of this address.")
def erase(address: str) -> None:
    """Erase every comment of one address; replies by others stay, moved up a level."""
    result = retention.erase_person(address)
    click.echo(f"erased {result.erased} comment{'' if result.erased == 1 else 's'}; "
               f"{result.reattached} repl{'y' if result.reattached == 1 else 'ies'} kept; "
               f"{result.subscriptions} subscription{'' if result.subscriptions == 1 else 's'} "
               "removed")


def register_commands(app: Flask) -> None:
    for command in (site_cli, moderator_cli, demo, serve):
        app.cli.add_command(command)
    register_abuse_commands(app)
    for command in (import_cli, export_cmd):
        app.cli.add_command(command)
    register_notify_commands(app)
    app.cli.add_command(erase)


def main(argv: t.Sequence[str] | None = None) -> None:
    from . import create_app

    FlaskGroup(create_app=create_app, help="commentsvc: the comment service.")(argv)


@site_cli.command("webhook")
@click.argument("key")
@click.argument("url", required=False)
@click.option("--remove", is_flag=True, help="Stop sending webhooks for this site.")
def site_webhook(key: str, url: str | None, remove: bool) -> None:
    """Set the URL that receives a signed JSON POST for each held comment; print the secret."""
    from .notify import webhook

    if bool(url) == remove:
        raise click.UsageError("give a URL, or --remove")
    try:
        site = sites.configure(key, webhook_url="" if remove else url)
    except ApiError as e:  # NotFound, InvalidSetting
        raise click.UsageError(e.message) from None
    if site.webhook_url is None:
        click.echo(f"site {key}: webhook removed")
        return
    click.echo(f"site {key}: webhook {site.webhook_url}")
    click.echo(f"signing secret (X-Commentsvc-Signature, HMAC-SHA256): {webhook.site_secret(key)}")


@click.command("worker")
@with_appcontext
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit.")
def worker(once: bool) -> None:
    """Send queued notifications (mail, webhooks), retrying with backoff; stops on SIGTERM."""
    import signal
    import threading

    from .notify import worker as notify_worker

    if once:
        tally = notify_worker.run_once()
        click.echo(", ".join(f"{n} {state}" for state, n in sorted(tally.items())) or "nothing due")
        return
    stop = threading.Event()

    def stop_on_signal(signum: int, frame: t.Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, stop_on_signal)
    signal.signal(signal.SIGINT, stop_on_signal)
    click.echo("worker started; SIGTERM stops it")
    notify_worker.run_forever(stop, echo=click.echo)
    click.echo("worker stopped")


@click.command("outbox")
@with_appcontext
@click.option("--retry", "retry_ids", multiple=True, type=int, metavar="ID",
              help="Put a given-up message back in line (after fixing its cause).")
def outbox_command(retry_ids: tuple[int, ...]) -> None:
    """Show the notification outbox: counts, and the messages pending or given up."""
    from .notify import outbox, reader

    if retry_ids:
        click.echo(f"{outbox.retry_failed(retry_ids)} message(s) queued again")
    s = outbox.summary()
    click.echo(f"pending {s.pending}  failed {s.failed}  sent {s.sent}  "
               f"stopped addresses {reader.stopped_count()}")
    for row in s.rows:
        state = "failed" if row.failed_at else "pending"
        when = (row.failed_at or row.next_attempt_at).strftime("%Y-%m-%d %H:%M:%S")
        click.echo(f"{row.id}\t{state}\t{row.kind}\tattempts={row.attempts}\t{when}\t"
                   f"{row.last_error or ''}")


def register_notify_commands(app: Flask) -> None:
    for command in (worker, outbox_command):
        app.cli.add_command(command)


if __name__ == "__main__":
    main()


# --- Abuse controls: spam training, purging spam, per-site rules ---------------------------

spam_cli = AppGroup("spam", help="Train and inspect the learned spam filter.")


@spam_cli.command("train")
@click.argument("file", type=click.File("r", encoding="utf-8-sig"))
def spam_train(file: t.IO[str]) -> None:
    """Teach the filter a labelled CSV (text: CONTENT|text|body; label: CLASS|label|spam)."""
    from .spam import bayes

    try:
        learned = bayes.train_from_csv(file.read())
    except (bayes.TrainingFileError, UnicodeDecodeError) as e:
        raise click.ClickException(f"{getattr(file, 'name', 'file')}: {e}") from None
    click.echo(f"learned {learned['spam']} spam and {learned['ham']} ham comments")


@click.command("purge")
@with_appcontext
@click.option("--spam-older-than", "days", type=click.IntRange(min=0), required=True,
              help="Erase comments marked spam more than this many days ago.")
def purge(days: int) -> None:
    """Erase old spam for good."""
    removed = retention.purge_spam(days)
    click.echo(f"purged {removed} spam comments older than {days} days")


@site_cli.command("set")
@click.argument("key")
@click.option("--max-links", type=click.IntRange(min=0), default=None,
              help="Links a comment may hold before it is held (default 2).")
@click.option("--disallowed-word", "disallowed", multiple=True,
              help="A word or phrase that makes a comment spam (repeat; '' clears).")
@click.option("--moderation-word", "moderation_words", multiple=True,
              help="A word or phrase that holds a comment for a moderator (repeat; '' clears).")
@click.option("--block-email", "emails", multiple=True, help="An address whose comments are spam.")
@click.option("--block-ip", "prefixes", multiple=True,
              help="A network (203.0.113.0/24, 2001:db8::/48) whose comments are spam.")
@click.option("--close-after-days", type=click.IntRange(min=0), default=None,
              help="Close articles to comments this many days after their first (0: never).")
@click.option("--max-depth", type=click.IntRange(min=1), default=None,
              help="How deep replies nest.")
@click.option("--webhook-url", default=None, help="Where to post moderation events ('' clears).")
@click.option("--moderation", "mode", type=click.Choice(MODERATION_MODES), default=None)
@click.option("--reader-notifications", "reader", type=click.Choice(["on", "off"]), default=None,
              help="Let readers subscribe to follow-up comments by email (needs SMTP_URL).")
def site_set(key: str, max_links: int | None, disallowed: tuple[str, ...],
             moderation_words: tuple[str, ...], emails: tuple[str, ...],
             prefixes: tuple[str, ...], close_after_days: int | None, max_depth: int | None,
             webhook_url: str | None, mode: str | None, reader: str | None) -> None:
    """Set a site's abuse rules and options; word and block lists replace the old ones."""
    try:
        site = sites.configure(
            key, max_links=max_links, disallowed_words=disallowed or None,
            moderation_words=moderation_words or None, blocked_emails=emails or None,
            blocked_ip_prefixes=prefixes or None, close_after_days=close_after_days,
            max_depth=max_depth, webhook_url=webhook_url, moderation=mode,
            reader_notifications=None if reader is None else reader == "on")
    except ApiError as e:  # NotFound, InvalidSetting
        raise click.UsageError(e.message) from None
    click.echo(f"site {site.key}: max_links={site.max_links} "
               f"disallowed_words={len(site.disallowed_words or [])} "
               f"moderation_words={len(site.moderation_words or [])} "
               f"blocked_emails={len(site.blocked_emails or [])} "
               f"blocked_ip_prefixes={','.join(site.blocked_ip_prefixes or []) or '-'} "
               f"close_after_days={site.close_after_days or '-'} max_depth={site.max_depth} "
               f"webhook_url={site.webhook_url or '-'} moderation={site.moderation} "
               f"reader_notifications={'on' if site.reader_notifications else 'off'}")


def register_abuse_commands(app: Flask) -> None:
    for command in (spam_cli, purge):
        app.cli.add_command(command)
