"""The cluster summary: template with slots, prices per unit, platforms, risk."""

from __future__ import annotations

from cluster_support import ad, others, phone

from crawler.cluster import ActorClusterer, ClusterPrice
from crawler.cluster.summary import SLOT, cluster_risk, summarize

SENTENCES = (
    "Hello, my name is {name} and I am new in {city} for a few days.",
    "Relaxing massage in a quiet private studio near the station.",
    "Appointments only, please book one hour before you come.",
    "No withheld numbers and no calls after midnight.",
)


def actor_listing(i: int, name: str, city: str, platform: str, price: float) -> object:
    body = "\n".join(s.format(name=name, city=city) for s in SENTENCES)
    body += f"\n{price:.0f} EUR per hour\nRing me on {phone(60 + i % 3)} after ten"
    return ad(
        f"m{i}", body, platform=platform, day=i, location=f"{city.lower()}, de",
        identifiers=(("phone", phone(60 + i % 3)),),
        prices=(ClusterPrice(price, "EUR", "hour", price), ClusterPrice(price * 5, "EUR", "night", price * 5)),
        risk=20 + i,
    )  # fmt: skip


def test_summary_shows_template_slots_prices_per_unit_platforms_and_timeline():
    names = ["Mia", "Lara", "Nina", "Eva"]
    cities = ["Berlin", "Hamburg", "Berlin", "Köln"]
    listings = [
        actor_listing(i, names[i % 4], cities[i % 4], ("north", "south")[i % 2], 100 + 10 * i)
        for i in range(6)
    ]
    clusterer = ActorClusterer()
    clusterer.add_all(others("north") + others("south", start=600))
    clusterer.add_all(listings)
    (cluster_id,) = {clusterer.index.cluster_of(x.id) for x in listings}
    summary = clusterer.summary(cluster_id, {x.id: x for x in listings})

    text = "\n".join(summary.template)
    assert "relaxing massage in a quiet private studio" in text
    assert "my name is " + SLOT in text  # the rotating persona name is a slot
    assert "{CITY}" in text and "{PHONE}" in text and "{PRICE}" in text
    hour = next(p for p in summary.prices if p.unit == "hour")
    night = next(p for p in summary.prices if p.unit == "night")
    assert (hour.low, hour.high, hour.currency) == (100, 150, "EUR")
    assert (night.low, night.high) == (500, 750)
    assert summary.platforms == {"north": 3, "south": 3}
    assert summary.cities["berlin, de"] == 3
    assert [n for _, n in summary.timeline] == [1] * 6
    assert summary.first_seen < summary.last_seen
    assert set(summary.identifiers) == {("phone", phone(n)) for n in (60, 61, 62)}
    assert summary.links and all(link.reason for link in summary.links)


def test_hub_identifiers_are_listed_apart_from_linking_ones():
    support = ("email", "support@board.example.org")
    a = ad("h1", "one", identifiers=(support, ("phone", phone(1))))
    b = ad("h2", "two", identifiers=(support, ("phone", phone(1))))
    summary = summarize("c", [a, b], hubs=[support])
    assert summary.identifiers == [("phone", phone(1))]
    assert summary.platform_identifiers == [support]


def test_a_cluster_of_strong_ads_ranks_above_one_weak_ad_and_above_many_weak_ones():
    strong_cluster = cluster_risk([72, 65, 60, 58])[0]
    one_weak = cluster_risk([30])[0]
    many_weak = cluster_risk([30] * 40)[0]
    one_strong = cluster_risk([72])[0]
    assert strong_cluster > one_strong > many_weak == one_weak
    assert cluster_risk([100] * 50)[0] == 100
