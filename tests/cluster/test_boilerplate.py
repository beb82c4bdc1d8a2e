"""Per-platform boilerplate: a footer goes, an actor's own wording stays."""

from __future__ import annotations

from cluster_support import poster_text

from crawler.cluster import PlatformBoilerplate
from crawler.cluster.text import prepare_text, sentence_key

FOOTER = "All ads are posted by users. Report abuse to support@board.example.org"


def keys(text: str) -> list[str]:
    return [sentence_key(s) for s in prepare_text("", text).sentences]


def test_a_footer_on_every_ad_is_boilerplate_and_the_ads_own_text_is_not():
    table = PlatformBoilerplate()
    for n in range(30):
        table.observe("board", keys(poster_text(f"p{n}") + "\n" + FOOTER))
    footer = keys(FOOTER)
    assert table.boilerplate("board", footer) == frozenset(footer)
    own = keys(poster_text("p3"))
    assert table.boilerplate("board", own) == frozenset()
    assert table.boilerplate("other", footer) == frozenset()  # per platform


def test_an_actor_posting_half_a_platform_keeps_its_wording_after_the_warm_up():
    table = PlatformBoilerplate()
    signature_line = "Kind regards from the quiet studio near the harbour"
    for n in range(40):
        table.observe("board", keys(poster_text(f"q{n}")))  # other posters
        if n % 2 == 0:
            table.observe("board", keys("Ring Mia after ten\n" + signature_line))
    assert table.listings("board") == 60
    # In a third of the listings, but only ever next to one other sentence.
    assert table.boilerplate("board", keys(signature_line)) == frozenset()


def test_snapshot_and_restore_keep_the_decisions():
    table = PlatformBoilerplate()
    for n in range(30):
        table.observe("board", keys(poster_text(f"p{n}") + "\n" + FOOTER))
    copy = PlatformBoilerplate()
    copy.restore(table.snapshot())
    footer = keys(FOOTER)
    assert copy.boilerplate("board", footer) == table.boilerplate("board", footer) != frozenset()
    assert copy.listings("board") == 30


def test_rotating_numbers_prices_and_the_city_become_classes():
    text = prepare_text(
        "Neu in Berlin!", "Ruf an: +49 1512 3456789, 150€/h, www.example.org/mia", "berlin, de"
    )
    tokens = text.tokens()
    assert "{CITY}" in tokens and "{PHONE}" in tokens and "{PRICE}" in tokens
    assert "{URL}" in tokens and "berlin" not in tokens and "3456789" not in tokens
