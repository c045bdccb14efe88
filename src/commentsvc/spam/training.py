"""`commentsvc spam train FILE.csv`: read a labelled CSV, keep its rows, train a new version.

    rows = read_csv(stream)                  # [(text, author, is_spam), ...]
    learned = train_from_csv(text, "youtube.csv")   # {"spam": 175, "ham": 175, "version": 3}
"""

from __future__ import annotations

import csv
import io
import typing as t

from .store import train_from_rows

TEXT_COLUMNS = ("CONTENT", "text", "body")
LABEL_COLUMNS = ("CLASS", "label", "spam")
AUTHOR_COLUMNS = ("AUTHOR", "author", "name")
LABELS = {"spam": True, "1": True, "ham": False, "0": False}


class TrainingFileError(ValueError):
    """A training file that cannot be read, with the reason a person can act on."""


def _column(folded: dict[str, str], names: tuple[str, ...]) -> str | None:
    return next((folded[c.casefold()] for c in names if c.casefold() in folded), None)


def read_csv(stream: t.IO[str]) -> list[tuple[str, str, bool]]:
    """(text, author, is_spam) rows from a labelled CSV with a header.

    :raises TrainingFileError: for a missing column, a bad label or an empty file.
    """
    try:
        reader = csv.DictReader(stream)
        header = reader.fieldnames or []
    except csv.Error as e:
        raise TrainingFileError(f"not a CSV file: {e}") from None
    folded = {name.strip().lstrip("\ufeff").casefold(): name for name in header}
    text_col, label_col = _column(folded, TEXT_COLUMNS), _column(folded, LABEL_COLUMNS)
    author_col = _column(folded, AUTHOR_COLUMNS)
    if text_col is None or label_col is None:
        raise TrainingFileError(
            f"the header must name a text column ({', '.join(TEXT_COLUMNS)}) and a label column "
            f"({', '.join(LABEL_COLUMNS)}); found: {', '.join(header) or 'nothing'}"
        )
    rows = []
    try:
        for line, row in enumerate(reader, start=2):
            raw = (row.get(label_col) or "").strip().casefold()
            if raw not in LABELS:
                raise TrainingFileError(
                    f"line {line}: label {row.get(label_col)!r} is not 1/0 or spam/ham")
            author = (row.get(author_col) or "") if author_col else ""
            rows.append((row.get(text_col) or "", author, LABELS[raw]))
    except csv.Error as e:
        raise TrainingFileError(f"line {reader.line_num}: {e}") from None
    if not rows:
        raise TrainingFileError("the file has a header but no rows")
    return rows


def train_from_csv(data: str, name: str = "file") -> dict[str, int | None]:
    """Keep every row of a labelled CSV text and train a new version; commits.

    :raises TrainingFileError: when the file cannot be used (nothing is kept then).
    """
    rows = read_csv(io.StringIO(data, newline=""))
    version = train_from_rows(rows, origin=f"file:{name}")
    return {"spam": sum(s for _, _, s in rows), "ham": sum(not s for _, _, s in rows),
            "version": version.id if version else None}
