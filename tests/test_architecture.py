"""Imports run one way. A test per rule, each listing every back-edge it finds.

- spiders/ and pipelines/ import crawler/; crawler/ never imports them;
- production code (everything but crawler/testing) never imports crawler.testing;
- crawler/extract is pure: no Scrapy, Twisted, aiohttp or other crawler packages (models
  and config only);
- crawler/cluster (actor linking) is pure too: it may use crawler.extract's text clean-up
  and crawler.models, never a store, the CLI or Scrapy; stores import it, not the reverse;
- settings/ modules name components by string and import nothing from crawler/;
- only command modules import crawler.cli (the CLI is the top layer).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("crawler", "spiders", "pipelines", "settings")
# Command modules registered in crawler/cli/main.py COMMANDS that live beside their package.
COMMAND_MODULES = {
    "crawler.demo.run",
    "crawler.demo.cli",
    "crawler.alerts.cli",
    "crawler.extract.cli",
    "crawler.kibana.cli",
    "crawler.tor.cli",
    "crawler.evidence.export",  # `crawler evidence export` registers its own arguments
}


def modules() -> dict[str, set[str]]:
    """{module: every module it imports (absolute names)}, for all project packages."""
    out: dict[str, set[str]] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).with_suffix("")
            name = ".".join(rel.parts).removesuffix(".__init__")
            imported: set[str] = set()
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    imported.update(a.name for a in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    imported.add(node.module)
                    imported.update(f"{node.module}.{a.name}" for a in node.names)
            out[name] = imported
    return out


MODULES = modules()


def edges(source: str, target: str, exempt: tuple[str, ...] = ()) -> list[str]:
    found = []
    for module, imported in MODULES.items():
        if not (module == source or module.startswith(source + ".")):
            continue
        if any(module == e or module.startswith(e + ".") for e in exempt):
            continue
        for name in sorted(imported):
            if name == target or name.startswith(target + "."):
                found.append(f"{module} imports {name}")
    return found


def test_the_project_is_parsed():
    assert "spiders.listing" in MODULES and "crawler.crawl.scope" in MODULES
    assert len(MODULES) > 100


def test_crawler_never_imports_spiders_or_pipelines():
    assert edges("crawler", "spiders") + edges("crawler", "pipelines") == []


def test_production_code_never_imports_crawler_testing():
    back = edges("crawler", "crawler.testing", exempt=("crawler.testing",))
    back += edges("spiders", "crawler.testing") + edges("pipelines", "crawler.testing")
    back += edges("settings", "crawler.testing")
    assert back == []


def test_extraction_is_pure():
    impure = [
        e
        for target in ("scrapy", "twisted", "aiohttp", "playwright", "elasticsearch", "crawler")
        for e in edges("crawler.extract", target)
        if not any(
            f"imports {ok}" in e for ok in ("crawler.extract", "crawler.models", "crawler.config")
        )
    ]
    assert impure == []


def test_actor_linking_is_pure_and_below_the_stores():
    allowed = ("crawler.cluster", "crawler.models", "crawler.extract.normalise")
    impure = [
        e
        for target in ("scrapy", "twisted", "aiohttp", "playwright", "elasticsearch", "crawler")
        for e in edges("crawler.cluster", target)
        if not any(f"imports {ok}" in e for ok in allowed)
    ]
    assert "crawler.cluster.clusterer" in MODULES
    assert impure == []


def test_settings_modules_import_nothing_from_the_application():
    assert edges("settings", "crawler") == []


def test_only_command_modules_import_the_cli():
    exempt = ("crawler.cli", "crawler.__main__", *COMMAND_MODULES)
    assert edges("crawler", "crawler.cli", exempt=exempt) == []
