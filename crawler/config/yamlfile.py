"""One loader for the YAML files people write: profiles, alert rules and channels, watchlist.

`read_yaml(path, error)` reads UTF-8 text and parses it, turning every failure (missing,
unreadable, not UTF-8, not YAML) into `error(path, where, reason)`, a ConfigError subclass
that names the file. `expand_env(tree, environ)` replaces `${VAR}` and `${VAR:-default}` in
every string of a parsed tree (base URLs, onion addresses, secrets' variable names); an
unset variable without a default is an error naming it.

A long-running process (`crawler worker`) reads the same rules, watchlist and profiles for
every run: the parse of a file is kept while its text stays the same (the file is still read
each time, so an edit takes effect at once), and callers get their own copy.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from crawler.config import ConfigError

ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")

_PARSED: dict[str, tuple[str, Any]] = {}  # path -> (text, its parse)
_PARSED_MAX = 8192


def read_yaml(path: str | Path, error: type[ConfigError] = ConfigError) -> Any:
    """The parsed YAML of a file; errors are `error(path, where, reason)`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error(path, "(file)", exc.strerror or str(exc)) from None
    except UnicodeDecodeError as exc:
        raise error(path, "(file)", f"not UTF-8 text (byte {exc.start}: {exc.reason})") from None
    known = _PARSED.get(str(path))
    if known is not None and known[0] == text:
        return copy.deepcopy(known[1])
    try:
        parsed = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "(yaml)"
        raise error(path, where, f"not valid YAML: {getattr(exc, 'problem', exc)}") from None
    if len(_PARSED) >= _PARSED_MAX:
        _PARSED.clear()
    _PARSED[str(path)] = (text, parsed)
    return copy.deepcopy(parsed)


def expand_env(value: Any, environ: Mapping[str, str] | None = None) -> Any:
    """Replace ${VAR} and ${VAR:-default} in every string of a parsed YAML tree.

    Raises KeyError(name) for an unset variable without a default.
    """
    env = os.environ if environ is None else environ
    if isinstance(value, str):

        def sub(m: re.Match[str]) -> str:
            name, default = m.group(1), m.group(2)
            if name in env:
                return env[name]
            if default is not None:
                return default
            raise KeyError(name)

        return ENV_REF.sub(sub, value)
    if isinstance(value, list):
        return [expand_env(v, env) for v in value]
    if isinstance(value, dict):
        return {k: expand_env(v, env) for k, v in value.items()}
    return value
