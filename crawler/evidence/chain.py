"""The manifest chain (PLACEHOLDER: replaced by the integrity work; see docs/evidence.md).

seal_run(settings, run) is the one entry point capture.py calls when a run ends.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from crawler.evidence.layout import RunCapture, evidence_dir, safe_component


def seal_run(settings: Any, run: RunCapture) -> Path:
    """Write the run's manifest; return its path. (Placeholder: unsigned, unchained.)"""
    root = evidence_dir(settings)
    out = root / "manifests"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{safe_component(run.job_id, 'job id')}.json"
    path.write_text(json.dumps(asdict(run), default=str, indent=1), encoding="utf-8")
    return path


def require_signing_key(settings: Any) -> None:
    """ConfigError when capture is on and no signing key can be loaded (placeholder)."""


@dataclass
class VerifyReport:
    """What `crawler evidence verify` found (placeholder shape, kept by the integrity work)."""

    problems: list[str] = field(default_factory=list)  # failures, each naming what and where
    notes: list[str] = field(default_factory=list)  # not failures (files outside a package)
    manifests: int = 0
    files: int = 0
    records: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(root: Path, public_key: bytes | None = None, *, subset: bool = False) -> VerifyReport:
    """Check every manifest, signature, chain link, file and record under `root` (laid out as
    EVIDENCE_DIR). subset: `root` is an unpacked case package; files its manifests list but
    that are not there are notes, not problems. (Placeholder.)"""
    return VerifyReport()
