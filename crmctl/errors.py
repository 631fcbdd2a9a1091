"""Error types and exit codes: the one place that says how a failure ends a run."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    TARGET_MISSED = 1  # `check`: like diff and grep, 1 means "ran fine, answer is no"
    USAGE = 2  # Typer's own code for bad options
    CONFIG = 3  # includes a config whose YAML aliases expand past config.yaml_reader.MAX_VALUES
    # Includes a row with more fields than its header, a report or check with no data in its window
    # (report --allow-empty: 0) and a `check --period-end` outside the data: cron must see an empty answer.
    DATA = 4
    OUTPUT = 5
    INTERRUPTED = 130


class CrmctlError(Exception):
    """A user-facing failure: the message says what is wrong and how to fix it."""

    exit_code = ExitCode.DATA

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.problems = problems or []

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        return "\n".join([self.message, *(f"  - {p}" for p in self.problems)])


class UsageError(CrmctlError):
    exit_code = ExitCode.USAGE


class ConfigError(CrmctlError):
    exit_code = ExitCode.CONFIG


class DataError(CrmctlError):
    exit_code = ExitCode.DATA


class OutputError(CrmctlError):
    exit_code = ExitCode.OUTPUT


def closest(name: str, candidates) -> str | None:
    """The candidate most like `name`, for "did you mean" hints; None when nothing is close."""
    import difflib

    options = list(candidates)
    folded = {c.strip().casefold(): c for c in options}
    if name.strip().casefold() in folded:
        return folded[name.strip().casefold()]
    match = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    if match:
        return match[0]
    # Renamed export columns often grow or lose a word: "Amount" → "Total Amount".
    key = name.strip().casefold()
    containing = [c for c in options if key and (key in c.casefold() or c.strip().casefold() in key) and c.strip()]
    if containing:
        return min(containing, key=len)
    # … or keep a telling word: "Total Amount" → "Amount (USD)".
    import re

    def words(text: str) -> set[str]:
        return {w for w in re.findall(r"[a-z0-9]+", text.casefold()) if len(w) > 2}

    shared = [(len(words(name) & words(c)), -len(c), c) for c in options if words(name) & words(c)]
    return max(shared)[2] if shared else None


def did_you_mean(name: str, candidates) -> str:
    match = closest(name, candidates)
    return f' (did you mean "{match}"?)' if match else ""
