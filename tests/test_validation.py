"""Field rules of a submission, one table per field, for JSON and plain-form bodies alike."""

from __future__ import annotations

import json
import typing as t
import unicodedata
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commentsvc.errors import BadRequest
from commentsvc.fields import Status, check_status, clean_text, normalize_email
from commentsvc.models import STATUSES
from commentsvc.validation import parse_status

URL = "/api/v1/sites/demo/articles/hello-world/comments"
ORIGIN = "https://blog.example"
RETURN_TO = f"{ORIGIN}/hello-world/"
GOOD = {"name": "Ana", "email": "ana@example.org", "body": "Hello there"}

# (id, fields to override, the one field the 422 must name). Values are what a client sends.
BAD_FIELDS: list[tuple[str, dict[str, t.Any], str]] = [
    # name
    ("name-missing", {"name": None}, "name"),
    ("name-empty", {"name": ""}, "name"),
    ("name-blank", {"name": "   \t "}, "name"),
    ("name-101", {"name": "x" * 101}, "name"),
    ("name-101-after-nfc", {"name": "e\u0301" * 101}, "name"),
    ("name-nul", {"name": "An\x00a"}, "name"),
    ("name-newline", {"name": "Ana\nSmith"}, "name"),
    ("name-tab", {"name": "Ana\tSmith"}, "name"),
    ("name-escape", {"name": "\x1b[31mAna"}, "name"),
    ("name-del", {"name": "Ana\x7f"}, "name"),
    ("name-c1-nel", {"name": "Ana\x85"}, "name"),
    ("name-cr", {"name": "Ana\r"}, "name"),
    ("name-number", {"name": 42}, "name"),
    ("name-list", {"name": ["Ana"]}, "name"),
    ("name-object", {"name": {"first": "Ana"}}, "name"),
    ("name-bool", {"name": True}, "name"),
    ("name-lone-surrogate", {"name": "\ud800"}, "name"),
    # email
    ("email-missing", {"email": None}, "email"),
    ("email-empty", {"email": ""}, "email"),
    ("email-no-at", {"email": "ana.example.org"}, "email"),
    ("email-no-dot", {"email": "ana@example"}, "email"),
    ("email-localhost", {"email": "ana@localhost"}, "email"),
    ("email-test-tld", {"email": "ana@blog.test"}, "email"),
    ("email-invalid-tld", {"email": "ana@blog.invalid"}, "email"),
    ("email-local-tld", {"email": "ana@printer.local"}, "email"),
    ("email-onion", {"email": "ana@abc.onion"}, "email"),
    ("email-arpa", {"email": "ana@1.0.0.127.in-addr.arpa"}, "email"),
    ("email-quoted", {"email": '"ana smith"@example.org'}, "email"),
    ("email-ip-literal", {"email": "ana@[127.0.0.1]"}, "email"),
    ("email-two-ats", {"email": "ana@bo@example.org"}, "email"),
    ("email-space", {"email": "ana smith@example.org"}, "email"),
    ("email-255", {"email": "a" * 64 + "@" + ("b" * 60 + ".") * 3 + "c" * 7 + ".org"}, "email"),
    ("email-nul", {"email": "ana\x00@example.org"}, "email"),
    ("email-newline", {"email": "ana@example.org\nBcc: x@example.org"}, "email"),
    ("email-number", {"email": 12345}, "email"),
    ("email-list", {"email": ["ana@example.org"]}, "email"),
    ("email-object", {"email": {"address": "ana@example.org"}}, "email"),
    ("email-bool", {"email": False}, "email"),
    ("email-lone-surrogate", {"email": "an\udc80@example.org"}, "email"),
    # url
    ("url-javascript", {"url": "javascript:alert(1)"}, "url"),
    ("url-javascript-mixed-case", {"url": "JaVaScRiPt:alert(1)"}, "url"),
    ("url-javascript-tab", {"url": "java\tscript:alert(1)"}, "url"),
    ("url-javascript-newline", {"url": "java\nscript:alert(1)"}, "url"),
    ("url-javascript-leading-space", {"url": "  javascript:alert(1)"}, "url"),
    ("url-javascript-leading-control", {"url": "\x01javascript:alert(1)"}, "url"),
    ("url-javascript-entity", {"url": "javascript&colon;alert(1)"}, "url"),
    ("url-data", {"url": "data:text/html,<script>alert(1)</script>"}, "url"),
    ("url-vbscript", {"url": "vbscript:msgbox(1)"}, "url"),
    ("url-ftp", {"url": "ftp://files.example"}, "url"),
    ("url-mailto", {"url": "mailto:ana@example.org"}, "url"),
    ("url-no-host", {"url": "https://"}, "url"),
    ("url-triple-slash", {"url": "http:///etc/passwd"}, "url"),
    ("url-scheme-relative", {"url": "//evil.example"}, "url"),
    ("url-no-slashes", {"url": "https:evil.example"}, "url"),
    ("url-relative", {"url": "/just/a/path"}, "url"),
    ("url-userinfo", {"url": "https://ana.example@evil.example"}, "url"),
    ("url-bad-ipv6", {"url": "https://[::1"}, "url"),
    ("url-bad-port", {"url": "https://ana.example:99999/"}, "url"),
    ("url-inner-space", {"url": "https://ana example.org"}, "url"),
    ("url-backslash", {"url": "https:\\\\evil.example"}, "url"),
    ("url-201", {"url": "https://ana.example/" + "p" * 181}, "url"),
    ("url-number", {"url": 7}, "url"),
    ("url-list", {"url": ["https://ana.example"]}, "url"),
    ("url-nul", {"url": "https://ana.example/\x00"}, "url"),
    # body
    ("body-missing", {"body": None}, "body"),
    ("body-empty", {"body": ""}, "body"),
    ("body-blank", {"body": " \n\t\r\n "}, "body"),
    ("body-5001", {"body": "x" * 5001}, "body"),
    ("body-nul", {"body": "Hello\x00there"}, "body"),
    ("body-escape", {"body": "Hello \x1b[2J there"}, "body"),
    ("body-bell", {"body": "Hello\x07"}, "body"),
    ("body-vertical-tab", {"body": "Hello\x0bthere"}, "body"),
    ("body-form-feed", {"body": "Hello\x0cthere"}, "body"),
    ("body-lone-high-surrogate", {"body": "Hi \ud83d there"}, "body"),
    ("body-lone-low-surrogate", {"body": "Hi \ude00 there"}, "body"),
    ("body-number", {"body": 3.14}, "body"),
    ("body-list", {"body": ["Hello"]}, "body"),
    ("body-object", {"body": {"text": "Hello"}}, "body"),
    # parent_id (not an integer: 422; a well-formed id naming nothing: 404, see test_api_submit)
    ("parent-word", {"parent_id": "abc"}, "parent_id"),
    ("parent-negative", {"parent_id": -1}, "parent_id"),
    ("parent-negative-text", {"parent_id": "-1"}, "parent_id"),
    ("parent-float", {"parent_id": 1.5}, "parent_id"),
    ("parent-float-whole", {"parent_id": 1.0}, "parent_id"),
    ("parent-exponent", {"parent_id": "1e3"}, "parent_id"),
    ("parent-true", {"parent_id": True}, "parent_id"),
    ("parent-false", {"parent_id": False}, "parent_id"),
    ("parent-list", {"parent_id": [1]}, "parent_id"),
    ("parent-object", {"parent_id": {"id": 1}}, "parent_id"),
    ("parent-arabic-digit", {"parent_id": "\u0663"}, "parent_id"),
    ("parent-huge", {"parent_id": 2**64}, "parent_id"),
    ("parent-huge-text", {"parent_id": "9" * 30}, "parent_id"),
    # opaque fields are bounded and clean too
    ("form-token-nul", {"form_token": "abc\x00"}, "form_token"),
    ("form-token-long", {"form_token": "t" * 2001}, "form_token"),
    ("form-token-number", {"form_token": 5}, "form_token"),
]

FORM_SAFE = [case for case in BAD_FIELDS
             if all(isinstance(v, str) and not any("\ud800" <= c <= "\udfff" for c in v)
                    for v in case[1].values())]


def post_json(client: t.Any, body: t.Any) -> t.Any:
    data = json.dumps(body) if not isinstance(body, (bytes, str)) else body
    return client.post(URL, data=data, content_type="application/json")


def post_form(client: t.Any, fields: dict[str, t.Any], **kw: t.Any) -> t.Any:
    data = {k: v for k, v in fields.items() if v is not None}
    return client.post(URL, data=urlencode(data).encode(),
                       content_type="application/x-www-form-urlencoded", **kw)


@pytest.fixture
def site(actions: t.Any) -> t.Any:
    actions.site("demo", ORIGIN, moderation="none")
    return actions


def with_(overrides: dict[str, t.Any]) -> dict[str, t.Any]:
    return {k: v for k, v in {**GOOD, **overrides}.items() if v is not None}


@pytest.mark.parametrize("overrides, field", [c[1:] for c in BAD_FIELDS],
                         ids=[c[0] for c in BAD_FIELDS])
def test_bad_json_field_is_422_naming_only_that_field(site, overrides, field):
    response = post_json(site.client, with_(overrides))
    assert response.status_code == 422, response.data[:300]
    assert response.json["error"] == "validation_failed"
    assert list(response.json["fields"]) == [field]
    assert response.json["fields"][field]
    assert site.thread().json["count"] == 0


@pytest.mark.parametrize("overrides, field", [c[1:] for c in FORM_SAFE],
                         ids=[c[0] for c in FORM_SAFE])
def test_bad_form_field_is_422_page_naming_that_field(site, overrides, field):
    response = post_form(site.client, {**with_(overrides), "return_to": RETURN_TO})
    assert response.status_code == 422
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page
    assert page.count('class="error" id="') == 1
    assert site.thread().json["count"] == 0


def test_every_bad_field_is_named_at_once(site):
    response = post_json(site.client, {"name": "", "email": "nope", "url": "javascript:x",
                                       "body": "", "parent_id": "x"})
    assert response.status_code == 422
    assert set(response.json["fields"]) == {"name", "email", "url", "body", "parent_id"}


# (id, overrides, what is stored: field -> value as the moderator sees it)
GOOD_FIELDS: list[tuple[str, dict[str, t.Any], dict[str, t.Any]]] = [
    ("name-trimmed", {"name": "  Ana  "}, {"name": "Ana"}),
    ("name-nfc", {"name": "Jose\u0301"}, {"name": "Jos\u00e9"}),
    ("name-100", {"name": "n" * 100}, {"name": "n" * 100}),
    ("name-100-after-nfc", {"name": "e\u0301" * 100}, {"name": "\u00e9" * 100}),
    ("name-emoji-zwj", {"name": "Ana \U0001F469\u200D\U0001F4BB"},
     {"name": "Ana \U0001F469\u200D\U0001F4BB"}),
    ("name-cjk", {"name": "\u5c71\u7530 \u82b1\u5b50"}, {"name": "\u5c71\u7530 \u82b1\u5b50"}),
    ("email-domain-lowercased", {"email": "Ana@EXAMPLE.org"}, {"email_masked": "A•••@example.org"}),
    ("email-trimmed", {"email": "  ana@example.org "}, {"email_masked": "a•••@example.org"}),
    ("email-example-com", {"email": "bo@example.com"}, {"email_masked": "b•••@example.com"}),
    ("email-plus", {"email": "ana+blog@example.org"}, {"email_masked": "a•••@example.org"}),
    ("email-unicode", {"email": "\u00e4na@ex\u00e4mple.org"},
     {"email_masked": "\u00e4•••@ex\u00e4mple.org"}),
    ("url-https", {"url": "https://ana.example"}, {"url": "https://ana.example"}),
    ("url-http-port-query", {"url": "http://ana.example:8080/p?q=1#f"},
     {"url": "http://ana.example:8080/p?q=1#f"}),
    ("url-upper-scheme", {"url": "HTTPS://ANA.EXAMPLE/"}, {"url": "HTTPS://ANA.EXAMPLE/"}),
    ("url-trimmed", {"url": "  https://ana.example  "}, {"url": "https://ana.example"}),
    ("url-empty-is-none", {"url": ""}, {"url": None}),
    ("url-200", {"url": "https://ana.example/" + "p" * 180},
     {"url": "https://ana.example/" + "p" * 180}),
    ("body-newline-tab", {"body": "line one\n\tline two"}, {"body": "line one\n\tline two"}),
    ("body-crlf", {"body": "one\r\ntwo\rthree"}, {"body": "one\ntwo\nthree"}),
    ("body-trimmed", {"body": "\n  Hello  \n"}, {"body": "Hello"}),
    ("body-5000", {"body": "b" * 5000}, {"body": "b" * 5000}),
    ("body-5000-padded", {"body": "  " + "b" * 5000 + "\n"}, {"body": "b" * 5000}),
    ("body-nfc", {"body": "Cafe\u0301"}, {"body": "Caf\u00e9"}),
    ("body-astral", {"body": "\U0001F600 \U00010348"}, {"body": "\U0001F600 \U00010348"}),
    ("body-html-kept-as-text", {"body": "<script>alert(1)</script>"},
     {"body": "<script>alert(1)</script>"}),
    ("parent-zero-is-none", {"parent_id": 0}, {"parent_id": None}),
    ("parent-zero-text-is-none", {"parent_id": "0"}, {"parent_id": None}),
    ("parent-empty-is-none", {"parent_id": ""}, {"parent_id": None}),
    ("parent-null-is-none", {"parent_id": None}, {"parent_id": None}),
]


def moderation_item(actions: t.Any, token: str, cid: int) -> dict[str, t.Any]:
    response = actions.client.get(f"/api/v1/moderation/comments/{cid}",
                                  headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    return t.cast(dict[str, t.Any], response.json)


def stored_view(item: dict[str, t.Any]) -> dict[str, t.Any]:
    return {"name": item["author"]["name"], "url": item["author"]["url"],
            "email_masked": item["author"]["email_masked"], "body": item["body"],
            "parent_id": item["parent_id"]}


@pytest.mark.parametrize("overrides, expected", [c[1:] for c in GOOD_FIELDS],
                         ids=[c[0] for c in GOOD_FIELDS])
def test_good_json_field_is_stored_normalised(site, overrides, expected):
    token = site.moderator("mod", "demo")
    response = post_json(site.client, {**GOOD, **overrides})
    assert response.status_code == 201, response.json
    seen = stored_view(moderation_item(site, token, response.json["id"]))
    assert {k: seen[k] for k in expected} == expected


@pytest.mark.parametrize("overrides, expected", [c[1:] for c in GOOD_FIELDS if
                                                 isinstance(next(iter(c[1].values())), str)],
                         ids=[c[0] for c in GOOD_FIELDS if
                              isinstance(next(iter(c[1].values())), str)])
def test_good_form_field_is_stored_normalised(site, overrides, expected):
    token = site.moderator("mod", "demo")
    response = post_form(site.client, {**GOOD, **overrides, "return_to": RETURN_TO})
    assert response.status_code == 303
    cid = int(response.headers["Location"].rsplit("#comment-", 1)[1])
    seen = stored_view(moderation_item(site, token, cid))
    assert {k: seen[k] for k in expected} == expected


def test_unknown_fields_cannot_set_status_id_dates_or_address(actions):
    actions.site("demo", ORIGIN)  # moderation "all": everything waits
    token = actions.moderator("mod", "demo")
    response = post_json(actions.client, {
        **GOOD, "status": "approved", "id": 4242, "created_at": "2000-01-01T00:00:00Z",
        "edited_at": "2000-01-01T00:00:00Z", "moderated_at": "2000-01-01T00:00:00Z",
        "ip_prefix": "8.8.8.0/24", "ip_hash": "x", "email_hash": "y", "avatar_key": "z",
        "spam_score": -5, "spam_reasons": ["trusted"], "article_id": 99, "approved": True,
    })
    assert response.status_code == 202
    assert response.json["status"] == "pending"
    assert response.json["id"] != 4242
    assert not response.json["comment"]["created_at"].startswith("2000")
    item = moderation_item(actions, token, response.json["id"])
    assert item["status"] == "pending"
    assert item["ip_prefix"] == "127.0.0.0/24"
    assert "trusted" not in item["spam"]["reasons"] and item["spam"]["score"] >= 0
    assert item["moderated_at"] is None and item["edited_at"] is None
    assert actions.thread().json["count"] == 0


# Bodies that are not a submission at all: (id, raw body, content type, status)
BAD_BODIES: list[tuple[str, bytes, str | None, int]] = [
    ("json-truncated", b'{"name": "Ana"', "application/json", 400),
    ("json-empty", b"", "application/json", 400),
    ("json-array", b"[1, 2]", "application/json", 400),
    ("json-string", b'"hello"', "application/json", 400),
    ("json-null", b"null", "application/json", 400),
    ("json-number", b"42", "application/json", 400),
    ("json-trailing-garbage", b'{"name": "Ana"} x', "application/json", 400),
    ("json-single-quotes", b"{'name': 'Ana'}", "application/json", 400),
    ("json-deep-arrays", b"[" * 100_00 + b"]" * 100_00, "application/json", 400),
    ("json-deep-in-field", b'{"name": ' + b"[" * 50 + b"]" * 50 + b"}", "application/json", 400),
    ("json-deep-objects", b'{"a":' * 5000 + b"1" + b"}" * 5000, "application/json", 400),
    ("json-invalid-utf8", b'{"name": "\xff\xfe", "email": "a@example.org", "body": "x"}',
     "application/json", 400),
    ("json-utf8-encoded-surrogate", b'{"name": "\xed\xa0\x80"}', "application/json", 400),
    ("json-latin1-charset", b'{"name": "Ana"}', "application/json; charset=latin-1", 415),
    ("json-bom", b'\xef\xbb\xbf{"name": "Ana"}', "application/json", 400),
    ("json-huge-integer", b'{"parent_id": ' + b"9" * 5000 + b"}", "application/json", 400),
    ("form-invalid-utf8", b"name=%FF&email=a%40example.org&body=x", None, 400),
    ("form-raw-invalid-utf8", b"name=\xff&email=a%40example.org&body=x", None, 400),
    ("form-encoded-surrogate", b"name=%ED%A0%80&email=a%40example.org&body=x", None, 400),
    ("form-too-many-fields", b"&".join(b"f%d=1" % i for i in range(500)), None, 400),
    ("text-plain", b"name=Ana", "text/plain", 415),
    ("no-content-type", b'{"name": "Ana"}', "", 415),
    ("xml", b"<comment/>", "application/xml", 415),
    ("multipart", b"--x\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nAna\r\n--x--\r\n",
     "multipart/form-data; boundary=x", 415),
    ("form-latin1-charset", b"name=Ana", "application/x-www-form-urlencoded; charset=latin-1",
     415),
]


@pytest.mark.parametrize("raw, content_type, status", [c[1:] for c in BAD_BODIES],
                         ids=[c[0] for c in BAD_BODIES])
def test_bad_body_gets_its_4xx(site, raw, content_type, status):
    if content_type is None:
        content_type = "application/x-www-form-urlencoded"
    headers = {"Content-Type": content_type} if content_type else {}
    response = site.client.post(URL, data=raw, headers=headers)
    assert response.status_code == status, response.data[:300]
    if response.mimetype == "application/json":
        assert response.json["error"] in ("bad_request", "unsupported_media_type")
        assert response.json["message"]
    else:  # a browser posting a form gets a page, not JSON
        assert response.mimetype == "text/html"
    assert site.thread().json["count"] == 0


@pytest.mark.parametrize("content_type", ["application/json", "application/x-www-form-urlencoded"])
def test_body_over_max_content_length_is_413(site, content_type):
    big = b"x" * (64 * 1024 + 1)
    response = site.client.post(URL, data=big, content_type=content_type)
    assert response.status_code == 413
    assert site.thread().json["count"] == 0


def test_the_size_limit_is_configurable(app_factory):
    app = app_factory(MAX_CONTENT_LENGTH=1024)
    client = app.test_client()
    app.test_cli_runner().invoke(args=["site", "add", "demo", "--origin", ORIGIN])
    response = post_json(client, {**GOOD, "body": "x" * 2000})
    assert response.status_code == 413
    assert response.json["error"] == "payload_too_large"


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_other_methods_are_405_with_allow(site, method):
    response = site.client.open(URL, method=method, json=GOOD)
    assert response.status_code == 405
    assert response.json["error"] == "method_not_allowed"
    allowed = {m.strip() for m in response.headers["Allow"].split(",")}
    assert {"GET", "POST"} <= allowed


# Path parts that must never reach a database as they are.
@pytest.mark.parametrize("path, status", [
    ("/api/v1/sites/de%00mo/articles/a/comments", 404),
    ("/api/v1/sites/DEMO/articles/a/comments", 404),
    ("/api/v1/sites/demo%0A/articles/a/comments", 404),
    ("/api/v1/sites/demo/articles/a%00b/comments", 400),
    ("/api/v1/sites/demo/articles/a%0Ab/comments", 404),  # the route refuses it
    ("/api/v1/sites/demo/articles/" + "k" * 513 + "/comments", 400),
])
def test_junk_in_the_path_is_4xx_on_every_database(site, path, status):
    assert site.client.post(path, json=GOOD).status_code == status
    assert site.client.get(path).status_code == status


# -- properties -------------------------------------------------------------------------------

PRINTABLE = st.characters(exclude_categories=("Cs", "Cc"))
TEXT = st.text(st.one_of(PRINTABLE, st.sampled_from("\n\t")), min_size=1, max_size=300)


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=TEXT)
def test_any_valid_text_round_trips_exactly(site, text):
    expected = unicodedata.normalize("NFC", text).strip()
    if not expected:
        return
    if "_token" not in site.__dict__:  # the fixture lives across examples: set up once
        site.__dict__["_token"] = site.moderator("mod", "demo")
    token = site.__dict__["_token"]
    site.__dict__["_n"] = n = site.__dict__.get("_n", 0) + 1
    # One article per example: the same text from another address would be held (issue 12.3).
    body = json.dumps({**GOOD, "email": f"p{n}@example.org", "body": text})
    response = site.client.post(URL.replace("hello-world", f"text-{n}"), data=body,
                                content_type="application/json")
    assert response.status_code == 201, response.json
    assert moderation_item(site, token, response.json["id"])["body"] == expected


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True)
    | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8),
                                                                      children, max_size=4),
    max_leaves=12,
)
FIELD_NAMES = st.sampled_from(["name", "email", "url", "body", "parent_id", "form_token", "fax",
                               "return_to", "status", "id"]) | st.text(max_size=10)


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=st.one_of(st.dictionaries(FIELD_NAMES, JSON_VALUES, max_size=8), JSON_VALUES,
                     st.binary(max_size=200)),
       as_form=st.booleans())
def test_arbitrary_bodies_never_answer_5xx(site, body, as_form):
    form_type = "application/x-www-form-urlencoded"
    if isinstance(body, bytes):  # raw bytes: broken UTF-8, stray %, NUL, anything
        raw = body
    elif as_form and isinstance(body, dict):
        data = {str(k).encode("utf-8", "surrogatepass"): str(v).encode("utf-8", "surrogatepass")
                for k, v in body.items()}
        raw = urlencode({**data, b"return_to": RETURN_TO.encode()}).encode()
    else:
        raw = json.dumps(body).encode()
    response = site.client.post(URL, data=raw,
                                content_type=form_type if as_form else "application/json")
    assert response.status_code < 500, response.data[:500]


def test_deliverability_check_is_off_by_default_and_can_be_switched_on(app_factory):
    address = "ana@no-such-domain.h3-not-a-tld"
    off = app_factory()
    off.test_cli_runner().invoke(args=["site", "add", "demo", "--origin", ORIGIN])
    assert post_json(off.test_client(), {**GOOD, "email": address}).status_code == 202
    on = app_factory(EMAIL_CHECK_DELIVERABILITY=True, EMAIL_DNS_TIMEOUT=2)
    refused = post_json(on.test_client(), {**GOOD, "email": address, "body": "again"})
    assert refused.status_code == 422
    assert "does not exist" in refused.json["fields"]["email"]


# --- each input parsed once: statuses, article keys, emails, moderator patches ---------------

def test_statuses_are_checked_in_one_place():
    assert t.get_args(Status) == STATUSES  # the typed value and the column's values agree
    assert check_status("spam") == "spam"
    assert parse_status("pending", ("pending", "spam")) == "pending"
    for bad in ("deleted", "Approved", "", None, 3):
        with pytest.raises(BadRequest, match="^status must be"):
            parse_status(bad, ("pending", "spam", "approved", "rejected"))


def test_text_refuses_exactly_the_control_characters():
    """Every character of category Cc, in this Python's Unicode database, is refused; in
    multiline text tab and LF pass (CR becomes LF), and nothing else is refused as control."""
    controls = {chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Cc"}
    near = ["\x20", "\x7e", "\xa0", "\xad", "\u200b", "\u2028", "\ufeff", "\U0010fffd"]
    for multiline, passing in ((False, set()), (True, {"\t", "\n", "\r"})):
        for ch in sorted(controls - passing - {"\x00"}):  # NUL has its own reason
            with pytest.raises(ValueError, match="control characters"):
                clean_text(f"a{ch}b", multiline=multiline)
        for ch in [*passing, *near]:
            assert clean_text(f"a{ch}b", multiline=multiline) == f"a{ch}b".replace("\r", "\n")
    with pytest.raises(ValueError, match="surrogates"):
        clean_text("a\udfffb")


def test_email_is_normalised_by_one_function_for_every_caller():
    assert normalize_email("  Ana@EXAMPLE.org ") == "Ana@example.org"
    assert normalize_email(" not an address ") == "not an address"  # legacy: as given


def test_moderator_patch_applies_the_body_rules_of_a_new_comment(actions):
    actions.site("demo", ORIGIN)
    token = actions.moderator("mod", "demo")
    comment_id = actions.post(body="first words").json["id"]
    url = f"/api/v1/moderation/comments/{comment_id}"
    auth = {"Authorization": f"Bearer {token}"}
    for body, problem in (("   ", "is required"), ("x" * 5001, "at most 5000"),
                          ("nul\x00", "NUL")):
        response = actions.client.patch(url, json={"body": body}, headers=auth)
        assert response.status_code == 422 and problem in response.json["fields"]["body"]
    bad_status = actions.client.patch(url, json={"status": ["approved"]}, headers=auth)
    assert bad_status.status_code == 400 and bad_status.json["message"] == \
        "status must be a string."
    queue = actions.client.get("/api/v1/moderation/comments?status=nope", headers=auth)
    assert queue.status_code == 400 and "status must be one of" in queue.json["message"]


def test_an_article_key_with_control_characters_is_refused_everywhere(actions):
    actions.site("demo", ORIGIN)
    token = actions.moderator("mod", "demo")
    auth = {"Authorization": f"Bearer {token}"}
    closing = actions.client.patch("/api/v1/moderation/sites/demo/articles/a%01b",
                                   json={"comments_open": False}, headers=auth)
    posting = actions.client.post("/api/v1/sites/demo/articles/a%01b/comments", json=GOOD)
    for response in (closing, posting):
        assert response.status_code == 400
        assert response.json["message"] == "An article key may not hold control characters."
