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

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.filestat import file_version
from crawler.profiles import PlatformProfile, default_profile_dirs, find_profile


@dataclass
class _Entry:
    profile: PlatformProfile
    dirs: tuple[Any, ...]  # the profile directories and their stats when it was read
    path: Path | None  # the file that defines it
    file: tuple[int, int, int] | None


class ProfileCache:
    def __init__(self, settings: Any) -> None:
        self.settings = settings
        self._entries: dict[str, _Entry] = {}

    def _dirs(self) -> tuple[Any, ...]:
        return tuple((d, file_version(d)) for d in default_profile_dirs(self.settings))

    def get(self, name: str) -> PlatformProfile:
        """The platform's profile; crawler.profiles.UnknownPlatform (saying why) when no
        valid file defines it."""
        dirs = self._dirs()
        entry = self._entries.get(name)
        if (
            entry is not None
            and entry.dirs == dirs
            and entry.path is not None
            and file_version(entry.path) == entry.file
        ):
            return entry.profile
        self._entries.pop(name, None)
        profile = find_profile(name, settings=self.settings)
        path = Path(profile.source_file) if profile.source_file else None
        self._entries[name] = _Entry(profile, dirs, path, file_version(path) if path else None)
        return profile
