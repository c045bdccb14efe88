"""The message catalogue: complete in every language, placeholders intact, compiled, chosen well."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
import typing as t
from configparser import ConfigParser
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo

from commentsvc import fields, i18n
from commentsvc.models import utcnow
from commentsvc.notify import reader_links

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "commentsvc"
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2), "t": None,
            "nt": (1, 2)}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
REQUIRED = {"ar", "he", "fa", "ja", "zh_Hans", "ko", "hi", "ru", "uk", "pl", "tr",
            "de", "fr", "es", "it", "pt", "nl", "sv"}


def used_messages() -> dict[str | tuple[str, str], list[str]]:
    """Every text the code, the templates and the widget ask for, as babel.cfg extracts them."""
    config = ConfigParser()
    config.read(ROOT / "babel.cfg")
    method_map = [(section.split(":", 1)[1].strip(), section.split(":", 1)[0].strip())
                  for section in config.sections()]
    found: dict[str | tuple[str, str], list[str]] = {}
    for filename, _line, message, _comments, _context in extract_from_dir(
            str(PACKAGE), method_map, keywords=KEYWORDS):
        key = message if isinstance(message, str) else (message[0], message[1])
        found.setdefault(key, []).append(filename)
    return found


@pytest.fixture(scope="module")
def used() -> dict[str | tuple[str, str], list[str]]:
    return used_messages()


def test_at_least_24_languages_with_the_required_ones():
    shipped = set(i18n.locales())
    assert len(shipped) >= 24
    assert REQUIRED <= shipped
    assert {i18n.to_tag(loc) for loc in shipped if i18n.is_rtl(loc)} == {"ar", "he", "fa"}


@pytest.mark.parametrize("locale", i18n.locales()[1:])
def test_every_language_has_every_used_text_and_no_other(locale, used):
    catalogue = i18n.read_catalogue(locale)
    have = {m.id if isinstance(m.id, str) else tuple(m.id): m for m in catalogue if m.id}
    missing = [k for k in used if k not in have or have[k].fuzzy
               or not all(have[k].string if isinstance(have[k].string, tuple)
                          else [have[k].string])]
    unused = [k for k in have if k not in used]
    assert missing == [], f"{locale}: untranslated (run `make i18n`, then translate): {missing}"
    assert unused == [], f"{locale}: no longer used (run `make i18n`): {unused}"


@pytest.mark.parametrize("locale", i18n.locales()[1:])
def test_translations_keep_the_placeholders_of_the_source(locale):
    for m in i18n.read_catalogue(locale):
        if not m.id:
            continue
        ids = [m.id] if isinstance(m.id, str) else list(m.id)
        source = set().union(*(PLACEHOLDER.findall(i) for i in ids))
        forms = [m.string] if isinstance(m.string, str) else list(m.string)
        for form in forms:
            got = set(PLACEHOLDER.findall(form))
            # A plural form may spell the number out ("one", "two"); nothing else may go or come.
            assert got - {"num"} == source - {"num"} and got <= source, (locale, m.id, form)
        assert set(PLACEHOLDER.findall(forms[-1])) == source, (locale, m.id, "last form")
        assert all("%" not in PLACEHOLDER.sub("", f) for f in forms), (locale, m.id)


def _key(value: t.Any) -> t.Any:
    return value if isinstance(value, str) else tuple(value)


@pytest.mark.parametrize("locale", i18n.locales()[1:])
def test_a_reply_buttons_name_contains_its_visible_text(locale):
    """WCAG 2.5.3: "Reply" is shown, "Reply to Ana" is its accessible name."""
    texts = {m.id: m.string for m in i18n.read_catalogue(locale) if isinstance(m.id, str)}
    assert texts["Reply"] in texts["Reply to %(name)s"]


@pytest.mark.parametrize("locale", i18n.locales()[1:])
def test_compiled_catalogues_match_their_sources(locale):
    folder = PACKAGE / "translations" / locale / "LC_MESSAGES"
    with (folder / "messages.mo").open("rb") as f:
        compiled = {_key(m.id): _key(m.string) for m in read_mo(f) if m.id}
    source = {_key(m.id): _key(m.string) for m in i18n.read_catalogue(locale) if m.id}
    assert compiled == source, f"{locale}: messages.mo is stale: run `make i18n`"


def test_widget_strings_use_the_browsers_plural_categories():
    ar = json.loads(i18n.widget_strings("ar"))
    assert set(ar["%(num)s Comment"]) == {"zero", "one", "two", "few", "many", "other"}
    assert ar["%(num)s Comment"]["two"] == "تعليقان"
    pl = json.loads(i18n.widget_strings("pl"))
    assert pl["%(num)s Comment"]["few"] == "%(num)s komentarze"
    assert pl["%(num)s Comment"]["many"] == "%(num)s komentarzy"
    ja = json.loads(i18n.widget_strings("ja"))
    assert set(ja["%(num)s Comment"]) == {"other"}
    # Only the widget's texts travel to the browser; the no-JS page's stay on the server.
    assert "Earlier comments" not in ar and "Leave a Comment" in ar
    for locale in i18n.locales()[1:]:
        categories = set(Locale.parse(locale).plural_form.tags) | {"other"}
        assert set(json.loads(i18n.widget_strings(locale))["%(num)s Comment"]) == categories


@pytest.mark.parametrize(("tag", "locale"), [
    ("fr-CA", "fr"), ("FR", "fr"), ("pt-BR", "pt"), ("zh-CN", "zh_Hans"), ("zh-Hans-SG", "zh_Hans"),
    ("zh-TW", None), ("zh-Hant", None), ("no", "nb"), ("nb-NO", "nb"), ("iw", "he"),
    ("en-GB", "en"), ("xx", None), ("", None), (None, None), ("de_AT", "de"), ("a" * 80, None),
])
def test_language_tags_fall_back_to_their_language(tag, locale):
    assert i18n.match(tag) == locale


def test_the_no_js_page_takes_lang_then_accept_language(client, actions):
    actions.site("demo")
    page = client.get("/embed/demo/hello-world?lang=fr-CA", headers={"Accept-Language": "de"})
    html = page.get_data(as_text=True)
    assert '<html lang="fr" dir="ltr"' in html
    assert "Laisser un commentaire" in html and "Publier le commentaire" in html
    html = client.get("/embed/demo/hello-world?lang=xx",
                      headers={"Accept-Language": "da;q=0.3, ar-EG;q=0.9"}).get_data(as_text=True)
    assert '<html lang="ar" dir="rtl"' in html and "أضف ردًا" in html
    html = client.get("/embed/demo/hello-world").get_data(as_text=True)
    assert '<html lang="en" dir="ltr"' in html and "Leave a Reply" in html


def test_widget_strings_are_versioned_compressed_and_cached_for_a_year(client):
    script = client.get("/embed.js").get_data(as_text=True)
    build = json.loads(re.search(r"var BUILD = (.*?);", script).group(1))
    assert build["rtl"] == ["ar", "fa", "he"]
    url = f"/i18n/zh-Hans.{build['strings']['zh-Hans']}.json"
    answer = client.get(url, headers={"Accept-Encoding": "gzip, br"})
    assert answer.status_code == 200
    assert answer.headers["Content-Encoding"] == "gzip"
    assert "immutable" in answer.headers["Cache-Control"]
    assert "max-age=31536000" in answer.headers["Cache-Control"]
    assert json.loads(gzip.decompress(answer.data))["Leave a Reply"] == "发表回复"
    stale = client.get("/i18n/zh-Hans.000000000000.json")
    assert stale.status_code == 200 and "immutable" not in stale.headers["Cache-Control"]
    assert client.get("/i18n/en.000000000000.json").status_code == 404
    assert client.get("/i18n/xx.000000000000.json").status_code == 404
    assert client.get("/i18n/fr-CA.000000000000.json").status_code == 404
    css = client.get("/" + build["css"])
    assert "immutable" in css.headers["Cache-Control"]
    assert client.get("/embed.css").headers["Cache-Control"] == "public, max-age=3600"


def test_validation_answers_follow_accept_language(client, actions):
    actions.site("demo")
    bad = {"name": "  ", "email": "not-an-address", "url": "ftp://x.example", "body": "x" * 5001}
    french = client.post("/api/v1/sites/demo/articles/a/comments", json=bad,
                         headers={"Accept-Language": "fr-CA, fr;q=0.9, en;q=0.5"})
    assert french.status_code == 422
    data = french.get_json()
    assert data["error"] == "validation_failed"  # codes stay English identifiers
    assert data["message"] == "Certains champs ne sont pas valides."
    assert data["fields"] == {"name": "est obligatoire",
                              "email": "n’est pas une adresse e-mail valide",
                              "url": "doit être une adresse http:// ou https://",
                              "body": "doit faire au plus 5000 caractères"}
    english = client.post("/api/v1/sites/demo/articles/a/comments", json=bad).get_json()
    assert english["fields"]["name"] == "is required"
    assert english["fields"]["body"] == "must be at most 5000 characters"
    assert "@" in english["fields"]["email"]  # email-validator's own reason, in English

    ok = {"name": "Ana", "email": "ana@example.org", "body": "Twice the same"}
    headers = {"Accept-Language": "pl"}
    client.post("/api/v1/sites/demo/articles/a/comments", json=ok, headers=headers)
    again = client.post("/api/v1/sites/demo/articles/a/comments", json=ok, headers=headers)
    assert again.status_code in (409, 429)
    assert again.get_json()["message"] in ("Ten komentarz został już tu przez ciebie opublikowany.",
                                           "Odczekaj chwilę przed kolejnym komentarzem.")


def test_the_form_error_page_is_in_the_readers_language(client, actions):
    actions.site("demo")
    answer = client.post("/api/v1/sites/demo/articles/a/comments",
                         data={"name": "Ana", "email": "ana@example.org", "body": "",
                               "return_to": "https://blog.example/a/"},
                         headers={"Accept-Language": "de-AT,de;q=0.8", "Accept": "text/html"})
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert '<html lang="de" dir="ltr">' in html
    assert "<strong>Fehler:</strong> Kommentar: ist erforderlich" in html
    assert 'value="Kommentar abschicken"' in html and 'value="Ana"' in html


@pytest.mark.parametrize(("accept", "message", "name", "body", "url"), [
    ("fr-FR,fr;q=0.9", "Certains champs ne sont pas valides.", "est obligatoire",
     "doit faire au plus 5000 caractères", "ne doit pas contenir d’espaces ni de caractères de "
     "contrôle"),
    # Arabic: 5000 takes the form of its plural category ("other", not "many")
    ("ar", "بعض الحقول غير صالحة.", "مطلوب", "يجب ألا يتجاوز 5000 حرف",
     "يجب ألا يحتوي على مسافات أو محارف تحكم"),
    ("xx-YY, tlh;q=0.5", "Some fields are not valid.", "is required",
     "must be at most 5000 characters", "must not contain spaces or control characters"),
])
def test_validation_messages_are_translated_by_their_id(client, actions, accept, message, name,
                                                        body, url):
    """French and Arabic get their texts, an unknown language English; codes stay English."""
    actions.site("demo")
    bad = {"name": "", "email": "ana@example.org", "url": "https://a b.example/",
           "body": "x" * 5001}
    answer = client.post("/api/v1/sites/demo/articles/a/comments", json=bad,
                         headers={"Accept-Language": accept})
    data = answer.get_json()
    assert answer.status_code == 422 and data["error"] == "validation_failed"
    assert data["message"] == message and set(data["fields"]) == {"name", "url", "body"}
    assert data["fields"] == {"name": name, "url": url, "body": body}


def test_a_text_is_translated_by_its_msgid_not_by_its_english(app):
    """The same English words without a msgid stay English; a msgid is found whatever the
    English shows (an email address's reason keeps email-validator's detail in English)."""
    with app.test_request_context("/", headers={"Accept-Language": "de"}):
        message, fields = i18n.translate_answer(
            i18n.N_("Some fields are not valid."),
            {"a": i18n.N_("is required"), "b": "is required",
             "email": i18n.N_("is not a valid email address", english="The domain is odd."),
             "body": i18n.nt("must be at most %(num)s character",
                             "must be at most %(num)s characters", 1)})
        assert message == "Einige Felder sind ungültig."
        assert fields == {"a": "ist erforderlich", "b": "is required",
                          "email": "ist keine gültige E-Mail-Adresse",
                          "body": "darf höchstens 1 Zeichen lang sein"}
    english = i18n.N_("is not a valid email address", english="The domain is odd.")
    assert english == "The domain is odd." and english.msgid == "is not a valid email address"


def test_every_field_refusal_carries_a_msgid_in_the_catalogue(app):
    """Each reason the shared field checks give has a msgid every language translates."""
    refusals = [(fields.clean_text, 5), (fields.clean_text, "\ud800"), (fields.clean_text, "\x00"),
                (fields.clean_text, "a\x07"), (fields.check_name, "a\u202e"),
                (fields.check_name, "a\u2028"), (fields.check_name, "a\U000e0041"),
                (fields.check_name, "\u200b"), (fields.check_url, "https://a b"),
                (fields.check_url, "https:\\\\x"), (fields.check_url, "http://[::1"),
                (fields.check_url, "ftp://x.example"), (fields.check_url, "https://u:p@x.example"),
                (fields.check_article_key, "")]
    french = {m.id for m in i18n.read_catalogue("fr") if m.id and m.string}
    for check, value in refusals:
        with pytest.raises(ValueError) as refused:
            check(value)
        text = i18n.reason(refused.value)
        assert isinstance(text, i18n.Text) and text.msgid in french, (check, value, text)


def test_every_submission_field_problem_is_translated(client, actions):
    """No reader-facing field text of a submission is left English in another language."""
    actions.site("demo")
    bad = {"name": "a\u202eb", "email": "ana@", "url": "javascript:x", "body": "\x07",
           "parent_id": "x", "notify": "sometimes", "form_token": "t" * 2001,
           "article_title": "T" * 201, "article_url": "https://a\\b.example/"}
    data = client.post("/api/v1/sites/demo/articles/a/comments", json=bad,
                       headers={"Accept-Language": "es"}).get_json()
    english = client.post("/api/v1/sites/demo/articles/a/comments", json=bad).get_json()
    assert set(data["fields"]) == set(bad) == set(english["fields"])
    same = {k: v for k, v in data["fields"].items() if v == english["fields"][k]}
    assert same == {}, same
    assert data["fields"]["notify"] == "debe ser replies o all"


def test_refusals_raised_past_validation_are_translated_too(client, actions):
    """A reply to a comment that is not there, and a page URL off the site, answer in German."""
    actions.site("demo")  # origins: the demo site's own
    german = {"Accept-Language": "de"}
    url = "/api/v1/sites/demo/articles/a/comments"
    ok = {"name": "Ana", "email": "ana@example.org"}
    orphan = client.post(url, json={**ok, "body": "Reply", "parent_id": 987654}, headers=german)
    assert orphan.status_code == 404
    assert (orphan.get_json()["message"]
            == "Der Kommentar, auf den du antwortest, existiert hier nicht.")
    off_site = {**ok, "body": "Hi", "article_url": "https://evil.example/a"}
    elsewhere = client.post(url, json=off_site, headers=german)
    assert elsewhere.status_code == 422
    assert elsewhere.get_json()["fields"] == {
        "article_url": "muss unter einem der Ursprünge der Website liegen"}


# Moderators and site operators are answered in their language too (ids, not English wording).
MODERATOR_TEXTS = {
    "de": {"elsewhere": "Du moderierst diese Website nicht.",
           "threshold": "--flag-threshold muss eine ganze Zahl sein, 1-1000",
           "unknown": "unbekannte Einstellung; bekannt sind: ",
           "no_ids": "ids muss eine nicht leere Liste von Kommentarnummern sein.",
           "bulk": "Kommentar {id}: Ein Kommentar im Status deleted kann nicht zu approved "
                   "wechseln. Es wurde nichts geändert.",
           "pin": "nur freigegebene Kommentare können angeheftet werden",
           "pin_label": "Als Empfehlung der Redaktion anheften",
           "quiet": "quiet_hours.from und .to müssen verschieden sein (read_only schließt den "
                    "ganzen Tag)"},
    "ar": {"elsewhere": "أنت لا تشرف على هذا الموقع.",
           "threshold": "يجب أن يكون --flag-threshold عددًا صحيحًا، 1-1000",
           "unknown": "إعداد غير معروف؛ الإعدادات المعروفة: ",
           "no_ids": "يجب أن تكون ids قائمة غير فارغة من أرقام التعليقات.",
           "bulk": "التعليق {id}: لا يمكن لتعليق حالته deleted أن يصبح approved. لم يتغير شيء.",
           "pin": "لا يمكن تثبيت إلا التعليقات الموافق عليها",
           "pin_label": "تثبيت كاختيار المحررين",
           "quiet": "يجب أن يختلف quiet_hours.from عن .to (استخدم read_only للإغلاق طوال اليوم)"},
}


def _withdrawn(client, actions) -> int:
    posted = actions.post(body="Said, then taken back").json
    gone = client.delete(f"/api/v1/comments/{posted['id']}",
                         headers={"X-Edit-Token": posted["edit_token"]})
    assert gone.status_code == 204
    return int(posted["id"])


@pytest.mark.parametrize("lang", ["de", "ar"])
def test_moderation_api_refusals_follow_accept_language(client, actions, mod, lang):
    """Another's site, a bad or unknown setting, a bulk change that cannot be made (a refusal
    quoted in another): the moderator's language; codes and the English answer stay."""
    told = MODERATOR_TEXTS[lang]
    headers = {"Authorization": f"Bearer {mod}", "Accept-Language": lang}
    elsewhere = client.get("/api/v1/moderation/sites/other", headers=headers)
    assert elsewhere.status_code == 403
    assert elsewhere.json == {"error": "forbidden", "message": told["elsewhere"]}
    threshold = client.patch("/api/v1/moderation/sites/demo", json={"flag_threshold": 0},
                             headers=headers)
    assert threshold.status_code == 422 and threshold.json["error"] == "validation_failed"
    assert threshold.json["fields"] == {"flag_threshold": told["threshold"]}
    unknown = client.patch("/api/v1/moderation/sites/demo", json={"colour": "red"},
                           headers=headers)
    assert unknown.json["fields"]["colour"].startswith(told["unknown"] + "read_only, ")
    no_ids = client.post("/api/v1/moderation/comments/bulk", json={"ids": [], "status": "spam"},
                         headers=headers)
    assert no_ids.status_code == 400 and no_ids.json["message"] == told["no_ids"]
    cid = _withdrawn(client, actions)
    change = {"ids": [cid], "status": "approved"}
    refused = client.post("/api/v1/moderation/comments/bulk", json=change, headers=headers)
    assert refused.status_code == 409 and refused.json["error"] == "invalid_transition"
    assert refused.json["message"] == told["bulk"].format(id=cid)
    english = client.post("/api/v1/moderation/comments/bulk", json=change,
                          headers={"Authorization": f"Bearer {mod}"})
    assert english.json["message"] == (f"Comment {cid}: A deleted comment cannot become "
                                       "approved. Nothing was changed.")


def _review_login(client, token: str) -> str:
    def csrf_of(page: bytes) -> str:
        return re.search(r'name="csrf_token" value="([^"]+)"', page.decode()).group(1)
    csrf = csrf_of(client.get("/moderate/").data)
    assert client.post("/moderate/login", data={"token": token, "csrf_token": csrf}
                       ).status_code == 303
    return csrf_of(client.get("/moderate/").data)


@pytest.mark.parametrize("lang", ["de", "ar"])
def test_the_review_page_says_what_went_wrong_in_the_moderators_language(client, actions, mod,
                                                                        lang):
    """A card tool's refusal answered in place (the queue again, the field named) and a
    settings refusal to the page's script: both in the language the browser asks for."""
    told = MODERATOR_TEXTS[lang]
    csrf = _review_login(client, mod)
    cid = actions.post(body="Still pending").json["id"]  # demo holds every comment
    pinned = client.post(f"/moderate/comments/{cid}/pin",
                         data={"csrf_token": csrf, "pinned": "1"},
                         headers={"Accept-Language": lang})
    page = pinned.data.decode()
    assert pinned.status_code == 422 and f'dir="{"rtl" if lang == "ar" else "ltr"}"' in page
    assert f"{told['pin_label']}: {told['pin']}" in page
    assert "only approved comments can be pinned" not in page
    settings = client.post("/moderate/sites/demo/settings",
                           data={"csrf_token": csrf, "quiet": "on", "quiet_from": "22:00",
                                 "quiet_to": "22:00"},
                           headers={"Accept-Language": lang, "Accept": "application/json"})
    assert settings.status_code == 422
    assert settings.json["fields"] == {"quiet_hours": told["quiet"]}


def test_dead_subscription_links_tell_the_reader_in_their_language(app, client):
    """A link to subscriptions that are gone, and one past its 7 days: title and text."""
    with app.app_context():
        gone = reader_links.confirm_token(987654)
        old = reader_links.confirm_token(987654, utcnow() - dt.timedelta(days=8))
    german = {"Accept-Language": "de"}
    page = client.get(f"/subscriptions/confirm/{gone}", headers=german)
    assert page.status_code == 410 and '<html lang="de" dir="ltr">' in page.data.decode()
    assert "Dieser Link kann nicht mehr verwendet werden" in page.data.decode()
    assert "Diese Abonnements gibt es nicht mehr." in page.data.decode()
    expired = client.get(f"/subscriptions/confirm/{old}", headers=german).data.decode()
    assert "Bestätigungslinks gelten 7 Tage." in expired
    english = client.get(f"/subscriptions/confirm/{old}").data.decode()
    assert "Confirmation links work for 7 days." in english


def test_site_operators_are_told_about_unknown_sites_and_keys_in_their_language(client, actions,
                                                                                mod):
    """An embed with a wrong site key or an article key too long: the operator's language."""
    german = {"Accept-Language": "de"}
    unknown = client.get("/api/v1/sites/blgo/articles/a/comments", headers=german)
    assert unknown.status_code == 404 and unknown.json == {
        "error": "not_found", "message": "Es gibt keine Website 'blgo'."}
    assert {"Accept", "Accept-Language"} <= set(unknown.vary)  # a cache keeps each language apart
    long_key = "k" * 513
    closing = client.patch(f"/api/v1/moderation/sites/demo/articles/{long_key}",
                           json={"comments_open": False},
                           headers={**german, "Authorization": f"Bearer {mod}"})
    assert closing.status_code == 400
    assert closing.json["message"] == "Artikelschlüssel: darf höchstens 512 Zeichen lang sein."
    page = client.get(f"/embed/demo/{long_key}", headers={"Accept-Language": "ar"})
    assert page.status_code == 400
    assert "لا يتجاوز مفتاح المقال 512 حرفًا." in page.data.decode()
