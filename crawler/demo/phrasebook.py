"""The demo world's phrase source: YAML tables under crawler/demo/phrases/, read once.

The tables (places, labels, titles, ordinary sentences, and the indicator phrases planted
in some listings) are data, kept apart from crawler.demo.text's logic. The indicator
phrases are worded independently of crawler/extract/lexicons/ (other phrasings of the
same docs/indicators.md ids), so that the demo's ground-truth check measures how extraction
generalises instead of finding the sentences it was written from. Lists come back as
tuples, so the tables are immutable like the literals they replace. No settings.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml

PHRASES_DIR = Path(__file__).with_name("phrases")


def _frozen(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, dict):
        return {k: _frozen(v) for k, v in value.items()}
    return value


@functools.cache
def table(name: str) -> dict[str, Any]:
    """The tables of crawler/demo/phrases/<name>.yaml, by their top-level key."""
    path = PHRASES_DIR / f"{name}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: must be a mapping of table name -> table")
    return _frozen(data)
