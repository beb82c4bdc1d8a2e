"""The actors' world: seeded, synthetic, and carrying what actor linking must cope with."""

from __future__ import annotations

from collections import defaultdict

import phonenumbers
import pytest

from crawler.demo.actors import actor_world


@pytest.fixture(scope="module")
def world():
    return actor_world(seed=5, split="tune", actors=8, posters=60)


def test_the_same_seed_gives_the_same_world():
    a = actor_world(seed=3, split="heldout", actors=3, posters=10, extract=False)
    b = actor_world(seed=3, split="heldout", actors=3, posters=10, extract=False)
    assert [(x.listing.id, x.listing.body, x.actor) for x in a.ads] == [
        (x.listing.id, x.listing.body, x.actor) for x in b.ads
    ]


def test_actors_post_across_platforms_with_rotating_and_missing_numbers(world):
    by_actor = defaultdict(list)
    for ad in world.ads:
        by_actor[ad.actor].append(ad.listing)
    actors = {a: ls for a, ls in by_actor.items() if a.startswith("actor-")}
    assert len(actors) == 8
    for listings in actors.values():
        assert len({x.platform for x in listings}) >= 2
    phones_per_actor = [len({p for x in ls for p in x.phones}) for ls in actors.values()]
    assert max(phones_per_actor) >= 3  # rotating numbers and one-off numbers
    bare = [x for ls in actors.values() for x in ls if not x.identifiers()]
    assert len(bare) >= 10  # ads whose only link is their wording


def test_the_footer_platform_prints_its_support_address_on_every_ad(world):
    north = [ad.listing for ad in world.ads if ad.listing.platform == "board-north"]
    assert north and all(
        ("email", "support@board-north.example.org") in x.identifiers() for x in north
    )


def test_contacts_are_synthetic(world):
    for ad in world.ads:
        for email in ad.listing.emails:
            assert email.endswith(("example.org", "example.com"))
        for phone in ad.listing.phones:
            number = phonenumbers.parse(phone)
            region = phonenumbers.region_code_for_number(number)
            example = phonenumbers.example_number_for_type(
                region, phonenumbers.PhoneNumberType.MOBILE
            )
            e164 = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
            assert phone[:-3] == e164[:-3] or phone[:-2] == e164[:-2]


def test_the_held_out_split_is_written_differently():
    tune = actor_world(seed=1, split="tune", actors=6, posters=0, extract=False)
    held = actor_world(seed=1, split="heldout", actors=6, posters=0, extract=False)
    tune_lines = {line for x in tune.ads for line in x.listing.body.splitlines()}
    held_lines = {line for x in held.ads for line in x.listing.body.splitlines()}
    assert not {line for line in tune_lines & held_lines if len(line) > 40}
