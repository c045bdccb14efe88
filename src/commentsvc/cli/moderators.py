"""`commentsvc moderator add|list|revoke`: moderators and their tokens.

    commentsvc moderator add ana --site blog --email ana@example.org   # prints the token once
    commentsvc moderator add ana --site blog --display-name "Ana, Newsdesk"  # staff replies
    commentsvc moderator list
    commentsvc moderator revoke ana
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from .. import moderation

moderator_cli = AppGroup("moderator", help="Manage moderators and their tokens.")


@moderator_cli.command("add")
@click.argument("name")
@click.option("--site", "sites", multiple=True, help="A site this moderator may moderate.")
@click.option("--admin", is_flag=True, help="May moderate every site.")
@click.option("--email", default=None, metavar="ADDRESS",
              help="Where notifications of held comments go (needs SMTP_URL).")
@click.option("--display-name", default=None, metavar="NAME",
              help='The name staff replies are signed with, e.g. "Ana, Newsdesk".')
def moderator_add(name: str, sites: tuple[str, ...], admin: bool, email: str | None,
                  display_name: str | None) -> None:
    """Add a moderator and print their token (shown this once; only its hash is kept)."""
    if not admin and not sites:
        raise click.UsageError("give at least one --site, or --admin")
    try:
        token = moderation.add_moderator(name, list(sites), admin, email, display_name)
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
        click.echo(f"{m.name}\t{scope}\t{state}\t{m.display_name or ''}".rstrip("\t"))


@moderator_cli.command("revoke")
@click.argument("name")
def moderator_revoke(name: str) -> None:
    """Revoke a moderator's token at once."""
    if not moderation.revoke_moderator(name):
        raise click.UsageError(f"no active moderator named {name!r}")
    click.echo(f"moderator {name} revoked")
