"""`crawler extract`: JSON lines in, one extraction per line out (docs/indicators.md contract).

Reads standard input line by line: {"text": ..., "html": ..., "country": "NL", "lang": "nl"}
(only text or html is needed). Writes one JSON object per input line, in order, flushed
per line so it can sit in a pipe: keys prices, phones, emails, handles, wallets,
indicators, risk_score, language. A malformed line gives {"error": "line N: reason"} and
the command goes on; the exit status is 0. No settings.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import IO, Any

_OPTIONAL_STRINGS = ("html", "country", "lang")


def _request(line: str, number: int) -> tuple[dict[str, Any] | None, str | None]:
    """The validated request of one input line, or the error to report for it."""
    if not line.strip():
        return None, f"line {number}: empty line"
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return None, f"line {number}: not valid JSON: {exc.msg} at column {exc.colno}"
    except RecursionError:
        return None, f"line {number}: JSON nested too deeply to read"
    if not isinstance(obj, dict):
        return None, f"line {number}: expected a JSON object, got {type(obj).__name__}"
    text = obj.get("text")
    if text is not None and not isinstance(text, str):
        return None, f"line {number}: field 'text' must be a string"
    for name in _OPTIONAL_STRINGS:
        value = obj.get(name)
        if value is not None and not isinstance(value, str):
            return None, f"line {number}: field '{name}' must be a string or null"
    if text is None and obj.get("html") is None:
        return None, f"line {number}: field 'text' is required (or 'html')"
    country = obj.get("country")
    if country and (len(country) != 2 or not country.isalpha()):
        return None, f"line {number}: field 'country' must be an ISO 3166 alpha-2 code"
    fields = obj.get("fields")
    if fields is not None and not isinstance(fields, dict):
        return None, f"line {number}: field 'fields' must be an object"
    return obj, None


def extraction_record(obj: dict[str, Any]) -> dict[str, Any]:
    """The contract's output object for one validated request."""
    from crawler.extract import extract

    result = extract(
        obj.get("text") or "",
        html=obj.get("html"),
        country=obj.get("country") or None,
        lang=(obj.get("lang") or None),
        fields=obj.get("fields"),
    )
    return {
        "prices": [
            {"amount": p.amount, "currency": p.currency, "unit": p.unit} for p in result.prices
        ],
        "phones": result.phones,
        "emails": result.emails,
        "handles": [{"service": h.service, "handle": h.handle} for h in result.handles],
        "wallets": [{"chain": w.chain, "address": w.address} for w in result.wallets],
        "indicators": [
            {"id": i.id, "evidence": i.evidence, "lang": i.lang} for i in result.indicators
        ],
        "risk_score": result.risk_score,
        "language": result.language,
    }


def run(stdin: IO[bytes], stdout: IO[str]) -> int:
    """Process every line of `stdin`; one JSON line per input line on `stdout`."""
    for number, raw in enumerate(stdin, start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            out: dict[str, Any] = {"error": f"line {number}: not UTF-8 at byte {exc.start}"}
        else:
            obj, error = _request(line, number)
            if error is not None or obj is None:
                out = {"error": error}
            else:
                try:
                    out = extraction_record(obj)
                except Exception as exc:  # noqa: BLE001 - one bad listing must not stop the stream
                    out = {"error": f"line {number}: extraction failed: {type(exc).__name__}"}
        stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        stdout.flush()
    return 0


def _main(args: argparse.Namespace) -> int:
    # Read bytes, so that one badly encoded line is an error line, not a crash.
    stdout = sys.stdout
    if hasattr(stdout, "reconfigure"):
        stdout.reconfigure(encoding="utf-8")
    return run(sys.stdin.buffer, stdout)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "extract",
        help="extract prices, contacts, indicators and risk from JSON lines on stdin",
        description=(
            'Reads JSON lines ({"text": ..., "html": ..., "country": "NL", "lang": "nl"}) on '
            "standard input and writes one JSON object per line: prices, phones, emails, "
            "handles, wallets, indicators, risk_score, language. A malformed line yields "
            '{"error": "line N: ..."} and processing continues.'
        ),
    )
    parser.set_defaults(func=_main)
