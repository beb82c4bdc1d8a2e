"""demo-jobs: a job board of mostly ordinary ads, some with labour-exploitation indicators.

One list `/jobs?page=N` of <article class="job-card"> entries (20 a page, newest or most
recently updated first) paginated by a rel="next" link; detail pages `/job/<ref>` with a
facts list, a description and a schema.org JobPosting in JSON-LD (salary per month or
hour). Profile: crawler/platforms/demo-jobs.yaml, base URL from DEMO_JOBS_URL.
"""

from __future__ import annotations

import random
from html import escape

from aiohttp import web

from crawler.demo.catalog import CatalogEntry, CatalogPlatform, script_json
from crawler.demo.text import JOB_SECTORS, Draft, job_ad
from crawler.demo.world import register_platform

_UNIT_TEXT = {"month": "MONTH", "hour": "HOUR"}


@register_platform
class JobBoardPlatform(CatalogPlatform):
    name = "demo-jobs"
    env_var = "DEMO_JOBS_URL"
    default_port = 8702
    key_prefix = "J"
    categories = JOB_SECTORS

    def draft(self, rng: random.Random, index: int) -> Draft:
        return job_ad(rng, self.contacts)

    def list_path(self, category: str | None, page: int = 1) -> str:
        return "/jobs" if page == 1 else f"/jobs?page={page}"

    def detail_path(self, key: str) -> str:
        return f"/job/{key}"

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/jobs", self._handle_all_list, name="list"),
            web.get("/job/{key}", self._handle_detail, name="detail"),
        ]

    def render_home(self) -> str:
        return '<!doctype html><html><body><a href="/jobs">All jobs</a></body></html>'

    def render_list(
        self, category: str | None, page: int, entries: list[CatalogEntry], last_page: int
    ) -> str:
        cards = []
        for e in entries:
            d = e.draft
            cards.append(
                f'<article class="job-card" data-ref="{e.key}">'
                f'<h2 class="job-title"><a href="{self.detail_path(e.key)}">{escape(d.title)}</a></h2>'
                f'<p class="employer">{escape(d.seller or "")} — {escape(d.city)}</p>'
                f'<p class="salary">{escape(d.price_text(0))}</p>'
                f'<p class="ref">Ref. <b>{e.key}</b></p>'
                "</article>"
            )
        links = []
        head = ""
        if page > 1:
            links.append(f'<a rel="prev" href="{self.list_path(None, page - 1)}">Previous</a>')
        if page < last_page:
            nxt = self.list_path(None, page + 1)
            links.append(f'<a rel="next" href="{nxt}">Next</a>')
            head = f'<link rel="next" href="{nxt}">'
        return (
            f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Jobs, page {page}</title>{head}</head>'
            f'<body><div id="app"><h1>Jobs</h1><section class="results">{"".join(cards)}</section>'
            f'<nav aria-label="pagination">{" ".join(links)}</nav></div></body></html>'
        )

    def render_detail(self, entry: CatalogEntry) -> str:
        d = entry.draft
        posted = entry.posted_at.isoformat().replace("+00:00", "Z")
        salary = d.prices[0]
        posting = {
            "@context": "https://schema.org",
            "@type": "JobPosting",
            "title": d.title,
            "description": d.body(),
            "identifier": {"@type": "PropertyValue", "name": "demo-jobs", "value": entry.key},
            "datePosted": posted,
            "employmentType": "FULL_TIME",
            "industry": d.category,
            "hiringOrganization": {"@type": "Organization", "name": d.seller},
            "jobLocation": {
                "@type": "Place",
                "address": {
                    "@type": "PostalAddress",
                    "addressLocality": d.city,
                    "addressCountry": d.region,
                },
            },
            "baseSalary": {
                "@type": "MonetaryAmount",
                "currency": salary.currency,
                "value": {
                    "@type": "QuantitativeValue",
                    "value": salary.amount,
                    "unitText": _UNIT_TEXT.get(salary.unit or "", "MONTH"),
                },
            },
        }
        paragraphs = "".join(f"<p>{escape(line)}</p>" for line in d.body().split("\n"))
        phone = ""
        if d.field_phone:
            phone = f'<li class="contact-phone">Phone: <span>{escape(d.field_phone)}</span></li>'
        return (
            f'<!doctype html><html lang="{d.lang}"><head><meta charset="utf-8"><title>{escape(d.title)}</title>'
            f'<script type="application/ld+json">{script_json(posting)}</script></head><body>'
            f'<main class="job-view"><h1>{escape(d.title)}</h1><ul class="facts">'
            f'<li class="employer">{escape(d.seller or "")}</li>'
            f'<li class="location">{escape(d.location)}</li>'
            f'<li class="salary">{escape(d.price_text(0))}</li>'
            f'<li class="sector">{d.category}</li>'
            f'<li class="posted"><time datetime="{posted}">{entry.posted_at:%Y-%m-%d}</time></li>'
            f'<li class="ref">{entry.key}</li>{phone}</ul>'
            f'<img src="/static/x.svg" alt="" class="logo">'
            f'<section class="description">{paragraphs}</section></main></body></html>'
        )
