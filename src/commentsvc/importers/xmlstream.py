"""Streaming, hostile-input-safe XML reading for the importers.

    for event, elem, parents in stream(path, progress=bar.update):
        if event == "end" and local(elem.tag) == "item":
            ...                      # then drop(elem, parents) to free memory

defusedxml refuses any DTD, so no entity is ever expanded (billion laughs) and no external
entity or file is ever fetched. Parse errors become ImportFailed naming the line and column.
"""

from __future__ import annotations

import typing as t
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from .common import ImportFailed

Progress = t.Callable[[int], None]


class _Counting:
    """A binary file that reports how many bytes were read, for a progress bar."""

    def __init__(self, raw: t.BinaryIO, progress: Progress | None) -> None:
        self.raw = raw
        self.progress = progress

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        if self.progress is not None and data:
            self.progress(len(data))
        return data


def local(tag: t.Any) -> str:
    """The local name of a (possibly namespaced) tag."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def namespace(tag: t.Any) -> str:
    return tag[1:].split("}", 1)[0] if isinstance(tag, str) and tag.startswith("{") else ""


def text(elem: Element | None) -> str:
    """The element's text (CDATA included); '' when absent."""
    return (elem.text or "") if elem is not None else ""


def stream(path: str | Path,
           progress: Progress | None = None) -> t.Iterator[tuple[str, Element, list[Element]]]:
    """Yield (event, element, ancestors) for start and end events.

    :raises ImportFailed: for a file that is not well-formed or holds a DTD or entities.
    """
    try:
        raw = open(path, "rb")  # noqa: SIM115 - closed below
    except OSError as e:
        raise ImportFailed(f"{path}: cannot read the file: {e.strerror}") from None
    stack: list[Element] = []
    try:
        parser = iterparse(_Counting(raw, progress), events=("start", "end"), forbid_dtd=True)
        for event, elem in parser:
            if event == "start":
                yield event, elem, stack
                stack.append(elem)
            else:
                stack.pop()
                yield event, elem, stack
    except ParseError as e:
        line, column = getattr(e, "position", (0, 0))
        reason = str(e).split(":")[0]
        raise ImportFailed(
            f"{path}: not well-formed XML at line {line}, column {column + 1}: {reason}; "
            "nothing was imported"
        ) from None
    except DefusedXmlException as e:
        raise ImportFailed(
            f"{path}: refused: the file declares a DTD or entities ({e}); imports never expand "
            "entities or fetch external files; nothing was imported"
        ) from None
    finally:
        raw.close()


def drop(elem: Element, ancestors: list[Element]) -> None:
    """Free a processed element (and detach it from its parent) while streaming."""
    elem.clear()
    if ancestors:
        try:
            ancestors[-1].remove(elem)
        except ValueError:
            pass
