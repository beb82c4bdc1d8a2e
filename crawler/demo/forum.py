"""demo-forum: a forum-style shop of threads: courses, agencies, jobs abroad, help, market.

Boards `/board/<board>?page=N` list threads in a table (20 a page, newest or most
recently bumped first, with the price shown on each row); a thread `/t/<id>` shows the
opening post (the listing: author, date, price, body, sometimes a crypto wallet) and a
few replies. Some posts carry e_pimping, lure_job_abroad, refugee_targeting or
crypto_only_payment; wallets are checksum-valid (crawler/demo/wallets.py). No JSON-LD:
the profile reads it with XPath. Profile: crawler/platforms/demo-forum.yaml, base URL
from DEMO_FORUM_URL.
"""

from __future__ import annotations

import random
from html import escape
from typing import cast

from aiohttp import web

from crawler.demo.catalog import CatalogEntry, CatalogPlatform
from crawler.demo.text import FORUM_BOARDS, Draft, forum_post, make_handle
from crawler.demo.world import register_platform

_REPLIES = (
    "Interested, sent you a private message.",
    "Is this still available?",
    "Thanks, very useful.",
    "Up.",
    "How long does it take?",
    "Can you share more details?",
)


def _replies(draft: Draft) -> list[tuple[str, str]]:
    """(author, text) of a forum topic's replies (kept in the draft's extras)."""
    return cast("list[tuple[str, str]]", draft.extras.get("replies", []))


@register_platform
class ForumPlatform(CatalogPlatform):
    name = "demo-forum"
    env_var = "DEMO_FORUM_URL"
    default_port = 8703
    key_prefix = "T"
    categories = FORUM_BOARDS

    def draft(self, rng: random.Random, index: int) -> Draft:
        draft = forum_post(rng, self.contacts)
        draft.extras["replies"] = [
            (make_handle(rng, "telegram").handle, rng.choice(_REPLIES))
            for _ in range(rng.randint(0, 3))
        ]
        return draft

    def list_path(self, category: str | None, page: int = 1) -> str:
        base = f"/board/{category}"
        return base if page == 1 else f"{base}?page={page}"

    def detail_path(self, key: str) -> str:
        return f"/t/{key}"

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/board/{category}", self._handle_category_list, name="list"),
            web.get("/t/{key}", self._handle_detail, name="detail"),
        ]

    def _frame(self, title: str, inner: str, lang: str = "en") -> str:
        boards = " | ".join(f'<a href="{self.list_path(b)}">{b}</a>' for b in self.categories)
        return (
            f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            "<style>.post-body{white-space:pre-line}</style></head>"
            f'<body><div id="top">Demo Forum: {boards}</div><div id="content">{inner}</div></body></html>'
        )

    def render_list(
        self, category: str | None, page: int, entries: list[CatalogEntry], last_page: int
    ) -> str:
        rows = []
        for e in entries:
            d = e.draft
            replies = _replies(d)
            rows.append(
                f'<tr class="topic" id="topic-{e.key}">'
                f'<td class="topic-title"><a href="{self.detail_path(e.key)}">{escape(d.title)}</a></td>'
                f'<td class="topic-price">{escape(d.price_text(0))}</td>'
                f'<td class="topic-author">{escape(d.seller or "")}</td>'
                f'<td class="topic-replies">{len(replies)}</td>'
                f'<td class="topic-last"><time datetime="{e.updated_at.isoformat()}">{e.updated_at:%d %b %Y}</time></td>'
                "</tr>"
            )
        pages = [
            f'<a href="{self.list_path(category, p)}">{p}</a>' if p != page else f"<b>{p}</b>"
            for p in range(max(1, page - 2), min(last_page, page + 2) + 1)
        ]
        if page < last_page:
            pages.append(f'<a class="pg-next" href="{self.list_path(category, page + 1)}">›</a>')
        inner = (
            f"<h2>{escape(category or '')}</h2>"
            '<table class="topics"><tr><th>Topic</th><th>Price</th><th>Author</th><th>Replies</th><th>Last post</th></tr>'
            f'{"".join(rows)}</table><div class="pagination">{" ".join(pages)}</div>'
        )
        return self._frame(f"{category} - page {page}", inner)

    def render_detail(self, entry: CatalogEntry) -> str:
        d = entry.draft
        posted = entry.posted_at.isoformat().replace("+00:00", "Z")
        posts = [
            f'<div class="post op" id="post-{entry.key}-1">'
            f'<div class="post-author">{escape(d.seller or "")}</div>'
            f'<div class="post-date"><time datetime="{posted}">{entry.posted_at:%d %b %Y, %H:%M}</time></div>'
            f'<div class="post-price">{escape(d.price_text(0))}</div>'
            f'<div class="post-body">{escape(d.body())}</div>'
            '<img class="avatar" src="/static/x.svg" alt="">'
            "</div>"
        ]
        for n, (author, text) in enumerate(_replies(d), start=2):
            posts.append(
                f'<div class="post reply" id="post-{entry.key}-{n}"><div class="post-author">{escape(author)}</div>'
                f'<div class="post-body">{escape(text)}</div></div>'
            )
        inner = (
            f'<div class="breadcrumbs"><a href="{self.list_path(d.category)}">{d.category}</a></div>'
            f'<h1 class="thread-title" data-thread="{entry.key}">{escape(d.title)}</h1>'
            f'<div class="thread">{"".join(posts)}</div>'
        )
        return self._frame(d.title, inner, d.lang)
