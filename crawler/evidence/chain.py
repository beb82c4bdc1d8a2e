"""The manifest chain (PLACEHOLDER: replaced by the integrity work; see docs/evidence.md).

seal_run(settings, run) is the one entry point capture.py calls when a run ends.
"""

from __future__ import annotations

import json
from dataclasses import asdict
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
