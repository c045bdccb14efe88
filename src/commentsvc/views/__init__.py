"""HTTP blueprints, thin: parse, call one service function, serialize, answer."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter, PathConverter

from ..errors import error_pages
from . import actions, api, embed, moderation, ops, reports, review, sanctions, subscriptions
from .error_headers import secure as secure_error_pages


class ArticleKeyConverter(PathConverter):
    """An article key: any non-empty text, slashes allowed, even leading or doubled ones."""

    regex = ".+?"
    part_isolating = False


class RowIdConverter(IntegerConverter):
    """An id; a number beyond the database's integer column becomes 0, which names nothing.

    (A `max=` bound would answer 404 for GET but 405 for the other methods of the same path.)
    """

    def to_python(self, value: str) -> int:
        number = int(super().to_python(value))
        return number if number <= 2**31 - 1 else 0


def register_blueprints(app: Flask) -> None:
    app.url_map.converters["article"] = ArticleKeyConverter
    app.url_map.converters["int"] = RowIdConverter
    app.register_blueprint(api.bp)
    app.register_blueprint(moderation.bp)
    app.register_blueprint(embed.bp)
    app.register_blueprint(ops.bp)
    app.register_blueprint(review.bp)  # the moderators' review page
    app.register_blueprint(actions.bp)  # one-click links in moderator mail
    app.register_blueprint(reports.bp)  # readers report comments
    app.register_blueprint(sanctions.bp)  # bans and staff replies
    app.register_blueprint(subscriptions.bp)  # links in reader mail
    # Page blueprints: their errors are HTML pages (the API's are JSON unless a form posted).
    error_pages(embed.bp)
    error_pages(review.bp, "review_error.html", context=review.error_context, json_if_asked=True)
    app.after_request(secure_error_pages)  # CSP, X-Frame-Options, nosniff on HTML error pages
