"""The YAML loader keeps a file's parse for a long-running worker, and never serves a stale one."""

from __future__ import annotations

from crawler.config.yamlfile import read_yaml


def test_an_edited_file_is_read_again_and_callers_get_their_own_copy(tmp_path):
    f = tmp_path / "rules.yaml"
    f.write_text("rules:\n  - name: a\n")
    first = read_yaml(f)
    first["rules"].append({"name": "added by a caller"})
    assert read_yaml(f) == {"rules": [{"name": "a"}]}  # a caller's change does not leak
    f.write_text("rules:\n  - name: b\n")
    assert read_yaml(f) == {"rules": [{"name": "b"}]}  # an edit takes effect at once
