"""Languages: one gettext catalogue for the server's pages and messages and for the widget.

The catalogue lives in ``translations/<locale>/LC_MESSAGES/messages.po`` (``messages.pot`` is the
template extracted from the Python code, the templates and the widget's JavaScript; see
``babel.cfg``). The server reads the compiled ``messages.mo`` through Flask-Babel. The widget's
strings (those whose source location is a ``.js`` file) are served per language as a small JSON
object, ``{English text: translation}`` or, for plurals, ``{English singular: {CLDR category:
text}}`` so that the browser's ``Intl.PluralRules`` picks the form.

Language choice (CONTRACT.md): the no-JavaScript page takes ``?lang=`` then ``Accept-Language``;
everything else (validation messages, the form error page) takes ``Accept-Language``. A regional
tag falls back to its language (``fr-CA`` → ``fr``), Chinese in simplified script to ``zh-Hans``.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
import typing as t
from gettext import c2py
from pathlib import Path

import flask_babel
from babel import Locale
from babel.dates import format_date, format_time, get_datetime_format
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from flask import Flask, has_request_context, request
from flask_babel import Babel, get_locale, gettext, ngettext

TRANSLATIONS = Path(__file__).parent / "translations"
SOURCE_LOCALE = "en"
# Integers and a few large round numbers: enough to meet every CLDR category an integer can take.
_PLURAL_SAMPLES = (*range(0, 220), 1000, 10000, 100000, 1000000, 2000000)

babel = Babel()


def N_(text: str) -> str:  # noqa: N802 - gettext's name for "extract, translate later"
    return text


# What the service answers readers in `message` and `fields` (errors.py), in English in the code
# and translated on the way out by translate_answer(). Named here so extraction finds them.
SERVER_TEXTS = (
    N_("Some fields are not valid."), N_("is required"),
    N_("must be an http:// or https:// address"), N_("is not a valid web address"),
    N_("is not a valid email address"), N_("must be a comment id (a whole number)"),
    N_("Comments are closed on this article."), N_("This comment can no longer be changed."),
    N_("You already posted this comment here."), N_("Please wait a little before posting again."),
    N_("Too many comments from your address; please wait before posting again."),
    N_("The service is briefly unavailable; try again."),
)
_AT_MOST = re.compile(r"^must be at most (\d+) characters$")


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
    return match(request.args.get("lang")) or best_accepted() or SOURCE_LOCALE


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


def _from_js(message: t.Any) -> bool:
    return any(path.endswith(".js") for path, _line in message.locations)


@functools.cache
def widget_strings(locale: str) -> bytes:
    """The widget's part of one language's catalogue, as compact JSON."""
    catalogue = read_catalogue(locale)
    categories = _category_index(catalogue, locale)
    out: dict[str, t.Any] = {}
    for message in catalogue:
        if not message.id or not _from_js(message) or message.fuzzy:
            continue
        msgid, text = t.cast(t.Any, message.id), t.cast(t.Any, message.string)
        if isinstance(msgid, (tuple, list)):
            forms = list(text)
            out[msgid[0]] = {cat: forms[i] for cat, i in categories.items() if forms[i]}
        elif text:
            out[msgid] = text
    return json.dumps(out, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


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
    """An error answer's `message` and `fields` texts in the request's language (codes stay)."""
    if str(get_locale() or SOURCE_LOCALE) == SOURCE_LOCALE:
        return message, fields
    if fields:
        fields = {name: _problem(name, text) for name, text in fields.items()}
    return gettext(message), fields


def _problem(name: str, text: str) -> str:
    at_most = _AT_MOST.match(text)
    if at_most:
        return ngettext("must be at most %(num)s character", "must be at most %(num)s characters",
                        int(at_most[1]))
    translated = gettext(text)
    if translated == text and name == "email":  # email-validator's detailed English reasons
        return gettext("is not a valid email address")
    return translated
