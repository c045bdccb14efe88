"""The OpenAPI 3.1 description of the public and moderation HTTP APIs: the one place it lives.

    openapi.document()   # a dict, served as /openapi.json

A test compares its paths with app.url_map and runs schemathesis against a live server, so a
route added without a description here, or an answer that strays from it, fails the suite.
"""

from __future__ import annotations

import copy

from ..models import ARTICLE_KEY_MAX
from .parts import (
    ARTICLE,
    COMMENT_ID,
    ERRORS,
    INT,
    MODERATOR,
    SCHEMAS,
    SITE,
    STATUSES,
    STR,
    J,
    body,
    json_answer,
    op,
    other,
    path_param,
    query,
    ref,
    responses,
)


def _public_paths() -> J:
    thread = "/api/v1/sites/{site}/articles/{article}"
    etag = {"ETag": {"schema": STR}, "Cache-Control": {"schema": STR}}
    return {
        f"{thread}/comments": {
            "get": op("Read a thread: approved comments, replies nested.", "public", {
                "200": json_answer("The thread page.", ref("Thread"), etag),
                "304": {"description": "Unchanged since the ETag in If-None-Match."},
                **responses({}, 400, 404)},
                [SITE, ARTICLE,
                 query("page", {"type": "integer", "minimum": 1}),
                 query("per_page", {"type": "integer", "minimum": 1, "maximum": 200}),
                 query("order", {"enum": ["oldest", "newest"]}),
                 {"name": "If-None-Match", "in": "header", "required": False, "schema": STR}]),
            "post": op("Submit a comment (JSON, or a plain HTML form post).", "public", {
                "201": json_answer("Published at once.", ref("Submitted")),
                "202": json_answer("Held for moderation (spam is answered so too).",
                                   ref("Submitted")),
                "303": {"description": "Form post: back to return_to, with a fragment.",
                        "headers": {"Location": {"schema": STR}}},
                **responses({}, 400, 403, 404, 409, 413, 415, 422, 429, html=True)},
                [SITE, ARTICLE],
                requestBody=body(ref("Submission"), ref("FormSubmission"))),
        },
        "/api/v1/sites/{site}/counts": {
            "get": op("Approved comment counts of several articles.", "public", responses(
                {200: json_answer("Counts by article key.", ref("Counts"))}, 400, 404),
                [SITE, {**query("article", {"type": "array", "maxItems": 200, "items": {
                    "type": "string", "minLength": 1, "maxLength": ARTICLE_KEY_MAX}}),
                    "style": "form", "explode": True}]),
        },
        f"{thread}/form": {
            "get": op("A signed form token and the field limits.", "public", responses(
                {200: json_answer("The form.", ref("FormInfo"))}, 400, 404), [SITE, ARTICLE]),
        },
        f"{thread}/feed.atom": {
            "get": op("Approved comments as an Atom feed.", "public", {
                "200": other("application/atom+xml", "The feed."), **responses({}, 400, 404)},
                [SITE, ARTICLE]),
        },
        "/api/v1/comments/{comment_id}": {
            "patch": op("The author edits their comment within the edit window.", "author",
                        responses({200: json_answer("The comment as changed.", {
                            "type": "object"})}, 400, 403, 404, 409, 415, 422),
                        [COMMENT_ID, {"name": "X-Edit-Token", "in": "header", "required": True,
                                      "schema": STR}], requestBody=body(ref("AuthorEdit"))),
            "delete": op("The author withdraws their comment within the edit window.", "author",
                         responses({204: {"description": "Withdrawn."}}, 400, 403, 404),
                         [COMMENT_ID, {"name": "X-Edit-Token", "in": "header", "required": True,
                                       "schema": STR}]),
        },
        "/api/v1/comments/{comment_id}/flags": {"post": op(
            "A reader reports an approved comment (once per reader).", "public", responses(
                {202: json_answer("Received.", {"type": "object"}), 303: {"description": "A form "
                 "with return_to: back to the page."}}, 403, 404, 415, 422, 429, html=True),
            [COMMENT_ID], requestBody=body(ref("Report"), ref("Report")))},
        "/embed.js": {"get": op("The embeddable widget.", "embed", {
            "200": other("text/javascript", "The script."),
            "304": {"description": "Not modified (If-None-Match)."}})},
        "/embed.css": {"get": op("The widget's and the embed page's styles.", "embed", {
            "200": other("text/css", "The stylesheet."),
            "304": {"description": "Not modified (If-None-Match)."}})},
        "/count.js": {"get": op("Fills comment-count links on article lists.", "embed", {
            "200": other("text/javascript", "The script."),
            "304": {"description": "Not modified (If-None-Match)."}})},
        "/frame.js": {"get": op("Sizes an iframe of the embed page to its content.", "embed", {
            "200": other("text/javascript", "The script."),
            "304": {"description": "Not modified (If-None-Match)."}})},
        "/i18n/{tag}.{version}.json": {"get": op(
            "One language's widget texts; cached for a year when the version is current.",
            "embed", {"200": {"description": "English text to translation.", "content": {
                "application/json": {"schema": {"type": "object"}}}},
                      "304": {"description": "Not modified (If-None-Match)."},
                      **responses({}, 404, html=True)},
            [path_param("tag", STR, "A language tag the service ships, e.g. fr or zh-Hans.",
                        "fr"),
             path_param("version", STR, "The digest embed.js names.", "0123456789ab")])},
        "/embed/{site}/{article}": {"get": op(
            "The thread and form as a page that works without JavaScript.", "embed", {
                "200": other("text/html", "The page."),
                **responses({}, 400, 404, html=True)}, [SITE, ARTICLE])},
        "/avatars/{key}.svg": {"get": op("An identicon drawn from a keyed digest.", "embed", {
            "200": other("image/svg+xml", "The picture.")},
            [path_param("key", {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
                        "The avatar key from a comment's author.avatar.", "anonymous")])},
        "/demo/": {"get": op("The demo article page.", "embed", {
            "200": other("text/html", "The page."), "404": other("text/html", "No demo site."),
            "503": other("text/html", "The database is briefly unavailable.")})},
        "/healthz": {"get": op("The process is alive.", "ops", {
            "200": json_answer("Alive.", ref("Health"))})},
        "/readyz": {"get": op("The database and the rate-limit storage are reachable.", "ops", {
            "200": json_answer("Ready.", ref("Readiness")),
            "503": json_answer("Names what is unreachable.", ref("Readiness"),
                               {"Retry-After": {"schema": INT}})})},
        "/metrics": {"get": op("Prometheus metrics, summed over every worker. With METRICS_TOKEN "
                               "set, send `Authorization: Bearer <METRICS_TOKEN>`.", "ops", {
            "200": other("text/plain", "Prometheus text format 0.0.4."),
            "401": json_answer("METRICS_TOKEN is set and the request does not carry it.",
                               ref("Error")),
            "404": json_answer("ENV=production and no METRICS_TOKEN is set.", ref("Error"))})},
        "/openapi.json": {"get": op("This document.", "ops", {
            "200": json_answer("OpenAPI 3.1.", {"type": "object"})})},
    }


def _moderation_paths() -> J:
    base = "/api/v1/moderation"
    return {
        f"{base}/comments": {"get": op("The queue, newest first, keyset-paginated.", "moderation",
            responses({200: json_answer("A page of the queue.", ref("Queue"))}, 400, 401, 403, 404),
            [query("status", {"enum": STATUSES}), query("site", STR), query("article", STR),
             query("limit", {"type": "integer", "minimum": 1, "maximum": 200}),
             query("cursor", STR, "next_cursor of the previous page.")], security=MODERATOR)},
        f"{base}/comments/{{comment_id}}": {
            "get": op("One comment with its audit history.", "moderation", responses(
                {200: json_answer("The comment.", ref("ModerationDetail"))}, 401, 403, 404),
                [COMMENT_ID], security=MODERATOR),
            "patch": op("Change status, body or both (approving or marking spam teaches the "
                        "filter).", "moderation", responses(
                {200: json_answer("The comment.", ref("ModerationItem"))},
                400, 401, 403, 404, 409, 415, 422), [COMMENT_ID], security=MODERATOR,
                requestBody=body(ref("ModerationChange"))),
            "delete": op("Erase the comment; its replies stay.", "moderation", responses(
                {204: {"description": "Erased."}}, 401, 403, 404), [COMMENT_ID],
                security=MODERATOR),
        },
        f"{base}/comments/bulk": {"post": op("Change the status of many comments.", "moderation",
            responses({200: json_answer("How many changed.", ref("BulkResult"))},
                      400, 401, 403, 404, 409, 415, 422), security=MODERATOR,
            requestBody=body(ref("BulkChange")))},
        f"{base}/comments/{{comment_id}}/email": {"get": op(
            "Reveal the author's address (audited).", "moderation", responses(
                {200: json_answer("The address.", ref("RevealedEmail"))}, 401, 403, 404),
            [COMMENT_ID], security=MODERATOR)},
        f"{base}/sites/{{site}}/bans": {
            "post": op("Ban an author (from a comment) or a domain.", "moderation", responses(
                {201: json_answer("The ban, masked.", ref("Ban"))}, 401, 403, 404, 415, 422),
                [SITE], security=MODERATOR, requestBody=body(ref("BanRequest"))),
            "get": op("The site's bans in force, values masked.", "moderation", responses(
                {200: json_answer("The bans.", ref("Bans"))}, 401, 403, 404), [SITE],
                security=MODERATOR)},
        f"{base}/bans/{{ban_id}}": {"delete": op("Lift a ban.", "moderation", responses(
            {204: {"description": "Lifted."}}, 401, 403, 404), [path_param(
                "ban_id", {"type": "integer", "minimum": 1}, "A ban id.", 1)], security=MODERATOR)},
        f"{base}/comments/{{comment_id}}/reply": {"post": op(
            "Reply as staff, published at once.", "moderation", responses(
                {201: json_answer("The reply.", ref("PublicComment"))}, 401, 403, 404, 409, 415,
                422), [COMMENT_ID], security=MODERATOR, requestBody=body(ref("AuthorEdit")))},
        f"{base}/sites/{{site}}/articles/{{article}}": {"patch": op(
            "Open or close an article's comments.", "moderation", responses(
                {200: json_answer("The article.", ref("ArticleState"))},
                400, 401, 403, 404, 415, 422), [SITE, ARTICLE], security=MODERATOR,
            requestBody=body(ref("ArticleChange")))},
        f"{base}/sites/{{site}}": {
            "get": op("A site's settings (switches).", "moderation", responses(
                {200: json_answer("The settings.", ref("SiteSettings"))}, 401, 403, 404),
                [SITE], security=MODERATOR),
            "patch": op("Change a site's switches (admins, moderators of the site).",
                        "moderation", responses({200: json_answer("The settings.", ref(
                            "SiteSettings"))}, 400, 401, 403, 404, 415, 422), [SITE],
                        security=MODERATOR,
                requestBody=body(ref("SiteChange")))},
        f"{base}/stats": {"get": op("Moderation figures per UTC day, and the queue now.",
            "moderation", responses({200: json_answer("The figures.", ref("Stats"))}, 401, 403,
            404, 422), [query("site", STR), query("days", INT)], security=MODERATOR)},
        "/moderate/": {"get": op("The review page for people (token login, queue, one-key "
                                 "actions).", "moderation", {"200": other("text/html", "The page."),
                                                            "302": {"description": "To log in."}})},
        **_browser_paths(),
    }


def pages(*codes: int) -> J:
    """Answers of a page for people: HTML (or the JSON error shape), redirects after a POST."""
    out: J = {}
    for code in sorted({200, 400, 503, *codes}):
        if code in (302, 303):
            out[str(code)] = {"description": "On to the next page.",
                              "headers": {"Location": {"schema": STR}}}
        else:
            out[str(code)] = {"description": ERRORS.get(code, "The page."), "content": {
                "text/html": {"schema": STR}, "application/json": {"schema": ref("Error")}}}
    return out


def _form(*fields: str) -> J:
    schema = {"type": "object", "properties": {f: STR for f in fields},
              "additionalProperties": STR}
    return {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": schema}}}


def _browser_paths() -> J:
    """The review page's form routes (session cookie + CSRF token) and the one-click mail links."""
    write = (302, 303, 401, 403, 404, 405, 409, 413, 415, 422, 429)
    return {
        "/moderate/login": {
            "get": op("The login form.", "review", pages(302, 303)),
            "post": op("Log in with a moderator token; sets the session cookie.", "review",
                       pages(*write), requestBody=_form("token", "csrf_token")),
        },
        "/moderate/logout": {"post": op("Log out.", "review", pages(*write),
                                        requestBody=_form("csrf_token"))},
        "/moderate/comments/{comment_id}/status": {"post": op(
            "Change a comment's status from the review page.", "review", pages(*write),
            [COMMENT_ID], requestBody=_form("status", "csrf_token"))},
        "/moderate/comments/{comment_id}/reveal": {"post": op(
            "Reveal a comment's address on the review page (audited).", "review", pages(*write),
            [COMMENT_ID], requestBody=_form("csrf_token"))},
        "/moderate/bulk": {"post": op("Change the status of the selected comments.", "review",
                                      pages(*write), requestBody=_form("status", "csrf_token"))},
        "/moderate/sites/{site}/settings": {"post": op(
            "Save a site's switches from the review page's settings panel.", "review",
            pages(*write), [SITE], requestBody=_form("csrf_token"))},
        "/moderate/comments/{comment_id}/{tool}": {"post": op(
            "A card's newsroom tool: pin (pinned=1|0), reply as staff (body), ban the author "
            "(kind, days, mode, reason); a refused one is the queue again, the field named.",
            "review", pages(*write), [COMMENT_ID, path_param(
                "tool", {"type": "string", "enum": ["pin", "reply", "ban"]}, "The tool.", "pin")],
            requestBody=_form("csrf_token"))},
        "/moderate/bans": {"get": op("The bans in force on the moderator's sites, masked.",
                                     "review", pages(302, 403, 404), [query("site", STR)])},
        "/moderate/bans/{ban_id}/lift": {"post": op(
            "Lift a ban from the bans page.", "review", pages(*write),
            [path_param("ban_id", INT, "The ban's id.", 3)], requestBody=_form("csrf_token"))},
        "/moderate/mail/{token}": {"get": op(
            "A one-click link from a notification mail: shows a confirmation, changes nothing.",
            "notifications", pages(404, 405, 410),
            [path_param("token", STR, "The signed link token.", "x")])},
        "/moderate/mail/": {"post": op(
            "Carry out a one-click link's action (the signed token is in the form body).",
            "notifications", pages(*write, 410), requestBody=_form("token"))},
        **_reader_paths(),
    }


def _reader_paths() -> J:
    """Links in reader mail: GET shows a page and changes nothing, POST acts."""
    token = [path_param("token", STR, "The signed link token.", "x")]
    answers = (404, 405, 410, 413, 415)
    return {
        "/subscriptions/confirm/{token}": {
            "get": op("A confirmation link: shows a button, confirms nothing.",
                      "notifications", pages(*answers), token),
            "post": op("Confirm the address's subscriptions on the site.", "notifications",
                       pages(*answers), token, requestBody={**_form(), "required": False})},
        "/u/{token}": {
            "get": op("List-Unsubscribe link: shows a button and the manage link.",
                      "notifications", pages(*answers), token),
            "post": op("RFC 8058 one-click unsubscribe (body List-Unsubscribe=One-Click); 200.",
                       "notifications", pages(*answers), token,
                       requestBody={**_form("List-Unsubscribe"), "required": False})},
        "/subscriptions/manage/{token}": {
            "get": op("The address's subscriptions on the site.", "notifications",
                      pages(*answers), token),
            "post": op("Unsubscribe from one subscription, or all.", "notifications",
                       pages(*answers), token, requestBody=_form("subscription"))},
    }


_DOCUMENT: J = {
    "openapi": "3.1.0",
    "info": {"title": "commentsvc", "version": "1",
             "description": "Comments for articles: read, submit, moderate. Errors are "
                            "`{\"error\", \"message\", \"fields\"?}`; no public answer holds "
                            "an email or IP address."},
    "paths": {**_public_paths(), **_moderation_paths()},
    "components": {
        "schemas": SCHEMAS,
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                       "description": "A token from `commentsvc moderator add`."}},
    },
}


def document() -> J:
    """The OpenAPI document, a fresh copy each time."""
    return copy.deepcopy(_DOCUMENT)
