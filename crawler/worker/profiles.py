"""The platform profiles a worker runs, read once per platform and again when its file changes.

A worker used to parse every profile again each minute (and whenever a platform was
missing): 4.7 s of CPU for 1,000 profiles, about 19 ms per run at 4 runs a second.
`crawler.profiles.load_named_profile` parses only the files that may define the platform
(still a look at the head of every file: 17 ms among 1,000). Here that is done once per
platform; later runs reuse the profile while nothing it came from changed: the profile
directories' listings (their mtimes: a file added, removed or renamed, as editors that save
by renaming do) and the file that defined it (its mtime, size and inode). A platform no
valid file defines is looked up again at every run, as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.profiles import PlatformProfile, default_profile_dirs, load_named_profile, load_profile

_NAME = re.compile(r"^name:\s*[\"']?([a-z0-9][a-z0-9_-]{0,62})", re.M)


def _stat(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


@dataclass
class _Entry:
    profile: PlatformProfile
    dirs: tuple[Any, ...]  # the profile directories and their stats when it was read
    path: Path | None  # the file that defines it, when found
    file: tuple[int, int, int] | None


class ProfileCache:
    def __init__(self, settings: Any) -> None:
        self.settings = settings
        self._entries: dict[str, _Entry] = {}

    def _dirs(self) -> tuple[Any, ...]:
        return tuple((d, _stat(d)) for d in default_profile_dirs(self.settings))

    def get(self, name: str) -> PlatformProfile | None:
        """The platform's profile, or None when no valid file defines it (load_profiles says
        why: crawler.profiles.ProfileSet.not_found)."""
        dirs = self._dirs()
        entry = self._entries.get(name)
        if (
            entry is not None
            and entry.dirs == dirs
            and entry.path is not None
            and _stat(entry.path) == entry.file
        ):
            return entry.profile
        profile = load_named_profile(name, settings=self.settings)
        if profile is None:
            self._entries.pop(name, None)
            return None
        path = self._locate(name, profile, [d for d, _ in dirs])
        self._entries[name] = _Entry(profile, dirs, path, _stat(path) if path else None)
        return profile

    @staticmethod
    def _locate(name: str, profile: PlatformProfile, dirs: list[Path]) -> Path | None:
        """The file load_named_profile read the profile from: the first, in the same order,
        that does not declare another name and parses to a profile of this name (None when
        it parses to another profile than the one read: then it is read again each run)."""
        for d in dirs:
            try:
                paths = sorted(p for p in d.iterdir() if p.suffix == ".yaml")
            except OSError:
                continue
            for path in paths:
                try:
                    head = path.read_bytes()[:4096].decode("utf-8", "replace")
                except OSError:
                    continue
                m = _NAME.search(head)
                if m is not None and m.group(1) != name:
                    continue
                try:
                    found = load_profile(path)
                except Exception:  # noqa: BLE001 - a broken file: load_named_profile skips it too
                    continue
                if found.name == name:
                    return path if found == profile else None
        return None
