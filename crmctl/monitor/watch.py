"""Re-running a job whenever the config's export files (or the config itself) change.

Changes come from watchfiles (inotify and its kin; polling where the platform has none). A burst of
changes is debounced into one run, and a run starts only once every watched file has kept its size
and modification time for a settle interval: an export still being written is waited for, never read
half-written. A writer that pauses longer than the interval mid-file should write to a temporary name
and rename (docs/monitoring.md). The loop yields one Run per job; callers render them.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import glob
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from crmctl.errors import CrmctlError


@dataclass(frozen=True)
class Bounds:
    """When a watch stops by itself (for scripts and tests); None: never."""
    max_runs: int | None = None
    timeout: float | None = None  # seconds from the start
    settle: float = 1.0  # seconds a file must stay unchanged before it is read
    debounce_ms: int = 500  # changes this close together make one run


@dataclass
class Run:
    number: int
    at: dt.datetime
    trigger: list[str]  # the files whose change started this run; empty for the first
    outcome: object | None = None  # whatever the job returned
    error: str | None = None  # the job's error message (the watch goes on)
    changes: list[dict] = field(default_factory=list)  # cells that differ from the previous good run


def watched(config_path: Path, patterns: list[str]) -> tuple[list[Path], list[str]]:
    """(folders to watch, patterns a changed path must match): each pattern's folder before its first
    glob character, the config's folder; patterns are the dataset paths (absolute, maybe globs)."""
    patterns = [*patterns, str(config_path.resolve())]
    folders = []
    for pattern in patterns:
        folder = Path(pattern)
        while glob.has_magic(str(folder)) or not folder.is_dir():
            if folder.parent == folder:
                break
            folder = folder.parent
        if folder not in folders:
            folders.append(folder)
    return folders, patterns


def matching(changed: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatch(changed, p) or changed == p for p in patterns)


def file_states(patterns: list[str]) -> dict[str, tuple[int, int]]:
    """path → (size, mtime) of every file the patterns match now."""
    found = {}
    for pattern in patterns:
        for name in glob.glob(pattern, recursive=True):
            try:
                info = os.stat(name)
            except OSError:  # renamed away between glob and stat: look again next time
                continue
            found[name] = (info.st_size, info.st_mtime_ns)
    return found


def settled(patterns: list[str], settle: float, deadline: float | None) -> bool:
    """Waits until every file the patterns match has kept (size, mtime) for `settle` seconds; False when
    the deadline came first."""
    last, since = file_states(patterns), time.monotonic()
    while time.monotonic() - since < settle:
        if deadline is not None and time.monotonic() >= deadline:
            return False
        time.sleep(min(0.05, settle / 4))
        now = file_states(patterns)
        if now != last:
            last, since = now, time.monotonic()
    return True


def watch_runs(config_path: Path, patterns_of: Callable[[], list[str]], job: Callable[[], object],
               cells_of: Callable[[object], dict], bounds: Bounds, stop=None) -> Iterator[Run]:
    """Runs `job` once, then after each settled change, until a bound is reached or `stop` is set.
    `patterns_of()` gives the files to watch (read again after each run: the config may have changed);
    `cells_of(outcome)` the numbers compared between runs: key → value."""
    import watchfiles

    started = time.monotonic()
    deadline = started + bounds.timeout if bounds.timeout is not None else None
    number, previous, trigger = 0, None, []
    while True:
        number += 1
        folders, patterns = watched(config_path, _safe(patterns_of))
        before = file_states(patterns)  # the watcher below starts after the run: changes during it count too
        run = _run(number, trigger, job, cells_of, previous)
        previous = cells_of(run.outcome) if run.error is None else previous
        yield run
        if bounds.max_runs is not None and number >= bounds.max_runs:
            return
        folders, patterns = watched(config_path, _safe(patterns_of))
        during = file_states(patterns)
        trigger = sorted(k for k in {*before, *during} if before.get(k) != during.get(k)) or _next_change(
            watchfiles, folders, patterns, bounds, deadline, stop)
        if trigger is None or not settled(patterns, bounds.settle, deadline):
            return


def _safe(patterns_of) -> list[str]:
    try:
        return patterns_of()
    except CrmctlError:  # a broken config: watch the config alone until it is fixed
        return []


def _run(number: int, trigger: list[str], job, cells_of, previous: dict | None) -> Run:
    run = Run(number, dt.datetime.now(dt.timezone.utc), trigger)
    try:
        run.outcome = job()
    except CrmctlError as error:  # a half-fixed export or config: say so and keep watching
        run.error = str(error)
        return run
    if previous is not None:
        run.changes = diff(previous, cells_of(run.outcome))
    return run


def diff(before: dict, after: dict) -> list[dict]:
    """Cells added, removed or changed between two runs: key, before, after (None when absent)."""
    from crmctl.monitor.history import changed_value

    keys = list(dict.fromkeys([*before, *after]))
    return [{"key": k, "before": before.get(k), "after": after.get(k)} for k in keys
            if (k in before) != (k in after) or changed_value(before.get(k), after.get(k))]


def _next_change(watchfiles, folders, patterns, bounds: Bounds, deadline, stop) -> list[str] | None:
    """The changed files of the next burst that touches a watched file; None when time is up or stopped."""
    timeout_ms = 200 if deadline is not None or stop is not None else 5_000
    for changes in watchfiles.watch(*folders, watch_filter=None, debounce=bounds.debounce_ms, step=50,
                                    rust_timeout=timeout_ms, yield_on_timeout=True, stop_event=stop,
                                    recursive=any("**" in p for p in patterns)):
        if (deadline is not None and time.monotonic() >= deadline) or (stop is not None and stop.is_set()):
            return None
        hits = sorted({path for _, path in changes if matching(path, patterns)})
        if hits:
            return hits
    return None
