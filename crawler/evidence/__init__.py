"""Evidence for casework: captures, the signed manifest chain, case exports, removed listings.

Under EVIDENCE_DIR (layout.py has the paths):

- capture.py: every text response of a crawl (Scrapy HTTP, the tor handler, the browser's
  rendered DOM and the JSON it loaded) is written to gzip WARC files with warcio, one
  directory per platform and run; each listing and price-history version points to its
  record (models.EvidenceRef); warc.py is the writer (sha256 digests, one gzip member per
  record, files rolled at EVIDENCE_WARC_MAX_BYTES) and reads a record back by its ref.
- chain.py, keys.py: at the end of a run its WARC files are sealed in a manifest that holds
  the previous manifest's hash (an append-only chain) and is signed with Ed25519;
  `crawler evidence verify` checks every file, record, signature and link; holds and
  purges are recorded in the chain.
- export.py: `crawler evidence export` writes a WACZ case package.
- removed.py: listings a complete full walk no longer finds are marked removed.
- timeline.py: `crawler timeline`: an identifier's or a cluster's listings and versions in
  time order.

Nothing here imports Scrapy except capture.py's downloader middleware.
"""
