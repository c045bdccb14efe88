"""The OpenAPI 3.1 description of the public and moderation HTTP APIs: the one place it lives.

    openapi.document()   # a dict, served as /openapi.json

A test compares its paths with app.url_map and runs schemathesis against a live server, so a
route added without a description here, or an answer that strays from it, fails the suite.
"""

from __future__ import annotations

import copy
import typing as t

from .models import ARTICLE_KEY_MAX, BODY_MAX, EMAIL_MAX, NAME_MAX, URL_MAX

J = dict[str, t.Any]
STATUSES = ["pending", "approved", "spam", "rejected", "deleted"]


def ref(name: str) -> J:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: J) -> J:
    return {"anyOf": [schema, {"type": "null"}]}


def obj(required: list[str], **properties: J) -> J:
    return {"type": "object", "required": required, "properties": properties}


STR, INT, BOOL = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
TIME = {"type": "string", "format": "date-time"}

SCHEMAS: J = {
    "Error": obj(["error", "message"], error=STR, message=STR,
                 fields={"type": "object", "additionalProperties": STR}),
    "PublicAuthor": obj(["name", "url", "avatar"], name=STR, url=nullable(STR), avatar=STR),
    "PublicComment": obj(
        ["id", "parent_id", "author", "body_html", "created_at", "edited_at", "replies"],
        id=INT, parent_id=nullable(INT), author=ref("PublicAuthor"), body_html=STR,
        created_at=TIME, edited_at=nullable(TIME), staff=BOOL, pinned=BOOL,
        replies={"type": "array", "items": ref("PublicComment")},
    ),
    "Thread": obj(
        ["site", "article", "comments_open", "count", "page", "pages", "comments"],
        site=STR, article=nullable(STR), comments_open=BOOL, count=INT, page=INT, pages=INT,
        comments={"type": "array", "items": ref("PublicComment")},
    ),
    "Submission": {
        **obj(["name", "email", "body"],
              name={"type": "string", "minLength": 1, "maxLength": NAME_MAX},
              email={"type": "string", "format": "email", "maxLength": EMAIL_MAX},
              url={"type": "string", "format": "uri", "maxLength": URL_MAX},
              body={"type": "string", "minLength": 1, "maxLength": BODY_MAX},
              parent_id=INT, form_token=STR, article_title={"type": "string", "maxLength": 200},
              article_url={"type": "string", "description": "Under one of the site's origins."},
              fax={"type": "string", "description": "Honeypot: people leave it empty."}),
    },
    "FormSubmission": {
        **obj(["name", "email", "body", "return_to"],
              name=STR, email=STR, url=STR, body=STR, parent_id=STR, form_token=STR, fax=STR,
              return_to={"type": "string", "description": "An address under an allowed origin."}),
    },
    "Submitted": obj(
        ["id", "status", "comment", "edit_token", "edit_expires_at"],
        id=INT, status={"enum": ["pending", "approved"]}, comment=ref("PublicComment"),
        edit_token=STR, edit_expires_at=TIME,
    ),
    "AuthorEdit": {**obj([], body={"type": "string", "minLength": 1, "maxLength": BODY_MAX},
                         name={"type": "string", "minLength": 1, "maxLength": NAME_MAX},
                         url={"type": "string", "maxLength": URL_MAX})},
    "Counts": obj(["counts"], counts={"type": "object", "additionalProperties": INT}),
    "FormInfo": obj(["form_token", "fields"], form_token=STR, fields={"type": "object"}),
    "ModerationAuthor": obj(["name", "url", "email_masked"], name=STR, url=nullable(STR),
                            email_masked=nullable(STR)),
    "ModerationItem": obj(
        ["id", "site", "article", "parent_id", "status", "author", "body", "body_html",
         "created_at", "spam", "ip_prefix"],
        id=INT, site=STR, article=STR, parent_id=nullable(INT), status={"enum": STATUSES},
        author=ref("ModerationAuthor"), body=STR, body_html=STR, created_at=TIME,
        edited_at=nullable(TIME), moderated_at=nullable(TIME),
        spam=obj(["score", "reasons"], score={"type": "number"},
                 reasons={"type": "array", "items": STR}),
        ip_prefix=nullable(STR), staff=BOOL, pinned=BOOL, article_title=nullable(STR),
        article_url=nullable(STR), parent_excerpt=nullable(STR),
        author_history=nullable({"type": "object"}),
        flags=obj(["count", "reasons", "notes"], count=INT, reasons={"type": "object"},
                  notes={"type": "array", "items": STR}),
    ),
    "ModerationEvent": obj(["actor", "action", "at"], actor=STR, action=STR,
                           to=nullable(STR), reason=nullable(STR), at=TIME,
                           **{"from": nullable(STR)}),
    "ModerationDetail": {"allOf": [ref("ModerationItem"), obj(
        ["history"], history={"type": "array", "items": ref("ModerationEvent")})]},
    "Queue": obj(["items", "next_cursor"], items={"type": "array", "items": ref("ModerationItem")},
                 next_cursor=nullable(STR)),
    "ModerationChange": obj([], status={"enum": STATUSES},
                            body={"type": "string", "minLength": 1, "maxLength": BODY_MAX},
                            reason={"type": "string", "maxLength": 500}, pinned=BOOL),
    "BulkChange": obj(["status"], ids={"type": "array", "items": INT, "maxItems": 500},
                      status={"enum": STATUSES}, author_of={**INT, "description": "Or: every "
                      "comment on that site with the address of this comment."}),
    "Report": obj(["reason"], note={"type": "string", "maxLength": 500},
                  reason={"enum": ["spam", "abuse", "offensive", "off_topic", "other"]}),
    "BanRequest": obj(["kind"], kind={"enum": ["email", "ip", "domain"]}, comment_id=INT,
                      value=STR, mode={"enum": ["reject", "shadow"]}, days=nullable(INT),
                      reason=STR),
    "Ban": obj(["id", "kind", "value", "mode"], id=INT, kind=STR, value=STR, mode=STR,
               reason=nullable(STR), by=STR, created_at=TIME, expires_at=nullable(TIME)),
    "Bans": obj(["items"], items={"type": "array", "items": ref("Ban")}),
    "BulkResult": obj(["updated"], updated=INT),
    "RevealedEmail": obj(["email"], email=nullable(STR)),
    "ArticleChange": obj(["comments_open"], comments_open=BOOL),
    "ArticleState": {"type": "object", "properties": {"comments_open": BOOL}},
    "Health": obj(["status"], status=STR),
    "Readiness": obj(["status", "checks"], status={"enum": ["ok", "unavailable"]},
                     checks=obj(["database", "rate_limit_storage"],
                                database={"enum": ["ok", "unreachable"]},
                                rate_limit_storage={"enum": ["ok", "unreachable", "disabled"]})),
}

ERRORS = {
    400: "Malformed request.", 401: "No valid moderator token.", 403: "Not allowed here.",
    404: "Unknown site, article or comment.", 409: "Conflicts with what exists.",
    413: "Body over the size limit.", 415: "Unsupported content type.",
    422: "Some fields are not valid.", 429: "Rate limited; see Retry-After.",
    503: "A dependency is briefly unavailable; see Retry-After.",
    405: "Method not allowed here.", 410: "The link is no longer valid.",
}


def json_answer(description: str, schema: J, headers: J | None = None) -> J:
    answer: J = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        answer["headers"] = headers
    return answer


def responses(ok: dict[int, J], *errors: int, html: bool = False) -> J:
    """The given answers plus the errors, JSON (or an HTML page for a browser's form post)."""
    out: J = {str(code): answer for code, answer in ok.items()}
    for code in sorted({400, *errors, 503}):
        headers = {"Retry-After": {"schema": INT}} if code in (429, 503) else None
        out[str(code)] = json_answer(ERRORS[code], ref("Error"), headers)
        if html:
            out[str(code)]["content"]["text/html"] = {"schema": STR}
    return out


def other(media: str, description: str) -> J:
    return {"description": description, "content": {media: {"schema": STR}}}


def path_param(name: str, schema: J, description: str, example: t.Any) -> J:
    return {"name": name, "in": "path", "required": True, "schema": schema,
            "description": description, "example": example}


def query(name: str, schema: J, description: str = "") -> J:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}


SITE = path_param("site", {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,62}$"},
                  "The site key.", "demo")
ARTICLE = path_param(
    "article", {"type": "string", "minLength": 1, "maxLength": ARTICLE_KEY_MAX},
    "The article key, percent-encoded as one path parameter; it may hold slashes "
    "(`/2021/10/08/title/` is sent as `%2F2021%2F10%2F08%2Ftitle%2F`, or with its slashes "
    "left as they are: the server matches either).", "hello-world")
COMMENT_ID = path_param("comment_id", {"type": "integer", "minimum": 1}, "A comment id.", 1)
# Any request may be malformed (400) and any may meet an unavailable database (503).
MODERATOR: list[J] = [{"bearer": []}]


def body(schema: J, form: J | None = None) -> J:
    content: J = {"application/json": {"schema": schema}}
    if form is not None:
        content["application/x-www-form-urlencoded"] = {"schema": form}
    return {"required": True, "content": content}


def op(summary: str, tag: str, answers: J, params: list[J] | None = None, **extra: t.Any) -> J:
    return {"summary": summary, "tags": [tag], "parameters": params or [],
            "responses": answers, **extra}


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
        "/metrics": {"get": op("Prometheus metrics, summed over every worker.", "ops", {
            "200": other("text/plain", "Prometheus text format 0.0.4.")})},
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
        "/moderate/mail/{token}": {"get": op(
            "A one-click link from a notification mail: shows a confirmation, changes nothing.",
            "notifications", pages(404, 405, 410),
            [path_param("token", STR, "The signed link token.", "x")])},
        "/moderate/mail/": {"post": op(
            "Carry out a one-click link's action (the signed token is in the form body).",
            "notifications", pages(*write, 410), requestBody=_form("token"))},
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
