"""Handles after a service label without a colon, when the name is shaped like a handle
(issue #12, round 2). Cases written fresh, not from a labelled set."""

from __future__ import annotations

import pytest

from crawler.extract.contacts import extract_handles


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pište na IG anna_jobs_cz", [("instagram", "anna_jobs_cz")]),
        ("écris sur insta emploi.suisse.fr", [("instagram", "emploi.suisse.fr")]),
        ("schreib mir auf Telegram jobs_de_24", [("telegram", "jobs_de_24")]),
    ],
)
def test_label_and_handle_shaped_name_without_colon(
    text: str, expected: list[tuple[str, str]]
) -> None:
    assert [(h.service, h.handle) for h in extract_handles(text)] == expected


@pytest.mark.parametrize(
    "text",
    ["snap a photo of the room", "telegram e.g. works too", "Instagram is where we post"],
)
def test_prose_after_a_label_is_no_handle(text: str) -> None:
    assert extract_handles(text) == []
