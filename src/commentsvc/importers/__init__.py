"""Comments in from WordPress, Disqus or an earlier export, and out as JSON lines.

    from commentsvc.importers import IMPORTERS, ImportFailed
    summary = IMPORTERS["wordpress"]("export.xml", "blog", dry_run=True)

Each format module turns a file into records while streaming it; `common.Store` writes them
in one transaction per file.
"""

from __future__ import annotations

import typing as t

from . import disqus, export, wordpress
from .common import ImportFailed, Summary

IMPORTERS: dict[str, t.Callable[..., Summary]] = {
    "wordpress": wordpress.import_file,
    "disqus": disqus.import_file,
    "jsonl": export.import_file,
}

__all__ = ["IMPORTERS", "ImportFailed", "Summary", "export"]
