"""Kibana saved objects for the analysts (data views, saved searches, a dashboard).

`crawler.kibana.objects` builds them as NDJSON for Kibana's saved objects import API;
`crawler.kibana.cli` adds `crawler kibana export|import`.
"""
