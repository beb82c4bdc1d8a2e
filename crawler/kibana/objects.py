"""Kibana saved objects as NDJSON, importable into Kibana 8.8+ and 9.x.

Objects (ids are stable, so importing again with overwrite=true updates them in place):
  index-pattern  <prefix>-listings, <prefix>-alerts, <prefix>-jobs (data views); listings
                 labels and formats its actor-cluster fields (fieldAttrs, fieldFormatMap)
  search         high risk (risk_score >= 70), new in the last 24 h, one per indicator id,
                 shared contacts (shared_identifiers >= 1), listings in actor clusters
                 (cluster_size >= 2, largest clusters first), removed listings (removed_at
                 set, latest removal first, with their last capture); on the jobs: degraded
                 platforms (runs judged degraded or failing, newest first, with the reasons)
  visualization  listings over time per platform, indicator counts, price distribution per
                 unit, top shared phone numbers, risk histogram, crawl health (items and
                 errors; health status per platform over time; the reasons per platform),
                 largest actor clusters, fastest-growing actor clusters (new listings in the
                 last 24 h)
  dashboard      the ten visualizations, by reference (panelRefName/panel_N references),
                 the panel format every Kibana 8.x and 9.x import accepts
Aggregation-based visualizations only use the flat fields of the listing mapping
(indicator_ids, price_amount_eur, price_unit, phones...): Kibana cannot aggregate nested
fields; a job's health reasons are an array of objects (not nested) for that reason, so
`health.reasons.code` aggregates as one keyword per reason. Versions are declared (coreMigrationVersion, typeMigrationVersion) and kept at old
releases on purpose: Kibana migrates older objects forward but rejects newer ones.

The index prefix comes from STORE_INDEX_PREFIX (default "flagwatch"), as for the store.
"""

from __future__ import annotations

import json
from typing import Any

from crawler.extract.indicators import INDICATOR_IDS  # the stable ids of docs/indicators.md

CORE_MIGRATION_VERSION = "8.8.0"
TYPE_MIGRATION_VERSIONS = {
    "index-pattern": "8.0.0",
    "search": "8.0.0",
    "visualization": "8.5.0",
    "dashboard": "8.7.0",
}
HIGH_RISK = 70
INDEX_REF = "kibanaSavedObjectMeta.searchSourceJSON.index"
LISTING_COLUMNS = ["platform", "title", "risk_score", "indicator_ids", "phones", "location"]
# A listing's actor cluster (docs/clusters.md): cluster_id, and cluster_size, the number of
# listings in it (1 for a listing alone). A cluster worth a look has at least two.
CLUSTER_MIN_SIZE = 2
IN_CLUSTER = f"cluster_size >= {CLUSTER_MIN_SIZE}"
CLUSTER_COLUMNS = ["cluster_id", "cluster_size", "platform", "title", "risk_score", "first_seen"]
# What the listings data view declares about its fields beyond the mapping: labels
# (fieldAttrs customLabel) and formats (fieldFormatMap). Kibana reads the field list itself
# from the index, so only fields with a label or a format are named here.
LISTING_FIELD_LABELS = {"cluster_id": "Actor cluster", "cluster_size": "Cluster size"}
LISTING_FIELD_FORMATS = {"cluster_size": {"id": "number", "params": {"pattern": "0,0"}}}
# Crawl health (docs/health.md): each judged job carries health.status (healthy, degraded,
# failing) and health.reasons (code, severity, message, advice).
NOT_HEALTHY = 'health.status : "degraded" or health.status : "failing"'
# Removed listings (docs/evidence.md): complete walks no longer find them; removed_at is the
# start of the first walk that did not, and `evidence` points at the last capture, kept.
REMOVED = "removed_at : *"
REMOVED_COLUMNS = [
    "platform",
    "title",
    "removed_at",
    "last_seen",
    "missed_walks",
    "evidence.file",
    "evidence.record_id",
    "evidence.sha256",
]
HEALTH_COLUMNS = [
    "platform",
    "health.status",
    "health.reasons.code",
    "health.reasons.message",
    "health.reasons.advice",
    "items",
    "errors",
]


def _obj(type_: str, id_: str, attributes: dict[str, Any], refs: list[dict[str, str]]) -> dict:
    return {
        "type": type_,
        "id": id_,
        "attributes": attributes,
        "references": refs,
        "managed": False,
        "coreMigrationVersion": CORE_MIGRATION_VERSION,
        "typeMigrationVersion": TYPE_MIGRATION_VERSIONS[type_],
    }


def _search_source(query: str = "", with_index: bool = True) -> str:
    source: dict[str, Any] = {"query": {"query": query, "language": "kuery"}, "filter": []}
    if with_index:
        source["indexRefName"] = INDEX_REF
    return json.dumps(source)


def _index_ref(data_view_id: str) -> list[dict[str, str]]:
    return [{"name": INDEX_REF, "type": "index-pattern", "id": data_view_id}]


def _field_attrs(labels: dict[str, str], formats: dict[str, dict]) -> dict[str, str]:
    """fieldAttrs and fieldFormatMap, JSON strings as Kibana stores them (none if empty)."""
    out = {}
    if labels:
        out["fieldAttrs"] = json.dumps({f: {"customLabel": lab} for f, lab in labels.items()})
    if formats:
        out["fieldFormatMap"] = json.dumps(formats)
    return out


def data_views(prefix: str) -> list[dict]:
    spec = [
        (
            "listings",
            "last_seen",
            "Flagwatch listings",
            LISTING_FIELD_LABELS,
            LISTING_FIELD_FORMATS,
        ),
        ("alerts", "stored_at", "Flagwatch alerts", {}, {}),
        ("jobs", "started_at", "Flagwatch crawl jobs", {}, {}),
    ]
    return [
        _obj(
            "index-pattern",
            f"{prefix}-{name}",
            {
                "title": f"{prefix}-{name}",
                "timeFieldName": time_field,
                "name": label,
                **_field_attrs(labels, formats),
            },
            [],
        )
        for name, time_field, label, labels, formats in spec
    ]


def saved_searches(prefix: str) -> list[dict]:
    listings = f"{prefix}-listings"

    def search(
        id_: str,
        title: str,
        query: str,
        sort: tuple[str, ...],
        columns: list[str] = LISTING_COLUMNS,
    ) -> dict:
        attrs = {
            "title": title,
            "description": "",
            "columns": columns,
            "sort": [[field, "desc"] for field in sort],
            "kibanaSavedObjectMeta": {"searchSourceJSON": _search_source(query)},
        }
        return _obj("search", id_, attrs, _index_ref(listings))

    out = [
        search(
            f"{prefix}-high-risk",
            f"High risk listings (risk >= {HIGH_RISK})",
            f"risk_score >= {HIGH_RISK}",
            ("risk_score",),
        ),
        # first_seen relative to now: Kibana evaluates "now-24h" in KQL date ranges.
        search(
            f"{prefix}-new-24h",
            "New listings (last 24 h)",
            'first_seen >= "now-24h"',
            ("first_seen",),
        ),
        # Runs judged not healthy, newest first: the platforms that need a look, and why.
        _obj(
            "search",
            f"{prefix}-degraded-platforms",
            {
                "title": "Degraded platforms",
                "description": "crawl jobs judged degraded or failing (docs/health.md)",
                "columns": HEALTH_COLUMNS,
                "sort": [["started_at", "desc"]],
                "kibanaSavedObjectMeta": {"searchSourceJSON": _search_source(NOT_HEALTHY)},
            },
            _index_ref(f"{prefix}-jobs"),
        ),
        search(
            f"{prefix}-shared-contacts",
            "Listings sharing contacts with other listings",
            "shared_identifiers >= 1",
            ("last_seen",),
        ),
        # The largest clusters first, each cluster's newest listings first.
        search(
            f"{prefix}-clusters",
            "Listings in actor clusters",
            IN_CLUSTER,
            ("cluster_size", "first_seen"),
            CLUSTER_COLUMNS,
        ),
        # The latest removals first, with where each listing's last capture is kept.
        search(
            f"{prefix}-removed",
            "Removed listings",
            REMOVED,
            ("removed_at",),
            REMOVED_COLUMNS,
        ),
    ]
    out += [
        search(
            f"{prefix}-indicator-{ind}",
            f"Indicator: {ind}",
            f'indicator_ids : "{ind}"',
            ("risk_score",),
        )
        for ind in INDICATOR_IDS
    ]
    return out


def _vis(
    id_: str,
    title: str,
    vis_type: str,
    params: dict,
    aggs: list[dict],
    data_view: str,
    query: str = "",
) -> dict:
    state = {"title": title, "type": vis_type, "params": params, "aggs": aggs}
    attrs = {
        "title": title,
        "description": "",
        "visState": json.dumps(state),
        "uiStateJSON": "{}",
        "version": 1,
        "kibanaSavedObjectMeta": {"searchSourceJSON": _search_source(query)},
    }
    return _obj("visualization", id_, attrs, _index_ref(data_view))


def _agg(id_: str, type_: str, schema: str, **params: Any) -> dict:
    return {"id": id_, "enabled": True, "type": type_, "schema": schema, "params": params}


def _xy(kind: str) -> dict:
    return {
        "type": kind,
        "addTooltip": True,
        "addLegend": True,
        "legendPosition": "right",
        "times": [],
        "addTimeMarker": False,
    }


def _terms(id_: str, field: str, schema: str, size: int) -> dict:
    return _agg(id_, "terms", schema, field=field, size=size, order="desc", orderBy="1")


def visualizations(prefix: str) -> list[dict]:
    listings, jobs = f"{prefix}-listings", f"{prefix}-jobs"
    count = _agg("1", "count", "metric")
    table = {"perPage": 20, "showPartialRows": False, "showTotal": False}
    return [
        _vis(
            f"{prefix}-vis-listings-over-time",
            "Listings over time per platform",
            "histogram",
            _xy("histogram"),
            [
                count,
                _agg("2", "date_histogram", "segment", field="first_seen", interval="auto"),
                _terms("3", "platform", "group", 10),
            ],
            listings,
        ),
        _vis(
            f"{prefix}-vis-indicator-counts",
            "Indicator counts",
            "horizontal_bar",
            _xy("histogram"),
            [count, _terms("2", "indicator_ids", "segment", 25)],
            listings,
        ),
        _vis(
            f"{prefix}-vis-price-per-unit",
            "Price distribution per unit (EUR)",
            "histogram",
            _xy("histogram"),
            [
                count,
                _agg("2", "histogram", "segment", field="price_amount_eur", interval=50),
                _terms("3", "price_unit", "group", 10),
            ],
            listings,
        ),
        _vis(
            f"{prefix}-vis-shared-phones",
            "Top shared phone numbers",
            "table",
            table,
            [count, _terms("2", "phones", "bucket", 20)],
            listings,
        ),
        _vis(
            f"{prefix}-vis-risk-histogram",
            "Risk score histogram",
            "histogram",
            _xy("histogram"),
            [count, _agg("2", "histogram", "segment", field="risk_score", interval=10)],
            listings,
        ),
        _vis(
            f"{prefix}-vis-crawl-health",
            "Crawl health: items and errors per platform",
            "line",
            _xy("line"),
            [
                _agg("1", "sum", "metric", field="items"),
                _agg("4", "sum", "metric", field="errors"),
                _agg("2", "date_histogram", "segment", field="started_at", interval="auto"),
                _terms("3", "platform", "group", 10),
            ],
            jobs,
        ),
        # Each platform's runs over time, coloured by their health status: a platform's row
        # turning from healthy to degraded or failing is the change the health alerts tell.
        _vis(
            f"{prefix}-vis-health-status",
            "Crawl health: status per platform over time",
            "histogram",
            _xy("histogram"),
            [
                _agg("1", "count", "metric", customLabel="Runs"),
                _agg("2", "date_histogram", "segment", field="started_at", interval="auto"),
                _agg(
                    "3",
                    "terms",
                    "group",
                    field="health.status",
                    size=3,
                    order="desc",
                    orderBy="_key",
                ),
                _agg(
                    "4",
                    "terms",
                    "split",
                    field="platform",
                    size=20,
                    order="asc",
                    orderBy="_key",
                    row=True,
                ),
            ],
            jobs,
            "health.status : *",
        ),
        # Why: one row per platform and reason code over the runs not judged healthy.
        _vis(
            f"{prefix}-vis-health-reasons",
            "Crawl health: reasons per platform",
            "table",
            table,
            [
                _agg("1", "count", "metric", customLabel="Runs"),
                _agg("4", "max", "metric", field="started_at", customLabel="Last run"),
                _terms("2", "platform", "bucket", 20),
                _terms("3", "health.reasons.code", "bucket", 20),
            ],
            jobs,
            NOT_HEALTHY,
        ),
        # One row per cluster, most listings first; platforms and the highest risk as columns
        # (a platform split would turn the top 20 clusters into cluster x platform rows).
        _vis(
            f"{prefix}-vis-largest-clusters",
            "Largest actor clusters",
            "table",
            table,
            [
                _agg("1", "count", "metric", customLabel="Listings"),
                _agg("3", "cardinality", "metric", field="platform", customLabel="Platforms"),
                _agg("4", "max", "metric", field="risk_score", customLabel="Highest risk"),
                _terms("2", "cluster_id", "bucket", 20),
            ],
            listings,
            IN_CLUSTER,
        ),
        # Growth: the cluster's listings first seen in the last 24 h, next to its size.
        _vis(
            f"{prefix}-vis-growing-clusters",
            "Fastest-growing clusters",
            "table",
            table,
            [
                _agg("1", "count", "metric", customLabel="New listings (last 24 h)"),
                _agg("3", "max", "metric", field="cluster_size", customLabel="Cluster size"),
                _terms("2", "cluster_id", "bucket", 20),
            ],
            listings,
            f'{IN_CLUSTER} and first_seen >= "now-24h"',
        ),
    ]


def dashboard(prefix: str, vis_ids: list[str]) -> dict:
    panels, refs = [], []
    for n, vis_id in enumerate(vis_ids, 1):
        index = str(n)
        panels.append(
            {
                "version": CORE_MIGRATION_VERSION,
                "type": "visualization",
                "gridData": {
                    "x": 24 * ((n - 1) % 2),
                    "y": 15 * ((n - 1) // 2),
                    "w": 24,
                    "h": 15,
                    "i": index,
                },
                "panelIndex": index,
                "embeddableConfig": {},
                "panelRefName": f"panel_{index}",
            }
        )
        refs.append({"name": f"{index}:panel_{index}", "type": "visualization", "id": vis_id})
    attrs = {
        "title": "Flagwatch overview",
        "description": (
            "Listings, indicators, prices, shared contacts, risk, crawl health and actor clusters"
        ),
        "panelsJSON": json.dumps(panels),
        "optionsJSON": json.dumps({"useMargins": True, "hidePanelTitles": False}),
        "timeRestore": False,
        "kibanaSavedObjectMeta": {"searchSourceJSON": _search_source(with_index=False)},
    }
    return _obj("dashboard", f"{prefix}-overview", attrs, refs)


def saved_objects(prefix: str = "flagwatch") -> list[dict]:
    """Every object, referenced objects before the ones that reference them."""
    vis = visualizations(prefix)
    return [
        *data_views(prefix),
        *saved_searches(prefix),
        *vis,
        dashboard(prefix, [v["id"] for v in vis]),
    ]


def to_ndjson(objects: list[dict]) -> str:
    return "".join(json.dumps(o, separators=(",", ":")) + "\n" for o in objects)
