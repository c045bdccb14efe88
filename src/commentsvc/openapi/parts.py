"""Building blocks of the OpenAPI description: schemas, parameters, answers.

    op("Read a thread", "public", responses({200: json_answer("The thread", ref("Thread"))}))
"""

from __future__ import annotations

import typing as t

from ..models import ARTICLE_KEY_MAX, BODY_MAX, EMAIL_MAX, NAME_MAX, URL_MAX
from ..models import STATUSES as MODEL_STATUSES

J = dict[str, t.Any]
STATUSES = list(MODEL_STATUSES)


def ref(name: str) -> J:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: J) -> J:
    return {"anyOf": [schema, {"type": "null"}]}


def obj(required: list[str], **properties: J) -> J:
    return {"type": "object", "required": required, "properties": properties}


STR, INT, BOOL = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
TIME = {"type": "string", "format": "date-time"}
HHMM = {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"}

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
        ["site", "article", "comments_open", "count", "page", "pages", "default_lang", "comments"],
        site=STR, article=STR, comments_open=BOOL, count=INT, page=INT, pages=INT,
        default_lang=nullable(STR), comments={"type": "array", "items": ref("PublicComment")},
    ),
    "Submission": {
        **obj(["name", "email", "body"],
              name={"type": "string", "minLength": 1, "maxLength": NAME_MAX},
              email={"type": "string", "format": "email", "maxLength": EMAIL_MAX},
              url={"type": "string", "format": "uri", "maxLength": URL_MAX},
              body={"type": "string", "minLength": 1, "maxLength": BODY_MAX},
              parent_id=INT, form_token=STR, article_title={"type": "string", "maxLength": 200},
              article_url={"type": "string", "description": "Under one of the site's origins."},
              fax={"type": "string", "description": "Honeypot: people leave it empty."},
              notify={"enum": ["replies", "all"],
                      "description": "Email me new approved replies, or every new comment."}),
    },
    "FormSubmission": {
        **obj(["name", "email", "body", "return_to"],
              name=STR, email=STR, url=STR, body=STR, parent_id=STR, form_token=STR, fax=STR,
              notify={"enum": ["replies", "all"]},
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
    "FormInfo": obj(["form_token", "fields"], form_token=STR, fields={"type": "object"},
                    reader_notifications={"type": "boolean",
                                          "description": "Whether to offer the notify box."}),
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
    "QuietHours": obj(["from", "to"], **{"from": HHMM, "to": HHMM}, tz=STR,
                      action={"enum": ["hold", "close"]}),
    "SiteChange": {"type": "object", "properties": {
        "read_only": BOOL, "quiet_hours": nullable(ref("QuietHours")),
        "flag_threshold": {"type": "integer", "minimum": 1, "maximum": 1000},
        "default_lang": nullable(STR), "reader_notifications": BOOL,
        "spam_hold_budget": {"type": "number", "minimum": 0, "maximum": 1},
        "max_depth": {"type": "integer", "minimum": 1, "maximum": 50}},
        "additionalProperties": False},
    "SiteSettings": obj(["site", "read_only", "quiet_hours", "flag_threshold", "default_lang",
                         "reader_notifications", "spam_hold_budget", "max_depth"],
                        site=STR, read_only=BOOL, quiet_hours=nullable(ref("QuietHours")),
                        quiet_now=nullable({"enum": ["hold", "close"]}), flag_threshold=INT,
                        default_lang=nullable(STR), reader_notifications=BOOL,
                        spam_hold_budget={"type": "number"}, max_depth=INT),
    "Stats": obj(["days", "pending_now", "oldest_pending_seconds"], pending_now=INT,
                 oldest_pending_seconds=nullable(INT), days={"type": "array", "items": obj(
                     ["date", "submitted", "approved", "rejected", "spam", "flagged",
                      "median_decision_seconds"], date={"type": "string", "format": "date"},
                     submitted=INT, approved=INT, rejected=INT, spam=INT, flagged=INT,
                     median_decision_seconds=nullable(INT))}),
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
