"""The lexicons compiled ahead of time, so that a process starts extracting at once.

Reading 23 YAML lexicons, spelling out their phrases, finding each phrase's index key
and anchors and building the language-detection table costs about a second of CPU: too
much for `crawler extract` and for every Scrapy worker. `python -m
crawler.extract.lexicon_cache` does it once and writes the result as JSON files under
crawler/extract/lexicons/compiled/ (package data): the lexicon data of every language,
the phrase table of each script's languages and the detection words. Each file records
a hash of the YAML sources; a file whose hash does not match the lexicons on disk is
ignored (the extractors then build what they need from the YAML, slowly but correctly),
and tests/extract/test_extract_lexicon_cache.py fails until the files are rebuilt.
No I/O beyond reading these packaged files once, lazily. No settings.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from crawler.extract.lexicon import LEXICON_DIR, LanguageData

COMPILED_DIR = LEXICON_DIR / "compiled"


@functools.cache
def sources_hash() -> str:
    """A hash of every lexicon YAML file (names and contents)."""
    digest = hashlib.sha1()
    for path in sorted(LEXICON_DIR.glob("*.yaml")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _read(name: str) -> Any | None:
    path = COMPILED_DIR / f"{name}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("sources") != sources_hash():
        return None
    return data.get("data")


# --- language data ----------------------------------------------------------------------------


def _language_to_json(data: LanguageData) -> dict[str, Any]:
    out = asdict(replace(data, indicators={}, concepts={}))
    for key, value in out.items():
        if isinstance(value, frozenset | set):
            out[key] = sorted(value)
    # Phrases and concepts are in the compiled phrase tables, not repeated here.
    out["indicators"] = {}
    out["concepts"] = {}
    return out


def _language_from_json(raw: dict[str, Any]) -> LanguageData:
    return LanguageData(
        lang=raw["lang"],
        scripts=tuple(raw["scripts"]),
        detect=frozenset(raw["detect"]),
        negations=frozenset(raw["negations"]),
        digits=raw["digits"],
        plus=frozenset(raw["plus"]),
        repeat=raw["repeat"],
        units=raw["units"],
        currencies=raw["currencies"],
        email_at=frozenset(raw["email_at"]),
        email_dot=frozenset(raw["email_dot"]),
        indicators={},
        guards=raw["guards"],
        contexts=raw["contexts"],
        concepts={},
        hundreds=raw["hundreds"],
        hundred=frozenset(raw["hundred"]),
        id_words=frozenset(raw["id_words"]),
    )


@functools.cache
def cached_languages() -> dict[str, LanguageData] | None:
    """Every language's data from the compiled file (without phrases and concepts: see
    lexicon.language), or None when it is stale."""
    raw = _read("languages")
    if raw is None:
        return None
    return {lang: _language_from_json(value) for lang, value in raw.items()}


# --- phrase tables and detection words --------------------------------------------------------


SCRIPTS = ("latin", "cyrillic", "greek", "georgian")


def script_sets() -> dict[str, tuple[str, ...]]:
    """script -> the languages find_indicators uses for text in that script (and English)."""
    from crawler.extract.indicators import _languages_for

    return {script: _languages_for(None, (), (script,)) for script in SCRIPTS}


@functools.cache
def cached_table(langs: tuple[str, ...]) -> dict[str, Any] | None:
    """The raw phrase table of `langs` when it is one script's set (see
    indicators.table_to_json), or None."""
    for script, script_langs in script_sets().items():
        if script_langs == langs:
            return _read(f"table-{script}")
    return None


@functools.cache
def cached_detection() -> dict[str, dict[str, list[list[Any]]]] | None:
    """script -> word -> [[language, weight], ...] (see language._word_langs), or None."""
    raw = _read("detection")
    if raw is None:
        return None
    # Words that share their languages and weights share one list (read-only).
    return {
        script: {word: entries for entries, words in groups for word in words}
        for script, groups in raw.items()
    }


def _detection_to_json(
    table: dict[str, dict[str, list[list[Any]]]],
) -> dict[str, list[list[Any]]]:
    """script -> [[[language, weight], ...], [word, ...]], ...]: the detection table stored
    once per distinct list of languages and weights (a few hundred) with the words that
    have it (about 20,000). The words' own lists cost most of a start-up's reading."""
    out: dict[str, list[list[Any]]] = {}
    for script, words in table.items():
        groups: dict[str, list[Any]] = {}
        for word, entries in words.items():
            key = json.dumps(entries)
            groups.setdefault(key, [entries, []])[1].append(word)
        out[script] = list(groups.values())
    return out


# --- building ---------------------------------------------------------------------------------


def build(directory: Path = COMPILED_DIR) -> list[Path]:
    """Compile every lexicon from its YAML and write the JSON files; returns their paths."""
    from crawler.extract import indicators, language, lexicon

    for cached in (cached_languages, cached_table, cached_detection, sources_hash):
        cached.cache_clear()
    lexicon.language.cache_clear()
    lexicon.full_language.cache_clear()
    lexicon.all_languages.cache_clear()
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("*.json"):
        old.unlink()
    sources = sources_hash()
    files: dict[str, Any] = {
        "languages": {
            lang: _language_to_json(
                lexicon.read_language(LEXICON_DIR / f"{lang}.yaml", indicators.LEXICON_IDS)
            )
            for lang in lexicon.available_languages()
        },
        "detection": _detection_to_json(language.build_word_langs()),
    }
    for script, langs in script_sets().items():
        files[f"table-{script}"] = indicators.table_to_json(langs)
    written = []
    for name, data in files.items():
        path = directory / f"{name}.json"
        text = json.dumps(
            {"sources": sources, "data": data}, ensure_ascii=False, separators=(",", ":")
        )
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def main() -> int:
    for path in build():
        print(f"wrote {path} ({path.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
