"""Small real WARC files for tests and benches, written as capture.py writes them.

`Sha256WarcWriter`: warcio's writer with sha256 block and payload digests (it writes sha1
by default). `write_page(writer, f, rel, url, body, at, host)` writes a request and a
response record for one page into the open gzip WARC file `f` (its path `rel` relative to
EVIDENCE_DIR) and returns the response's EvidenceRef.
"""

from __future__ import annotations

import hashlib
import io
from datetime import datetime
from typing import BinaryIO

from warcio.statusandheaders import StatusAndHeaders
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

from crawler.models import EvidenceRef


class Sha256WarcWriter(WARCWriter):
    """warcio's writer with sha256 block and payload digests (as capture.py writes)."""

    @staticmethod
    def _create_digester() -> Digester:
        return Digester("sha256")


def write_page(
    writer: WARCWriter,
    f: BinaryIO,
    rel: str,
    url: str,
    body: bytes,
    at: datetime,
    host: str = "demo.test",
) -> EvidenceRef:
    date = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    request = writer.create_warc_record(
        url,
        "request",
        payload=io.BytesIO(b""),
        http_headers=StatusAndHeaders("GET / HTTP/1.1", [("Host", host)], is_http_request=True),
        warc_headers_dict={"WARC-Date": date},
    )
    response = writer.create_warc_record(
        url,
        "response",
        payload=io.BytesIO(body),
        http_headers=StatusAndHeaders(
            "200 OK", [("Content-Type", "text/html; charset=utf-8")], "HTTP/1.1"
        ),
        warc_headers_dict={"WARC-Date": date},
    )
    writer.write_record(request)
    offset = f.tell()
    writer.write_record(response)
    return EvidenceRef(
        file=rel,
        offset=offset,
        length=f.tell() - offset,
        record_id=response.rec_headers.get_header("WARC-Record-ID"),
        sha256=hashlib.sha256(body).hexdigest(),
        uri=url,
        captured_at=at,
    )
