"""crawler.demo.social: a platform whose posts only exist in its JSON, with a truthful record."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import phonenumbers

from crawler.demo.social import SocialPlatform
from crawler.demo.world import platform_classes


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_registered_in_the_demo_world():
    assert platform_classes()["demo-social"] is SocialPlatform
    assert SocialPlatform.env_var == "DEMO_SOCIAL_URL"


def test_pages_are_empty_shells_and_the_api_pages_through_every_post(social):
    base = social.urls["demo-social"]
    truth = social.ground_truth()["demo-social"]
    status, html = get(base + "/feed")
    assert status == 200 and "/static/social.js" in html
    assert truth[0].title not in html and truth[0].body not in html  # JavaScript only
    seen, url, pages = [], base + "/api/posts?offset=0&limit=10", 0
    while url:
        data = json.loads(get(url)[1])
        seen += [p["id"] for p in data["data"]["posts"]]
        nxt = data["paging"]["next"]
        url = base + nxt if nxt else None
        pages += 1
    assert seen == [t.key for t in truth] and pages == 6  # newest first, 60 posts
    post = json.loads(get(f"{base}/api/posts/{truth[0].key}")[1])["data"]
    assert post["headline"] == truth[0].title and post["text"] == truth[0].body
    assert get(base + "/post/p0")[0] == 404
    counts = social.request_counts()["demo-social"]
    assert counts["list"] == 1 and counts["api"] == 7 and counts["detail"] == 1


def test_posts_are_synthetic_and_the_ground_truth_matches_their_text():
    platform = SocialPlatform(seed=2, size=120)
    truth = platform.ground_truth()
    kinds = {p.kind for p in platform.posts}
    assert kinds == {"profile", "recruitment", "epimping", "ordinary"}
    for t in truth:
        assert all(phonenumbers.is_valid_number(phonenumbers.parse(n)) for n in t.phones)
        assert all(e.endswith("@example.org") for e in t.emails)
        for h in t.handles:
            assert f"@{h.handle}" in t.body
        for w in t.wallets:
            assert w.address in t.body
        for price in t.prices:
            assert f"{price.amount:g} EUR" in t.body
    assert any(t.indicators for t in truth) and any(not t.indicators for t in truth)
    assert {"e_pimping", "recruitment_fee", "movement"} <= set().union(
        *(t.indicators for t in truth)
    )


def test_same_seed_same_platform_and_advance_changes_it():
    a, b = SocialPlatform(seed=4, size=30), SocialPlatform(seed=4, size=30)
    assert [(t.key, t.body) for t in a.ground_truth()] == [
        (t.key, t.body) for t in b.ground_truth()
    ]
    before = {t.key: t for t in a.ground_truth()}
    a.advance()
    after = {t.key: t for t in a.ground_truth()}
    assert set(after) - set(before), "no new posts"
    assert set(before) - set(after), "no removal"
    changed = [k for k in set(before) & set(after) if after[k].version > before[k].version]
    assert changed and all(after[k].prices != before[k].prices for k in changed)
    assert list(after)[0] not in before  # new posts come first
