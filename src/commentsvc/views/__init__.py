"""HTTP blueprints, thin: parse, call one service function, serialize, answer."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import PathConverter


class ArticleKeyConverter(PathConverter):
    """An article key: any non-empty text, slashes allowed, even leading or doubled ones."""

    regex = ".+?"
    part_isolating = False


def register_blueprints(app: Flask) -> None:
    from . import actions, api, embed, moderation, ops, review

    app.url_map.converters["article"] = ArticleKeyConverter
    app.register_blueprint(api.bp)
    app.register_blueprint(moderation.bp)
    app.register_blueprint(embed.bp)
    app.register_blueprint(ops.bp)
    app.register_blueprint(review.bp)  # the moderators' review page
    app.register_blueprint(actions.bp)  # one-click links in moderator mail
