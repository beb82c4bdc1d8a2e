"""Flagged-platform monitor: crawl flagged platforms, extract trafficking indicators, index, alert."""

__version__ = "0.1.0"
