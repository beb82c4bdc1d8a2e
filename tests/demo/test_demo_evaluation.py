"""Scoring a crawl against the ground truth: what a perfect and a flawed crawl look like."""

from __future__ import annotations

from crawler.demo.evaluation import evaluate_crawl
from crawler.demo.world import DemoWorld
from crawler.models import IndicatorHit, Listing, listing_id


def _as_stored(t) -> Listing:
    return Listing(
        id=listing_id(t.platform, t.key),
        platform=t.platform,
        url=f"http://127.0.0.1:1{t.path}",
        listing_key=t.key,
        title=t.title,
        body=" ".join(t.body.split()),  # readers collapse whitespace
        stated_age=t.stated_age,
        prices=t.prices,
        phones=t.phones,
        emails=t.emails,
        handles=t.handles,
        wallets=t.wallets,
        indicators=[IndicatorHit(id=i, evidence="...") for i in sorted(t.indicators)],
    )


def test_a_perfect_crawl_scores_full_marks_and_a_flawed_one_shows_each_flaw():
    world = DemoWorld(seed=1, size=60, platforms=["demo-forum"])
    truth = world.ground_truth()["demo-forum"]
    stored = [_as_stored(t) for t in truth]
    ev = evaluate_crawl("demo-forum", truth, stored)
    assert ev.complete and not ev.extra
    assert all(s.recall == 1.0 and s.precision == 1.0 for s in ev.fields.values())

    with_phone = next(i for i, t in enumerate(truth) if t.phones)
    stored[with_phone] = stored[with_phone].model_copy(update={"phones": []})
    stored[0] = stored[0].model_copy(
        update={"indicators": [IndicatorHit(id="no_limits", evidence="x")]}
    )
    del stored[-1]
    ev = evaluate_crawl("demo-forum", truth, stored)
    assert ev.missing == [truth[-1].key] and not ev.stale
    world.advance()
    ev = evaluate_crawl("demo-forum", world.ground_truth()["demo-forum"], stored)
    assert ev.fields["phones"].fn >= 1
    assert ev.fields["indicators"].fp >= 1 and ev.indicators["no_limits"].fp == 1
    assert len(ev.missing) >= 3  # new listings of the step, never crawled
    assert ev.stale  # re-priced listings still hold the old price
    assert ev.summary_lines()[0].startswith("demo-forum: ")
