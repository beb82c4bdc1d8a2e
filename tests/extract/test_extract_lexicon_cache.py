"""The compiled lexicons (crawler/extract/lexicons/compiled/) match the YAML lexicons.

If this fails after a lexicon edit, rebuild them: python -m crawler.extract.lexicon_cache
"""

from __future__ import annotations

import json

from crawler.extract import lexicon_cache
from crawler.extract.indicators import table_to_json
from crawler.extract.language import build_word_langs


def test_compiled_lexicons_are_fresh() -> None:
    names = {p.stem for p in lexicon_cache.COMPILED_DIR.glob("*.json")}
    assert {"languages", "detection"} | {f"table-{s}" for s in lexicon_cache.SCRIPTS} <= names
    for name in names:
        record = json.loads((lexicon_cache.COMPILED_DIR / f"{name}.json").read_text("utf-8"))
        assert record["sources"] == lexicon_cache.sources_hash(), (
            f"{name}.json is stale: python -m crawler.extract.lexicon_cache"
        )


def test_compiled_tables_equal_a_fresh_build() -> None:
    for script, langs in lexicon_cache.script_sets().items():
        assert lexicon_cache.cached_table(langs) == json.loads(json.dumps(table_to_json(langs))), (
            script
        )
    assert lexicon_cache.cached_detection() == json.loads(json.dumps(build_word_langs()))


def test_compiled_language_data_equals_the_yaml() -> None:
    from dataclasses import replace

    from crawler.extract.indicators import LEXICON_IDS
    from crawler.extract.lexicon import LEXICON_DIR, available_languages, read_language

    compiled = lexicon_cache.cached_languages()
    assert compiled is not None
    for lang in available_languages():
        # Phrases and concepts are left to the compiled phrase tables.
        yaml = read_language(LEXICON_DIR / f"{lang}.yaml", LEXICON_IDS)
        assert compiled[lang] == replace(yaml, indicators={}, concepts={}), lang


def test_a_rebuild_gives_the_committed_files_byte_for_byte_whatever_the_hash_seed(
    tmp_path,
) -> None:
    """A rebuild after a lexicon edit must change only what the edit changed: tables built
    from sets used to come out in another order with every hash seed (a diff of megabytes
    in git for one word)."""
    import os
    import subprocess
    import sys

    code = "import sys, pathlib; from crawler.extract.lexicon_cache import build; "
    code += "build(pathlib.Path(sys.argv[1]))"
    runs = []
    for seed in ("1", "2"):
        out = tmp_path / seed
        env = {**os.environ, "PYTHONHASHSEED": seed}
        runs.append((out, subprocess.Popen([sys.executable, "-c", code, str(out)], env=env)))
    for out, proc in runs:
        assert proc.wait(timeout=300) == 0
        for committed in lexicon_cache.COMPILED_DIR.glob("*.json"):
            assert (out / committed.name).read_bytes() == committed.read_bytes(), (
                f"{committed.name} differs from a rebuild with PYTHONHASHSEED={out.name}"
            )
