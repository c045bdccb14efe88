"""What the learned filter reads in a comment: careful tokenising and the feature families."""

from __future__ import annotations

import pytest

from commentsvc.spam.features import features, normalise, parts


@pytest.mark.parametrize(
    ("text", "present", "absent"),
    [
        # the trailing U+FEFF of the YouTube files, zero-widths inside a word
        ("Check out my channel\ufeff", {"w:channel", "b:check out", "p:check|channel|3"},
         {"w:channel\ufeff"}),
        ("sub\u200bscr\u200dibe now", {"w:subscribe", "b:subscribe now"}, {"w:sub"}),
        # NFKC folds full-width letters; everything is lower case
        ("ＳＵＢＳＣＲＩＢＥ Now", {"w:subscribe", "w:now"}, {"w:ＳＵＢＳＣＲＩＢＥ"}),
        # entities decoded; tags dropped before that, so an escaped tag stays words
        ("I don&#39;t care &amp; more", {"w:don't", "w:care", "w:more"}, {"w:39", "w:amp"}),
        ("Nice<br /><br />song", {"w:nice", "w:song", "b:nice song"}, {"w:br"}),
        ("write &lt;b&gt;bold&lt;/b&gt; here", {"w:b", "w:bold", "w:here"}, set()),
        # link parts: host, registrable domain, TLD, path words, query-parameter names
        ('<a href="https://www.shop.example.co.uk/free/gift-cards?ref=1&amp;utm_id=2">x</a>',
         {"host:shop.example.co.uk", "dom:example.co.uk", "tld:uk", "path:free", "path:gift",
          "path:cards", "qp:ref", "qp:utm_id", "links:1"}, {"w:https", "w:href"}),
        ("visit bit.ly/abc now", {"host:bit.ly", "dom:bit.ly", "tld:ly", "links:1",
                                  "b:visit now"}, {"w:bit"}),
        # shape buckets
        ("SUBSCRIBE TO MY CHANNEL NOW", {"caps:4"}, {"caps:0"}),
        ("call 5551234567 now!!!", {"digits:3", "punct:3"}, {"digits:0"}),
        ("I love this song", {"links:0", "caps:1", "digits:0", "punct:0"}, {"lines"}),
    ],
)
def test_features_read_the_text_carefully(text, present, absent):
    found = features(text)
    assert present <= found, present - found
    assert not (absent & found)
    assert all(len(f) <= 100 for f in found)


def test_sparse_pairs_reach_four_words_and_no_further():
    found = features("one two three four five six")
    assert {"b:one two", "p:one|three|2", "p:one|four|3", "p:one|five|4"} <= found
    assert not any(f.startswith("p:one|six") for f in found)


def test_author_name_and_address_are_features_of_their_own():
    found = features("Nice song", author="Cheap Ray-Bans", url="https://promo.example/x?aff=3")
    assert {"a:cheap", "a:ray", "a:bans", "ahost:promo.example", "aqp:aff"} <= found
    assert "w:cheap" not in found


def test_normalise_strips_tags_before_unescaping():
    assert normalise("a&#39;B <b>c</b>\ufeff") == "a'b  c "
    assert normalise("&lt;i&gt;x") == "<i>x"


def test_parts_give_the_words_in_order_without_links():
    words, others = parts("Go to http://x.example/a now, friends")
    assert words == ["go", "to", "now", "friends"]
    assert "host:x.example" in others
