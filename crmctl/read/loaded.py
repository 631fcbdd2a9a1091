"""What reading a dataset gives: the typed frame and the account of its rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl


@dataclass
class FieldIssue:
    """Values of one field that did not convert: how many, and the first few with their rows."""

    count: int = 0
    examples: list[tuple[str, int, str]] = field(default_factory=list)  # (file, row, value)

    def describe(self) -> str:
        shown = "; ".join(f"{Path(f).name} row {r}: {v!r}" for f, r, v in self.examples)
        return f"{self.count} invalid ({shown})"


@dataclass(frozen=True)
class Pushed:
    """What a window pushed into a database read left out: the rows left in the database, and whether any of
    them has a plausible date before or after the window (report/pushdown.py reads the dataset whole when
    the data's first or last day could then move)."""

    where: str
    rows_left: int
    earlier: bool
    later: bool


@dataclass
class Loaded:
    name: str
    frame: pl.DataFrame
    files: list[Path]
    rows_read: int = 0
    rows_used: int = 0  # rows kept; a wide survey row may then become several responses
    rows_filtered: int = 0
    rows_skipped: int = 0
    skipped_because: dict[str, int] = field(default_factory=dict)  # reason -> rows
    invalid: dict[str, FieldIssue] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # shown on stderr by the CLI
    quality: pl.DataFrame | None = None  # per-row quality (quality.py), when data-quality metrics ask
    # The aggregated road (aggregate.py): the rows are not held (frame is empty), only the report's group_bys
    # by name, and each extent field's first and last plausible value among the kept rows.
    aggregates: dict[str, pl.DataFrame] | None = None
    extents: dict[str, tuple] = field(default_factory=dict)
    pushed: Pushed | None = None  # what a window pushed into a database read left in the database
    # Beside the aggregates, the kept rows of the few fields the activity model reads (context/activity.py:
    # narrow_source), held as the held road holds them, in file order.
    narrow: pl.DataFrame | None = None

    def account_warnings(self) -> list[str]:
        """What a reader must be told about the rows: warnings, skipped rows, invalid values (file and row)."""
        out = [f"{self.name}: {warning}" for warning in self.warnings]
        if self.rows_skipped:
            reasons = ", ".join(f"{n} {why}" for why, n in self.skipped_because.items())
            out.append(f"{self.name}: {self.rows_skipped} of {self.rows_read} rows skipped ({reasons})")
        out += [f"{self.name}.{fieldname}: {issue.describe()}" for fieldname, issue in self.invalid.items()]
        return out
