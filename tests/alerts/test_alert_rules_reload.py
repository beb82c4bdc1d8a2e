"""A long-running process (`crawler worker`) opens an alert engine for every run: an edited
rules file, watchlist or environment is in force from the next run on, without a restart."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from crawler.alerts.config import AlertsConfig
from crawler.alerts.engine import AlertEngine


def later(path: Path) -> None:
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))


def test_the_next_engine_reads_edited_rules_watchlist_and_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "a.yaml").write_text("rules:\n  - name: first\n    min_risk: ${MIN_RISK:-5}\n")
    watchlist = tmp_path / "watchlist.yaml"
    watchlist.write_text("subjects:\n  - handle: '@someone_test'\n")
    config = AlertsConfig(
        enabled=True, rules_path=rules, watchlist_path=watchlist, outbox_path=tmp_path / "o.db"
    )

    def loaded() -> tuple[list[tuple[str, float | None]], int]:
        engine = AlertEngine.load(config, None, deliver=False)
        try:
            return [(r.name, r.min_risk) for r in engine.rules.active], len(engine.watchlist)
        finally:
            engine.outbox.close()

    assert loaded() == ([("first", 5)], 1)
    assert loaded() == ([("first", 5)], 1)

    (rules / "a.yaml").write_text("rules:\n  - name: renamed\n    min_risk: ${MIN_RISK:-5}\n")
    later(rules / "a.yaml")
    assert loaded() == ([("renamed", 5)], 1)

    (rules / "b.yaml").write_text("rules:\n  - name: added\n    min_risk: 7\n")
    assert loaded() == ([("renamed", 5), ("added", 7)], 1)

    monkeypatch.setenv("MIN_RISK", "8")
    assert loaded() == ([("renamed", 8), ("added", 7)], 1)

    watchlist.write_text("subjects:\n  - handle: '@someone_test'\n  - handle: '@another_test'\n")
    later(watchlist)
    assert loaded() == ([("renamed", 8), ("added", 7)], 2)
