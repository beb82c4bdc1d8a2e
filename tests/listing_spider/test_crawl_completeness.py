"""A crawl of each demo platform stores every current listing exactly once, with the right fields."""

from __future__ import annotations

import pytest

from crawler.testing.crawls import crawl_env, price_tuples, run_crawl, stored_listings

pytestmark = pytest.mark.e2e  # real servers or crawl processes

PLATFORMS = ["demo-classifieds", "demo-jobs", "demo-forum"]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_crawl_stores_every_listing_once_with_its_fields(demo_world, data_dir, platform):
    env = crawl_env(demo_world, data_dir)
    run = run_crawl(platform, env)
    assert run.returncode == 0, run.output[-3000:]
    truth = {t.key: t for t in demo_world.ground_truth()[platform]}
    stored = stored_listings(env, platform)
    keys = [s.listing_key for s in stored]
    assert len(keys) == len(set(keys)), "a listing was stored twice"
    assert set(keys) == set(truth), (
        f"missing: {set(truth) - set(keys)}; extra: {set(keys) - set(truth)}"
    )
    wrong: list[str] = []
    for lst in stored:
        t = truth[lst.listing_key]
        if lst.title != t.title:
            wrong.append(f"{t.key} title {lst.title!r} != {t.title!r}")
        if t.prices and not price_tuples(t.prices) <= price_tuples(lst.prices):
            wrong.append(f"{t.key} prices {price_tuples(lst.prices)} lack {price_tuples(t.prices)}")
        if set(t.phones) != set(lst.phones):
            wrong.append(f"{t.key} phones {lst.phones} != {t.phones}")
        if {e.lower() for e in t.emails} != {e.lower() for e in lst.emails}:
            wrong.append(f"{t.key} emails {lst.emails} != {t.emails}")
        if {(w.chain, w.address) for w in t.wallets} != {(w.chain, w.address) for w in lst.wallets}:
            wrong.append(f"{t.key} wallets differ")
        missing_ind = set(t.indicators) - {h.id for h in lst.indicators}
        if missing_ind:
            wrong.append(f"{t.key} indicators missing {sorted(missing_ind)}")
        assert lst.first_seen is not None and lst.last_seen is not None
        assert lst.evidence_sha256 and len(lst.evidence_sha256) == 64
    assert not wrong, f"{len(wrong)} wrong field(s):\n" + "\n".join(wrong[:30])
    # docs/safety.md: detail pages reference an image; the crawler never asks for it.
    assert demo_world.request_counts()[platform]["asset"] == 0


def test_risk_ranks_planted_indicator_listings_above_ordinary_ones(demo_world, data_dir):
    env = crawl_env(demo_world, data_dir)
    assert run_crawl("demo-classifieds", env).returncode == 0
    truth = {t.key: t for t in demo_world.ground_truth()["demo-classifieds"]}
    stored = stored_listings(env, "demo-classifieds")
    ordinary = [s.risk_score for s in stored if not truth[s.listing_key].indicators]
    multi = [s.risk_score for s in stored if len(truth[s.listing_key].indicators) >= 3]
    assert ordinary and multi
    assert min(multi) > max(ordinary), (sorted(ordinary)[-5:], sorted(multi)[:5])
    top = max(stored, key=lambda s: s.risk_score)
    assert top.risk_explanation and top.indicators and all(h.evidence for h in top.indicators)
