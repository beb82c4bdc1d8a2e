"""What a worker builds once and shares between its runs (crawler.worker.profiles, .settings):
an edited, added or removed profile is seen by the next run, and one run's settings never
reach another's."""

from __future__ import annotations

import copy
import os
import time
from pathlib import Path

import pytest

from crawler.config import crawler_settings
from crawler.profiles import UnknownPlatform
from crawler.worker.profiles import ProfileCache
from crawler.worker.settings import RunCrawlers, RunSettings

TEMPLATE = (
    Path(__file__).resolve().parents[2] / "crawler/platforms/demo-classifieds.yaml"
).read_text()


def write(directory: Path, name: str, url: str, file: str | None = None) -> Path:
    path = directory / f"{file or name}.yaml"
    text = TEMPLATE.replace("name: demo-classifieds", f"name: {name}").replace(
        '"${DEMO_CLASSIFIEDS_URL:-http://127.0.0.1:8701}"', f'"{url}"'
    )
    path.write_text(text)
    return path


def touch_later(path: Path) -> None:
    """A later mtime, whatever the file system's clock granularity."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))


def test_profile_edits_additions_and_removals_reach_the_next_run(tmp_path: Path) -> None:
    platforms = tmp_path / "platforms"
    platforms.mkdir()
    path = write(platforms, "site-a", "http://127.0.0.1:8801")
    cache = ProfileCache(crawler_settings({"PLATFORMS_DIR": str(platforms)}))
    assert cache.get("site-a").base_url.startswith("http://127.0.0.1:8801")
    with pytest.raises(UnknownPlatform):
        cache.get("site-b")

    write(platforms, "site-a", "http://127.0.0.1:8802")  # edited in place
    touch_later(path)
    assert cache.get("site-a").base_url.startswith("http://127.0.0.1:8802")

    # Saved by renaming a new file over it, as editors do.
    other = write(tmp_path, "site-a", "http://127.0.0.1:8803", file="new")
    os.replace(other, path)
    assert cache.get("site-a").base_url.startswith("http://127.0.0.1:8803")

    write(platforms, "site-b", "http://127.0.0.1:8804", file="zz-other-name")
    assert cache.get("site-b").base_url.startswith("http://127.0.0.1:8804")

    path.unlink()
    time.sleep(0.01)
    with pytest.raises(UnknownPlatform, match="unknown platform 'site-a'"):
        cache.get("site-a")
    path.write_text("name: site-a\nbase_url: [broken\n")
    with pytest.raises(UnknownPlatform, match="site-a: broken profile"):
        cache.get("site-a")


def test_an_unknown_platform_is_refused_as_crawler_crawl_refuses_it(tmp_path: Path) -> None:
    from crawler.worker.config import QueueConfig, WorkerConfig
    from crawler.worker.worker import CrawlWorker

    platforms = tmp_path / "platforms"
    platforms.mkdir()
    write(platforms, "site-a", "http://127.0.0.1:8801")
    (platforms / "site-b.yaml").write_text("name: site-b\nbase_url: [broken\n")
    settings = crawler_settings({"PLATFORMS_DIR": str(platforms)})
    worker = CrawlWorker(settings, WorkerConfig(QueueConfig(url="redis://127.0.0.1:1/0")))
    profile, why = worker._profile("site-a")
    assert profile is not None and why == ""
    profile, why = worker._profile("nowhere")
    assert profile is None and why == "unknown platform 'nowhere'; configured: site-a"
    profile, why = worker._profile("site-b")
    assert profile is None and why.startswith("site-b: broken profile: ")


def test_one_runs_settings_never_reach_another_run() -> None:
    pytest.importorskip("scrapy")
    settings = crawler_settings({})
    runner = RunCrawlers(settings)
    first = runner.create_crawler("listing")
    second = runner.create_crawler("listing")
    first.settings.set("CRAWL_FENCE_TOKEN", 7, priority="cmdline")
    first.settings["DOWNLOADER_MIDDLEWARES"]["example.Middleware"] = 1
    first.settings.set("DOWNLOAD_DELAY", 3.0, priority="spider")
    for other in (second.settings, runner.settings, settings):
        assert other.getint("CRAWL_FENCE_TOKEN") == 0
        assert "example.Middleware" not in other["DOWNLOADER_MIDDLEWARES"]
        assert other.getfloat("DOWNLOAD_DELAY") == 0
    # The crawler runs with the settings it was given (crawl() does not merge them again).
    assert runner.create_crawler(first) is first
    assert first.settings.getint("CRAWL_FENCE_TOKEN") == 7


def test_a_runs_settings_are_the_settings_scrapy_would_copy() -> None:
    settings = crawler_settings({})
    ours, scrapys = RunSettings.of(settings).copy(), copy.deepcopy(settings)

    def flat(s: object) -> dict:
        return {
            k: (flat(v) if hasattr(v, "attributes") else v, s.getpriority(k))  # type: ignore[attr-defined]
            for k, v in s.items()  # type: ignore[attr-defined]
        }

    assert flat(ours) == flat(scrapys)
