"""Translations: a stand-in until the shared Flask-Babel catalogue lands (engineer "widget").

    from .i18n import gettext as _
    _("Notify me of follow-up comments by email.")

The identity functions below keep every user-facing string marked for extraction; the real
module swaps in Flask-Babel's `gettext`/`ngettext` and `force_locale` with the same names.
"""

from __future__ import annotations

import contextlib
import typing as t


def gettext(message: str, **variables: t.Any) -> str:
    """The message in the current language (English here), with %(name)s filled in."""
    return message % variables if variables else message


def ngettext(singular: str, plural: str, num: int, **variables: t.Any) -> str:
    """Singular or plural form for `num`; %(num)d is filled in."""
    return (singular if num == 1 else plural) % {"num": num, **variables}


@contextlib.contextmanager
def force_locale(lang: str | None) -> t.Iterator[None]:
    """Render mail in a reader's language (a no-op until the catalogue exists)."""
    yield
