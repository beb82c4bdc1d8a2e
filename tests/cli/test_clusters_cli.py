"""`crawler clusters` and `crawler cluster ID` on a real SQLite store of the actors' world.

The store is filled once per module, in posting order and in batches, as crawls would
fill it; then the commands run in-process (crawler.cli.main.main) on that store, chosen
through CRAWLER_DATA_DIR as for every command. One more listing, a copy of an actor's ad
with a hostile title, is stored last and "now": it joins its actor's cluster, is that
cluster's only member new in the last 24 hours, and its title must reach the terminal
neutralised.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.cli.main import main
from crawler.cluster.summary import ClusterSummary
from crawler.demo.actors import actor_world
from crawler.models import ClusterQuery, listing_id
from crawler.store.sqlite import SqliteStore

BATCH = 25
HOSTILE_TITLE = "\x1b[2J\x1b]0;pwned\x07 [red]x[/red] \u202eevil"
NOW = datetime.now(UTC)


@dataclass
class World:
    data_dir: Path
    truth: dict[str, str]  # listing id -> actor (ground truth)
    platforms: list[str]
    hostile: str  # the hostile listing's id


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    data_dir = tmp_path_factory.mktemp("clusters") / "data"
    data_dir.mkdir()
    w = actor_world(seed=2, split="tune", actors=6, posters=40)
    truth = w.truth()
    # A copy of an actor's ad, its title hostile: linked to the actor by text and phone.
    source = next(a for a in w.ads if a.actor.startswith("actor-") and a.listing.phones)
    key = f"{source.listing.listing_key}-copy"
    hostile = source.listing.model_copy(
        update={
            "id": listing_id(source.listing.platform, key),
            "listing_key": key,
            "url": f"{source.listing.url}-copy",
            "title": HOSTILE_TITLE,
            "first_seen": NOW,
            "last_seen": NOW,
            "posted_at": NOW,
        }
    )
    truth[hostile.id] = source.actor

    async def fill() -> None:
        async with SqliteStore(data_dir / "crawler.db") as store:
            ads = [a.listing for a in w.ads]
            for start in range(0, len(ads), BATCH):
                batch = ads[start : start + BATCH]
                await store.upsert(batch, max(x.first_seen for x in batch))
            await store.upsert([hostile], NOW)

    asyncio.run(fill())
    return World(data_dir, truth, list(w.platforms), hostile.id)


@pytest.fixture
def crawler(world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys):
    """Run `crawler ARGS...` in-process on the world's store: (exit code, stdout, stderr)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CRAWLER_DATA_DIR", str(world.data_dir))
    for var in ("STORE_URL", "ELASTICSEARCH_URL"):
        monkeypatch.delenv(var, raising=False)

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(list(args))
        got = capsys.readouterr()
        return code, got.out, got.err

    return run


def stored(world: World, query: ClusterQuery) -> list[ClusterSummary]:
    async def go() -> list[ClusterSummary]:
        async with SqliteStore(world.data_dir / "crawler.db") as store:
            return await store.clusters(query)

    return asyncio.run(go())


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def flat(text: str) -> str:
    """Output with table borders and line breaks folded into single spaces."""
    return " ".join(re.sub(r"[│┃]", " ", text).split())


def test_largest_cluster_comes_first_and_is_one_actor(world, crawler):
    code, out, err = crawler("clusters")
    assert code == 0, err
    listed = list(dict.fromkeys(re.findall(r"cl-[0-9a-f]{24}", out)))
    assert len(listed) >= 6  # the six actors, and posters who reused a number

    everything = stored(world, ClusterQuery(limit=1000))
    largest = max(everything, key=lambda s: s.size)
    assert listed[0] == largest.id
    assert largest.size >= 15  # an actor posts 15-60 ads
    assert len({world.truth[m] for m in largest.members}) == 1
    assert "2+ listings, largest first" in out
    # The row shows the cluster's linking identifier and where it posts.
    assert largest.identifiers[0][1] in out
    for platform in largest.platforms:
        assert f"{platform} {largest.platforms[platform]}" in out


def test_platform_filter_lists_only_clusters_with_a_member_there(world, crawler):
    everything = stored(world, ClusterQuery(limit=1000))
    platform = world.platforms[0]
    assert any(platform not in s.platforms for s in everything)  # the filter has work to do

    code, out, err = crawler("clusters", "--platform", platform, "--limit", "1000", "--json")
    assert code == 0, err
    got = json_lines(out)
    assert got and all(platform in c["platforms"] for c in got)
    assert {c["id"] for c in got} == {s.id for s in everything if platform in s.platforms}

    code, text, _ = crawler("clusters", "--platform", platform, "--limit", "1000")
    assert code == 0
    assert set(re.findall(r"cl-[0-9a-f]{24}", text)) == {c["id"] for c in got}


def test_json_matches_the_store(world, crawler):
    code, out, err = crawler("clusters", "--sort", "risk", "--limit", "10", "--json")
    assert code == 0, err
    got = json_lines(out)
    want = stored(world, ClusterQuery(sort="risk", limit=10))
    assert [c["id"] for c in got] == [s.id for s in want]
    assert [c["risk"] for c in got] == sorted((c["risk"] for c in got), reverse=True)
    for doc, s in zip(got, want, strict=True):
        assert doc["size"] == s.size == len(doc["members"])
        assert doc["members"] == s.members
        assert doc["template"] == s.template
        assert doc["platforms"] == s.platforms
        assert [(i["kind"], i["value"]) for i in doc["identifiers"]] == list(s.identifiers)
        assert datetime.fromisoformat(doc["first_seen"]) == s.first_seen
        assert datetime.fromisoformat(doc["last_seen"]) == s.last_seen
        assert [(t["date"], t["ads"]) for t in doc["timeline"]] == [
            (day.isoformat(), n) for day, n in s.timeline
        ]
        assert len(doc["links"]) == len(s.links)
        assert all(link["reason"] for link in doc["links"])


def test_cluster_detail_shows_the_template_and_the_linking_identifier(world, crawler):
    largest = stored(world, ClusterQuery(limit=1))[0]
    code, out, err = crawler("cluster", largest.id)
    assert code == 0, err
    text = flat(out)
    assert f"cluster {largest.id} ({largest.size} listings)" in text
    assert largest.template and all(" ".join(line.split()) in text for line in largest.template)
    kind, value = largest.identifiers[0]
    assert f"linking identifiers {kind} {value}" in text
    if largest.platform_identifiers:  # the footer e-mail of the footer platform: a hub
        hub = largest.platform_identifiers[0][1]
        assert re.search(rf"platform identifiers .*{re.escape(hub)}.* \(hubs: never used", text)
        assert hub not in {v for _, v in largest.identifiers}
    assert f"{largest.size} member(s), highest risk first" in text
    if largest.size > 50:
        assert "showing 50 (--all for every one)" in text
    assert f"{len(largest.merges)} merge(s)" in text

    code, out, _ = crawler("cluster", largest.id, "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["id"] == doc["requested"] == largest.id
    assert doc["template"] == largest.template
    assert sorted(x["id"] for x in doc["listings"]) == sorted(largest.members)
    risks = [x["risk_score"] for x in doc["listings"]]
    assert risks == sorted(risks, reverse=True)


def test_an_absorbed_cluster_id_shows_the_cluster_that_absorbed_it(world, crawler):
    summaries = stored(world, ClusterQuery(limit=1000))
    merged = next(
        (s, m) for s in summaries for m in s.merges if m.absorbed != s.id and m.kept == s.id
    )
    summary, merge = merged
    code, out, err = crawler("cluster", merge.absorbed)
    assert code == 0, err
    text = flat(out)
    assert f"cluster {summary.id} ({summary.size} listings)" in text
    assert f"{merge.absorbed} was merged into it" in text

    code, out, _ = crawler("cluster", merge.absorbed, "--json")
    doc = json.loads(out)
    assert (doc["requested"], doc["id"], doc["size"]) == (merge.absorbed, summary.id, summary.size)


def test_a_listing_id_shows_its_cluster(world, crawler):
    largest = stored(world, ClusterQuery(limit=1))[0]
    member = largest.members[-1]
    code, out, err = crawler("cluster", member)
    assert code == 0, err
    assert f"listing {member} is a member of this cluster" in flat(out)
    assert f"cluster {largest.id}" in flat(out)


def test_an_unknown_id_is_one_clear_line_and_a_non_zero_exit(crawler):
    code, out, err = crawler("cluster", "cl-000000000000000000000000")
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    assert "no cluster or listing with id 'cl-000000000000000000000000'" in lines[0]

    code, out, err = crawler("cluster", "\x1b[31mred")  # the id is echoed safely too
    assert code == 2 and "\x1b" not in err and "\\x1b[31mred" in err


def test_bad_options_exit_2(crawler):
    assert crawler("clusters", "--limit", "0")[0] == 2
    code, _, err = crawler("clusters", "--since", "yesterday-ish")
    assert code == 2 and "--since 'yesterday-ish': use an ISO date" in err and "24h" in err
    with pytest.raises(SystemExit) as exc:
        crawler("clusters", "--sort", "loudest")
    assert exc.value.code == 2


def test_hostile_text_is_neutralised(world, crawler):
    code, out, err = crawler("cluster", world.hostile, "--all")
    assert code == 0, err
    for raw in ("\x1b", "\x07", "\u202e"):
        assert raw not in out
    text = flat(out)
    assert "\\x1b[2J\\x1b]0;pwned\\x07" in text
    assert "[red]x[/red]" in text  # shown as written, not read as markup
    assert "\\u202eevil" in text

    code, out, _ = crawler("cluster", world.hostile, "--json")
    doc = json.loads(out)  # JSON escapes control characters itself; the value stays exact
    assert "\x1b" not in out
    assert HOSTILE_TITLE in [x["title"] for x in doc["listings"]]


def test_growth_ranks_the_cluster_with_new_members_first(world, crawler):
    code, out, err = crawler("clusters", "--sort", "growth", "--json")
    assert code == 0, err
    first = json_lines(out)[0]
    assert world.hostile in first["members"]
    assert first["new_24h"] == 1  # only the listing stored now
    assert Counter(world.truth[m] for m in first["members"]).most_common(1)[0][1] == first["size"]

    code, out, _ = crawler("clusters", "--sort", "growth", "--limit", "3")
    assert code == 0 and "new 24h" in out and "most members new in the last 24 h first" in out


def test_a_ranking_cut_at_its_listing_cap_says_so(world, monkeypatch, caplog):
    """`crawler clusters` reads at most MAX_MATCHED_LISTINGS matching listings: when more
    match, the ranking may miss clusters, and it says so instead of staying silent."""
    from crawler.store import actors

    everything = ClusterQuery(min_size=1, limit=1000, now=NOW)
    with caplog.at_level("WARNING", logger="crawler.store.actors"):
        stored(world, everything)
    assert "ranked from the first" not in caplog.text  # all read: nothing to say
    monkeypatch.setattr(actors, "SEARCH_PAGE", 10)
    monkeypatch.setattr(actors, "MAX_MATCHED_LISTINGS", 20)
    with caplog.at_level("WARNING", logger="crawler.store.actors"):
        stored(world, everything)
    assert "ranked from the first 20 listings that match the filters" in caplog.text
