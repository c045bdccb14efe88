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
from werkzeug.serving import run_simple
from flask.cli import AppGroup, FlaskGroup, with_appcontext

from . import comments, moderation
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
        site, created = comments.save_site(key, list(origins), mode, name)
    except ValueError as e:
        raise click.UsageError(str(e)) from None
    verb = "added" if created else "updated"
    click.echo(f"site {site.key} {verb}: moderation={site.moderation} origins={' '.join(site.origins)}")


@moderator_cli.command("add")
@click.argument("name")
@click.option("--site", "sites", multiple=True, help="A site this moderator may moderate.")
@click.option("--admin", is_flag=True, help="May moderate every site.")
def moderator_add(name: str, sites: tuple[str, ...], admin: bool) -> None:
    """Add a moderator and print their token (shown this once; only its hash is kept)."""
    if not admin and not sites:
        raise click.UsageError("give at least one --site, or --admin")
    try:
        token = moderation.add_moderator(name, list(sites), admin)
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
    comments.save_site("demo", list(origins), None, "The Daily Demo")
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


@click.command("erase")
@with_appcontext
@click.option("--email", "address", required=True, help="Erase every comment of this address.")
def erase(address: str) -> None:
    """Erase every comment of one address; replies by others stay, moved up a level."""
    result = comments.erase_person(address)
    click.echo(f"erased {result.erased} comment{'' if result.erased == 1 else 's'}; "
               f"{result.reattached} repl{'y' if result.reattached == 1 else 'ies'} kept")


def register_commands(app: Flask) -> None:
    for command in (site_cli, moderator_cli, demo, serve):
        app.cli.add_command(command)
    app.cli.add_command(erase)


def main(argv: t.Sequence[str] | None = None) -> None:
    from . import create_app

    FlaskGroup(create_app=create_app, help="commentsvc: the comment service.")(argv)


if __name__ == "__main__":
    main()
