"""Running the service: `commentsvc serve|worker|outbox|spam train|demo`.

    commentsvc serve --port 5000                 # the development server
    commentsvc serve --workers 4                 # gunicorn (always, when ENV=production)
    commentsvc worker [--once]                   # send queued mail, webhooks, reports
    commentsvc outbox [--retry ID]               # what is pending or given up
    commentsvc spam train labelled.csv
    commentsvc demo --origin http://127.0.0.1:5000
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import typing as t

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from werkzeug.serving import run_simple

from .. import moderation, sites
from ..notify import outbox, reader
from ..notify import worker as notify_worker
from ..spam import training

# The WSGI object gunicorn loads (the entry module; the top-level wsgi.py imports it too).
WSGI_APP = "commentsvc.wsgi_app:app"


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
                "--bind", f"{host}:{port}", WSGI_APP]
        if workers > 0:
            argv[5:5] = ["--workers", str(workers)]
        os.execv(sys.executable, argv)
    click.echo(f"serving on http://{host}:{port}/ (development server; --workers N for gunicorn)")
    run_simple(host, port, current_app._get_current_object(), threaded=True)  # type: ignore[attr-defined]


@click.command("worker")
@with_appcontext
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit.")
def worker(once: bool) -> None:
    """Send queued notifications (mail, webhooks), retrying with backoff; stops on SIGTERM."""
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


spam_cli = AppGroup("spam", help="Train and inspect the learned spam filter.")


@spam_cli.command("train")
@click.argument("file", type=click.File("r", encoding="utf-8-sig"))
def spam_train(file: t.IO[str]) -> None:
    """Teach the filter a labelled CSV (text: CONTENT|text|body; label: CLASS|label|spam)."""
    name = os.path.basename(str(getattr(file, "name", "file")))
    try:
        learned = training.train_from_csv(file.read(), name)
    except (training.TrainingFileError, UnicodeDecodeError) as e:
        raise click.ClickException(f"{getattr(file, 'name', 'file')}: {e}") from None
    version = learned["version"]
    click.echo(f"learned {learned['spam']} spam and {learned['ham']} ham comments; "
               + (f"filter version {version}" if version else
                  "not enough examples of both kinds for a filter yet"))


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
