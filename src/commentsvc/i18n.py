"""Languages: one gettext catalogue for the server's pages and messages and for the widget.

The catalogue lives in ``translations/<locale>/LC_MESSAGES/messages.po`` (``messages.pot`` is the
template extracted from the Python code, the templates and the widget's JavaScript; see
``babel.cfg``). The server reads the compiled ``messages.mo`` through Flask-Babel. The widget's
strings (those whose source location is a ``.js`` file) are served per language as a small JSON
object, ``{English text: translation}`` or, for plurals, ``{English singular: {CLDR category:
text}}`` so that the browser's ``Intl.PluralRules`` picks the form.

Language choice (CONTRACT.md): the no-JavaScript page takes ``?lang=`` then ``Accept-Language``;
everything else (validation messages, the form error page) takes ``Accept-Language``; the review
page then falls back to its site's ``default_lang`` (``g.fallback_lang``). A regional tag falls
back to its language (``fr-CA`` → ``fr``), Chinese in simplified script to ``zh-Hans``.

Error texts are raised as `Text` (``N_("is required")``, ``nt(...)``): English everywhere they
go, translated by their msgid in `translate_answer`, never by matching their wording. The review
page's script gets its texts from `review_strings()`, held in the page as JSON. A duration
is a value of its own (``N_("... work for %(duration)s.", duration=Hours(1.5))``), written with
its unit in the answer's language when the text is.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import typing as t
from gettext import c2py
from pathlib import Path

import flask_babel
from babel import Locale
from babel.dates import format_date, format_time, get_datetime_format
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from babel.units import format_unit
from flask import Flask, g, has_request_context, request
from flask_babel import Babel, get_locale, gettext, ngettext

TRANSLATIONS = Path(__file__).parent / "translations"
SOURCE_LOCALE = "en"
# Integers and a few large round numbers: enough to meet every CLDR category an integer can take.
_PLURAL_SAMPLES = (*range(0, 220), 1000, 10000, 100000, 1000000, 2000000)

babel = Babel()


class Text(str):
    """An English text that carries its catalogue msgid, plural and values.

    It is a ``str`` (logs, the command line and English answers use it as it is), and an answer
    in another language is translated by its msgid, never by matching the English wording::

        raise ValueError(N_("is required"))
        fields["body"] = nt("must be at most %(num)s character",
                            "must be at most %(num)s characters", 5000)
        N_("is not a valid email address", english=reason)  # English shows the detail
    """

    msgid: str
    plural: str | None
    values: dict[str, t.Any]

    def __new__(cls, msgid: str, plural: str | None = None,
                values: dict[str, t.Any] | None = None, english: str | None = None) -> Text:
        values = values or {}
        source = plural if plural is not None and values.get("num") != 1 else msgid
        self = super().__new__(cls, english if english is not None
                               else (source % values if values else source))
        self.msgid, self.plural, self.values = msgid, plural, values
        return self

    def translated(self) -> str:
        """The text in the request's language (English where the catalogue has none); a
        value that is itself a `Text` (a refusal quoted in another) or `Hours` is too."""
        values = {k: _translated(v) for k, v in self.values.items()}
        if self.plural is not None:
            num = values.pop("num")  # ngettext adds it
            return ngettext(self.msgid, self.plural, num, **values)
        return gettext(self.msgid, **values)


class Hours(float):
    """A number of hours as a `Text`'s value, written by Babel with its unit: "1 hour",
    "1.5 hours", "1,5 Stunden". A plural msgid cannot serve a fractional setting, and the words
    must be those of the answer's language, which is known when the answer is rendered
    (`translate_answer`), not always where the text is raised."""

    def __str__(self) -> str:  # the English text (`Text` formats its values with %s)
        return self.translated(SOURCE_LOCALE)

    def translated(self, locale: str | None = None) -> str:
        return format_unit(float(self), "duration-hour", length="long",
                           locale=locale or get_locale() or SOURCE_LOCALE)


def N_(msgid: str, english: str | None = None, **values: t.Any) -> str:  # noqa: N802
    """Mark a text for the catalogue (gettext's name for it); it is translated where it is
    shown (translate_answer). A `Text`, typed as the str it is wherever it goes."""
    return Text(msgid, None, values, english)


def nt(singular: str, plural: str, num: int, **values: t.Any) -> str:
    """N_ for a text with a number: its plural form is chosen in the reader's language."""
    return Text(singular, plural, {**values, "num": num})


def reason(e: Exception) -> str:
    """A refusal's reason as raised, keeping its msgid (str(e) would drop it)."""
    arg = e.args[0] if e.args else ""
    return arg if isinstance(arg, str) else str(e)


@functools.cache
def locales() -> tuple[str, ...]:
    """Every shipped locale in Babel's spelling (``zh_Hans``), English first."""
    found = sorted(p.parent.parent.name for p in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))
    return (SOURCE_LOCALE, *found)


def to_tag(locale: str) -> str:
    """Babel's ``zh_Hans`` as the BCP 47 tag browsers use, ``zh-Hans``."""
    return locale.replace("_", "-")


def match(tag: str | None) -> str | None:
    """The shipped locale for a tag, or None: ``fr-CA`` → ``fr``, ``zh-CN`` → ``zh_Hans``."""
    if not tag:
        return None
    lower = tag.strip().replace("_", "-").lower()
    if len(lower) > 35:
        return None
    base = lower.split("-")[0]
    if base == "zh":
        simplified = lower in ("zh", "zh-cn", "zh-sg") or lower.startswith("zh-hans")
        return "zh_Hans" if simplified and "zh_Hans" in locales() else None
    base = {"no": "nb", "nn": "nb", "iw": "he"}.get(base, base)
    return base if base in locales() else None


def force_locale(tag: str | None) -> t.ContextManager[None]:
    """Render in a reader's stored language (any tag; unshipped ones fall back to English)."""
    return flask_babel.force_locale(match(tag) or SOURCE_LOCALE)


def is_rtl(locale: str) -> bool:
    return Locale.parse(locale).character_order == "right-to-left"


def best_accepted() -> str | None:
    """The first language of the request's Accept-Language that is shipped."""
    for tag, _quality in request.accept_languages:
        found = match(tag)
        if found:
            return found
    return None


def select_locale() -> str:
    """Flask-Babel's locale for this request (see the module docstring)."""
    if not has_request_context():
        return SOURCE_LOCALE
    # ?lang= names the no-JavaScript page's language; its form posts carry it on to the
    # form error page.
    # A page may name a fallback before anything is rendered: the review page, the language of
    # the moderator's site (its default_lang) when the browser asks for none that is shipped.
    return (match(request.args.get("lang")) or best_accepted() or match(g.get("fallback_lang"))
            or SOURCE_LOCALE)


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    babel.init_app(app, locale_selector=select_locale)
    app.context_processor(_page_language)
    app.add_template_filter(format_when, "when")


def format_when(iso: str) -> str:
    """An ISO UTC time as the page's language writes a date and time (no seconds), in UTC."""
    when = dt.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    locale = select_locale()
    pattern = str(get_datetime_format("medium", locale=locale))
    day = format_date(when, "medium", locale=locale)
    time = format_time(when, "short", tzinfo=dt.UTC, locale=locale)
    return f"{pattern.replace('{1}', day).replace('{0}', time)} UTC"


def _page_language() -> dict[str, t.Any]:
    """`lang` and `dir` for a server-rendered page, in the language its text is in; and the
    ?lang= it was asked for, which its links and its form carry on (no cookie remembers it)."""
    locale = select_locale()
    return {"page_lang": to_tag(locale), "page_dir": "rtl" if is_rtl(locale) else "ltr",
            "asked_lang": asked_lang, "lang_query": _lang_query}


def asked_lang() -> str | None:
    """The shipped language the request's ?lang= names, as a tag, or None."""
    asked = match(request.args.get("lang")) if has_request_context() else None
    return to_tag(asked) if asked else None


def _lang_query(separator: str) -> str:
    asked = asked_lang()
    return f"{separator}lang={asked}" if asked else ""


@functools.cache
def read_catalogue(locale: str) -> Catalog:
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=locale)


def _category_index(catalogue: Catalog, locale: str) -> dict[str, int]:
    """For each CLDR plural category of the language, the gettext form that serves it."""
    choose = c2py(catalogue.plural_expr)
    rule = Locale.parse(locale).plural_form
    index: dict[str, int] = {}
    for n in _PLURAL_SAMPLES:
        index.setdefault(rule(n), choose(n))
    index.setdefault("other", choose(_PLURAL_SAMPLES[-1]))
    for tag in rule.tags:  # a category only fractions reach (Czech "many"): the general form
        index.setdefault(tag, index["other"])
    return index


WIDGET_SCRIPTS = ("embed.js", "count.js")
REVIEW_SCRIPTS = ("review.js",)


def _from_js(message: t.Any, scripts: tuple[str, ...]) -> bool:
    return any(path.rsplit("/", 1)[-1] in scripts for path, _line in message.locations)


@functools.cache
def widget_strings(locale: str) -> bytes:
    """The widget's part of one language's catalogue, as compact JSON."""
    return json.dumps(script_strings(locale, WIDGET_SCRIPTS), ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode()


def review_strings() -> dict[str, t.Any]:
    """The review page script's texts in the request's language (the page holds them)."""
    locale = str(get_locale() or SOURCE_LOCALE)
    return {} if locale == SOURCE_LOCALE else script_strings(locale, REVIEW_SCRIPTS)


@functools.cache
def script_strings(locale: str, scripts: tuple[str, ...]) -> dict[str, t.Any]:
    """The texts `scripts` ask for, ``{English: translation}`` (plurals by CLDR category)."""
    catalogue = read_catalogue(locale)
    categories = _category_index(catalogue, locale)
    out: dict[str, t.Any] = {}
    for message in catalogue:
        if not message.id or not _from_js(message, scripts) or message.fuzzy:
            continue
        msgid, text = t.cast(t.Any, message.id), t.cast(t.Any, message.string)
        if isinstance(msgid, (tuple, list)):
            forms = list(text)
            out[msgid[0]] = {cat: forms[i] for cat, i in categories.items() if forms[i]}
        elif text:
            out[msgid] = text
    return out


@functools.cache
def widget_build() -> dict[str, t.Any]:
    """What the served embed.js/count.js need to know: each language's strings file, RTL tags."""
    strings = {}
    for locale in locales()[1:]:
        digest = hashlib.sha256(widget_strings(locale)).hexdigest()[:12]
        strings[to_tag(locale)] = digest  # served at i18n/<tag>.<digest>.json
    rtl = [to_tag(loc) for loc in locales() if is_rtl(loc)]
    return {"strings": strings, "rtl": rtl}


def translate_answer(message: str, fields: dict[str, str] | None
                     ) -> tuple[str, dict[str, str] | None]:
    """An error answer's `message` and `fields` texts in the request's language (codes stay).

    Texts raised with a msgid (`Text`) are translated by it; any other text stays English.
    """
    if str(get_locale() or SOURCE_LOCALE) == SOURCE_LOCALE:
        return message, fields
    if fields:
        fields = {name: _translated(text) for name, text in fields.items()}
    return _translated(message), fields


def _translated(text: t.Any) -> t.Any:
    return text.translated() if isinstance(text, Text | Hours) else text
