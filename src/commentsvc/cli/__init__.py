"""The command line, one module per group; `register_commands(app)` lists them all.

    commentsvc db upgrade                          # Flask-Migrate
    commentsvc site add demo --origin http://127.0.0.1:5000
    commentsvc moderator add ana --site demo       # prints the token once
    commentsvc import wordpress export.xml --site demo
    commentsvc serve --port 5000

The groups: `sites` (site add|set|webhook), `moderators` (moderator add|list|revoke),
`data` (import, export, erase, purge) and `operations` (serve, worker, outbox, spam, demo).
The console entry `main()` lives in `commentsvc.wsgi_app`, beside the WSGI `app`.
"""

from __future__ import annotations

from flask import Flask

from . import data, moderators, operations, sites

COMMANDS = (
    sites.site_cli,
    moderators.moderator_cli,
    operations.demo,
    operations.serve,
    operations.spam_cli,
    data.purge,
    data.import_cli,
    data.export_cmd,
    operations.worker,
    operations.outbox_command,
    data.erase,
)


def register_commands(app: Flask) -> None:
    """Add every command group to `app.cli` (the order `commentsvc --help` lists them in)."""
    for command in COMMANDS:
        app.cli.add_command(command)
