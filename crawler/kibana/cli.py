"""`crawler kibana export|import`: the analysts' Kibana saved objects.

export writes the NDJSON (to -o FILE or standard output); import posts it to Kibana's
saved objects import API (`POST /api/saved_objects/_import?overwrite=true`, multipart field
`file`, header `kbn-xsrf`). Settings: KIBANA_URL (or --url), KIBANA_API_KEY (sent as
`Authorization: ApiKey ...`, never logged), KIBANA_SPACE (or --space), STORE_INDEX_PREFIX.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import aiohttp

from crawler.config import get_str
from crawler.kibana.objects import saved_objects, to_ndjson


def register(subparsers: argparse._SubParsersAction) -> None:
    kibana = subparsers.add_parser("kibana", help="export or import the Kibana saved objects")
    sub = kibana.add_subparsers(dest="kibana_command", required=True)
    export = sub.add_parser("export", help="write the saved objects as NDJSON")
    export.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    export.add_argument("--prefix", help="index prefix (default STORE_INDEX_PREFIX or flagwatch)")
    export.set_defaults(func=run_export)
    imp = sub.add_parser("import", help="post the saved objects to Kibana's import API")
    imp.add_argument("--url", help="Kibana base URL (default KIBANA_URL)")
    imp.add_argument("--space", help="Kibana space id (default KIBANA_SPACE or the default space)")
    imp.add_argument("--prefix", help="index prefix (default STORE_INDEX_PREFIX or flagwatch)")
    imp.add_argument("--timeout", type=float, default=60.0, help="seconds (default 60)")
    imp.set_defaults(func=run_import)


def _prefix(args: argparse.Namespace) -> str:
    return args.prefix or get_str(args.settings, "STORE_INDEX_PREFIX") or "flagwatch"


def run_export(args: argparse.Namespace) -> int:
    text = to_ndjson(saved_objects(_prefix(args)))
    if args.output:
        args.output.write_text(text)
        print(f"wrote {text.count(chr(10))} saved objects to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def run_import(args: argparse.Namespace) -> int:
    url = args.url or get_str(args.settings, "KIBANA_URL")
    if not url:
        print("kibana import: no Kibana URL (--url or KIBANA_URL)", file=sys.stderr)
        return 2
    space = args.space or get_str(args.settings, "KIBANA_SPACE")
    ndjson = to_ndjson(saved_objects(_prefix(args)))
    try:
        status, body = asyncio.run(
            import_saved_objects(
                url, ndjson, get_str(args.settings, "KIBANA_API_KEY"), space, args.timeout
            )
        )
    except (aiohttp.ClientError, TimeoutError) as exc:
        print(f"kibana import: cannot reach {url}: {exc or type(exc).__name__}", file=sys.stderr)
        return 1
    if status != 200 or not isinstance(body, dict) or not body.get("success"):
        errors = body.get("errors") if isinstance(body, dict) else body
        print(f"kibana import: HTTP {status}: {json.dumps(errors)[:2000]}", file=sys.stderr)
        return 1
    print(f"imported {body.get('successCount', 0)} saved objects into {url}")
    return 0


async def import_saved_objects(
    url: str,
    ndjson: str,
    api_key: str | None = None,
    space: str | None = None,
    timeout: float = 60.0,
) -> tuple[int, Any]:
    """POST the NDJSON to Kibana's import API; returns (HTTP status, parsed JSON body)."""
    base = url.rstrip("/")
    if space and space != "default":
        base += f"/s/{space}"
    headers = {"kbn-xsrf": "true"}
    if api_key:
        headers["Authorization"] = f"ApiKey {api_key}"
    form = aiohttp.FormData()
    form.add_field(
        "file", ndjson.encode(), filename="flagwatch.ndjson", content_type="application/ndjson"
    )
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session,
        session.post(
            f"{base}/api/saved_objects/_import",
            params={"overwrite": "true"},
            data=form,
            headers=headers,
        ) as resp,
    ):
        try:
            body: Any = await resp.json(content_type=None)
        except ValueError:
            body = await resp.text()
        return resp.status, body
