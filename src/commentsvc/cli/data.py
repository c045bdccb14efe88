"""Comments in and out: `commentsvc import|export|erase|purge`.

    commentsvc import wordpress blog.xml --site blog [--dry-run]
    commentsvc import disqus disqus.xml --site blog
    commentsvc export --site blog > blog.jsonl && commentsvc import jsonl blog.jsonl --site copy
    commentsvc erase --email someone@example.org
    commentsvc purge --spam-older-than 30        # and decoys, sessions, mail records, flag hashes
"""

from __future__ import annotations

import os
import sys

import click
from flask.cli import AppGroup, with_appcontext

from .. import retention
from ..importers import IMPORTERS, ImportFailed, export

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


FORMATS = {
    "wordpress": "Import the comments of a WordPress export (WXR 1.0-1.2).",
    "disqus": "Import the posts of a Disqus XML export.",
    "jsonl": "Import a `commentsvc export` file (JSON lines).",
}


def _import_command(kind: str, summary: str) -> None:
    """`commentsvc import <kind> FILE --site KEY [--dry-run]`: one command per format."""

    @import_cli.command(kind, help=summary)
    @click.argument("file", type=click.Path(exists=True, dir_okay=False))
    @click.option("--site", required=True, help="The key of an existing site.")
    @click.option("--dry-run", is_flag=True, help="Parse and report; write nothing.")
    def command(file: str, site: str, dry_run: bool) -> None:
        _import(kind, file, site, dry_run)


for _kind, _summary in FORMATS.items():
    _import_command(_kind, _summary)


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


@click.command("purge")
@with_appcontext
@click.option("--spam-older-than", "days", type=click.IntRange(min=0), required=True,
              help="Erase comments marked spam more than this many days ago.")
def purge(days: int) -> None:
    """Erase old spam for good, and the traces nothing needs any more (decoys, expired review
    sessions, old reader mail records, the reader hashes of decided flags)."""
    try:
        traces = retention.purge_traces()
    except ValueError as e:  # a PURGE_*_DAYS setting that is no number of days
        raise click.ClickException(str(e)) from None
    removed = retention.purge_spam(days)
    click.echo(f"purged {removed} spam comments older than {days} days")
    for line in traces.lines():
        click.echo(line)
