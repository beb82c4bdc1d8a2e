"""The crawl: Scrapy components that turn a platform profile into a bounded, scoped crawl.

- `scope`: which URLs a platform's crawl may request (its own hosts, http/https only);
  a downloader middleware enforces it on every route, the browser's router too;
- `pages`: bounds on what one response may cost (non-text bodies stopped at their
  headers, nesting flattened, the change recorded);
- `politeness`: Retry-After and backoff on 429/503, one pause for the whole crawl.
"""
