"""The `history:` section: where report, check and watch runs append the numbers they reported.

Off unless the section names a path: a report should not leave files behind that nobody asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from crmctl.config.problems import Problems

HISTORY_KEYS = ("path",)


@dataclass(frozen=True)
class HistorySpec:
    path: Path  # absolute: relative paths are read against the config file's folder


def parse_history(raw, base: Path, problems: Problems) -> HistorySpec | None:
    if raw is None or problems.typed("history", raw, dict, "a mapping with path: FILE.sqlite") is None:
        return None
    problems.unknown_keys("history", raw, HISTORY_KEYS)
    path = raw.get("path")
    if path is None:
        problems.add("history.path", "missing: name the history file, e.g. path: crmctl-history.sqlite")
        return None
    if problems.typed("history.path", path, str, "a file path") is None:
        return None
    return HistorySpec((base / Path(path).expanduser()).resolve())
