"""Where evidence lives under EVIDENCE_DIR, and what a finished run hands to the chain.

    EVIDENCE_DIR/
      warc/<platform>/<job id>/<job id>-00001.warc.gz   (capture.py; rolled at
                                                                   EVIDENCE_WARC_MAX_BYTES)
      manifests/...                                               (chain.py)

Every path component is ours (the profile's platform name, the job id we made): nothing a
platform sends ever names a file. `EvidenceRef.file` and `WarcFile.path` are relative to
EVIDENCE_DIR, with "/" separators, so that a case package or a moved evidence directory
still resolves them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def evidence_dir(settings: Any) -> Path:
    """EVIDENCE_DIR, or CRAWLER_DATA_DIR/evidence when it is empty."""
    configured = (settings.get("EVIDENCE_DIR") or "").strip()
    if configured:
        return Path(configured)
    return Path(settings.get("CRAWLER_DATA_DIR") or "data") / "evidence"


def safe_component(value: str, what: str) -> str:
    """`value` as one path component, or ValueError: never "..", "/", or a control char."""
    if not _SAFE.match(value) or value in (".", ".."):
        raise ValueError(f"{what} {value!r} cannot name a file or directory")
    return value


def warc_dir(root: Path, platform: str, job_id: str) -> Path:
    return root / "warc" / safe_component(platform, "platform") / safe_component(job_id, "job id")


def relative(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


@dataclass
class WarcFile:
    """One closed WARC file of a run."""

    path: str  # relative to EVIDENCE_DIR
    sha256: str  # of the whole file as written
    size: int
    records: int  # WARC records in it (requests, responses, metadata)
    responses: int  # captured pages and JSON: response and resource (rendered DOM) records
    first_date: datetime
    last_date: datetime


@dataclass
class RunCapture:
    """What capture.py hands to chain.seal_run when a run ends."""

    platform: str
    job_id: str
    started_at: datetime
    finished_at: datetime
    crawler_version: str
    profile_sha256: str  # of the profile file's bytes (empty when it has no file)
    files: list[WarcFile] = field(default_factory=list)
    # Responses not written and why ({"non_text": 3}): media never reaches a WARC.
    skipped: dict[str, int] = field(default_factory=dict)
