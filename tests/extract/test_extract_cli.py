"""The `crawler extract` command-line contract (docs/indicators.md), run as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import phonenumbers
import pytest

ROOT = Path(__file__).resolve().parents[2]
_NL = phonenumbers.example_number_for_type("NL", phonenumbers.PhoneNumberType.MOBILE)
NL_E164 = phonenumbers.format_number(_NL, phonenumbers.PhoneNumberFormat.E164)
NL_NAT = phonenumbers.format_number(_NL, phonenumbers.PhoneNumberFormat.NATIONAL)
KEYS = ["prices", "phones", "emails", "handles", "wallets", "indicators", "risk_score", "language"]


def command() -> list[str]:
    return [sys.executable, "-m", "crawler", "extract"]


def test_json_lines_in_order_with_malformed_lines_reported() -> None:
    lines = [
        json.dumps(
            {"text": f"New in town! 150€/h, call {NL_NAT}, tg: @example_handle", "country": "NL"}
        ),
        "{not json",
        json.dumps(["a", "list"]),
        json.dumps({"text": 5}),
        json.dumps({"html": "<p>Nieuw in de stad, mail naam@example.org</p>", "lang": "nl"}),
        json.dumps({"text": "ordinary flat for rent", "country": "Netherlands"}),
        json.dumps({"text": "Нова в місті, щойно приїхала"}),
    ]
    stdin = ("\n".join(lines) + "\n").encode() + b"\xff\xfe broken bytes\n"
    proc = subprocess.run(command(), input=stdin, capture_output=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode()
    out = [json.loads(line) for line in proc.stdout.decode("utf-8").splitlines()]
    assert len(out) == 8

    first = out[0]
    assert list(first) == KEYS
    assert first["prices"] == [{"amount": 150.0, "currency": "EUR", "unit": "hour"}]
    assert first["phones"] == [NL_E164]
    assert first["handles"] == [{"service": "telegram", "handle": "example_handle"}]
    assert first["indicators"] == [{"id": "movement", "evidence": "New in town", "lang": "en"}]
    assert first["language"] == "en" and isinstance(first["risk_score"], int)

    assert out[1]["error"].startswith("line 2: not valid JSON")
    assert out[2] == {"error": "line 3: expected a JSON object, got list"}
    assert out[3] == {"error": "line 4: field 'text' must be a string"}
    assert out[4]["emails"] == ["naam@example.org"] and out[4]["language"] == "nl"
    assert out[5]["error"].startswith("line 6: field 'country'")
    assert out[6]["language"] == "uk"
    assert [i["id"] for i in out[6]["indicators"]] == ["movement", "movement"]
    assert out[7]["error"].startswith("line 8: not UTF-8")


@pytest.mark.timeout(60)
def test_output_is_streamed_line_by_line() -> None:
    """Each answer arrives before the next line is written: the command works in a pipe."""
    proc = subprocess.Popen(
        command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT
    )
    try:
        assert proc.stdin is not None and proc.stdout is not None
        for text in ("just arrived", "net aangekomen"):
            proc.stdin.write((json.dumps({"text": text}) + "\n").encode())
            proc.stdin.flush()
            answer = json.loads(proc.stdout.readline())
            assert answer["indicators"][0]["evidence"] == text
        proc.stdin.close()
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
