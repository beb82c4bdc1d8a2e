"""API mode: read a platform's listings from its JSON endpoint instead of rendering pages.

Many JavaScript platforms fill their pages from a JSON API; reading that API directly
gives the same listings as a browser, without one (see bench/bench_js.py for how much
faster). A profile's `api` section (crawler.profiles.ApiMode) declares it:

    api:
      endpoint: /api/posts?offset={offset}&limit={page_size}   # or {page} (1-based)
      items_path: data.posts          # dotted path to the list of listings
      next_path: paging.next          # dotted path to the next URL (optional)
      page_size: 10
      max_pages: 1000
      url_template: /post/{id}        # a listing's URL, from its item's top-level fields
      fields: {title: headline, body: text, seller: author.name, listing_key: id}

Pure functions, no Scrapy: ListingSpider (spiders/listing.py) fetches the pages and calls
`first_api_url` and `parse_api_page`. Without `next_path`, pages follow the endpoint's
{page}/{offset} placeholders until a page holds fewer than page_size items; either way
never beyond max_pages, and never after an empty page.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin, urlsplit

from crawler.crawl.fields import dotted
from crawler.profiles import ApiMode, PlatformProfile, ProfileError

__all__ = ["ApiPageError", "first_api_url", "page_url", "parse_api_page"]

_PLACEHOLDER = re.compile(r"\{(page|offset|page_size)\}")


class ApiPageError(ValueError):
    """A JSON page does not have the shape the profile declares (names file and field)."""


def _api(profile: PlatformProfile) -> ApiMode:
    if profile.api is None:
        raise ProfileError(
            profile.source_file or profile.name, "api", "the profile has no api section"
        )
    return profile.api


def page_url(profile: PlatformProfile, page: int) -> str:
    """Absolute URL of API page `page` (1-based) from the endpoint's placeholders."""
    api = _api(profile)
    values = {"page": page, "offset": (page - 1) * api.page_size, "page_size": api.page_size}
    endpoint = _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), api.endpoint)
    # A cursor-paginated API starts without a cursor.
    return profile.absolute(endpoint.replace("{cursor}", ""))


def first_api_url(profile: PlatformProfile) -> str:
    """The first JSON page to fetch."""
    return page_url(profile, 1)


def _page_number(profile: PlatformProfile, url: str) -> int | None:
    """Which page `url` is, read back through the endpoint template (None: not one of ours)."""
    api = _api(profile)
    if not _PLACEHOLDER.search(api.endpoint):
        return None
    pattern = ""
    last = 0
    for m in _PLACEHOLDER.finditer(api.endpoint):
        pattern += re.escape(api.endpoint[last : m.start()]) + f"(?P<{m.group(1)}>\\d+)"
        last = m.end()
    pattern += re.escape(api.endpoint[last:])
    parts = urlsplit(url)
    tail = parts.path + (f"?{parts.query}" if parts.query else "")
    match = re.search(pattern + "$", tail) or re.search(pattern + "$", url)
    if not match:
        return None
    found = match.groupdict()
    if found.get("page") is not None:
        return int(found["page"])
    if found.get("offset") is not None:
        return int(found["offset"]) // api.page_size + 1
    return None


def _text(value: Any) -> str | None:
    # Listing fields are text, as a detail page shows them: numbers as written, lists joined.
    if value is None or isinstance(value, dict):
        return None
    if isinstance(value, list):
        parts = [_text(v) for v in value]
        joined = ", ".join(p for p in parts if p)
        return joined or None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = " ".join(str(value).split())
    return text or None


def _listing_url(
    profile: PlatformProfile, api: ApiMode, item: dict[str, Any], key: str | None, page: str
) -> str:
    if api.url_template:
        values: dict[str, Any] = {k: v for k, v in item.items() if isinstance(v, str | int | float)}
        values["key"] = key
        try:
            return profile.absolute(api.url_template.format_map(values))
        except (KeyError, IndexError, ValueError) as exc:
            raise ApiPageError(
                f"{profile.source_file or profile.name}: api.url_template: "
                f"cannot fill {api.url_template!r} from an item ({exc})"
            ) from None
    if key is not None:
        # No per-listing page: the JSON page is the evidence, the key tells listings apart.
        return f"{page}#{key}"
    return page


def parse_api_page(profile: PlatformProfile, url: str, data: Any) -> tuple[list[dict], str | None]:
    """Raw listings of one JSON page and the next page's URL (None at the end).

    Each raw listing has "key" (the platform's id: the `listing_key` field, else the item's
    `id`), "url" (absolute) and every field of `api.fields` as text (None when absent).
    """
    api = _api(profile)
    where = profile.source_file or profile.name
    items = dotted(data, api.items_path)
    if items is None:
        items = []  # an empty result page is often served without the list
    if not isinstance(items, list):
        raise ApiPageError(
            f"{where}: api.items_path: {api.items_path!r} is a {type(items).__name__} "
            f"in {url}, not a list"
        )
    listings: list[dict] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        fields = {name: _text(dotted(item, path)) for name, path in api.fields.items()}
        key = fields.pop("listing_key", None)
        if key is None:
            key = _text(item.get("id"))
        raw: dict[str, Any] = {"key": key, "url": _listing_url(profile, api, item, key, url)}
        raw.update(fields)
        listings.append(raw)
    return listings, _next_url(profile, api, url, data, len(items))


def _next_url(
    profile: PlatformProfile, api: ApiMode, url: str, data: Any, count: int
) -> str | None:
    if count == 0:
        return None  # an empty page ends the walk whatever the API says
    page = _page_number(profile, url)
    if page is not None and page >= api.max_pages:
        return None
    if api.next_path is not None:
        nxt = dotted(data, api.next_path)
        if nxt is None or nxt == "" or nxt is False:
            return None
        nxt = str(nxt)
        if "{cursor}" in api.endpoint and not nxt.startswith(("/", "http://", "https://")):
            return profile.absolute(api.endpoint.replace("{cursor}", nxt))
        absolute = urljoin(url, nxt)
        return None if absolute == url else absolute
    if page is None or count < api.page_size:
        return None
    return page_url(profile, page + 1)
