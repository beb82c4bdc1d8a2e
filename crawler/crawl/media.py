"""Downloader middleware that refuses media before it is downloaded (docs/safety.md).

Requests for images, video, audio and fonts (by URL extension) are dropped with
IgnoreRequest and counted under `media/blocked`. Only text (HTML, JSON) is fetched.
There is no setting to turn this off.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest

MEDIA_EXTENSIONS = frozenset(
    [
        "jpg",
        "jpeg",
        "png",
        "gif",
        "webp",
        "bmp",
        "svg",
        "ico",
        "tif",
        "tiff",
        "heic",
        "avif",
        "mp4",
        "webm",
        "mkv",
        "avi",
        "mov",
        "m4v",
        "mpg",
        "mpeg",
        "mp3",
        "ogg",
        "wav",
        "flac",
        "m4a",
        "aac",
        "woff",
        "woff2",
        "ttf",
        "otf",
        "eot",
    ]
)


def is_media_url(url: str) -> bool:
    path = urlsplit(url).path.lower()
    ext = path.rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1] else ""
    return ext in MEDIA_EXTENSIONS


class MediaBlockMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> MediaBlockMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        if is_media_url(request.url):
            self.stats.inc_value("media/blocked")
            raise IgnoreRequest("media is never fetched")
        return None
