"""The history store: every number a report, check or watch run reported, in one SQLite file.

Two tables: `runs` (when, which command and config, crmctl version, period length) and `numbers`
(per run: metric, period, segment, value, n). A period's segment is stored as JSON of its --by
values ({"segment": "SMB"}; {} without --by), so runs split differently are different series.
A restatement is a cell (metric × period length × segment × period) whose value differs from the
value the previous run reported for it: a late refund, a re-export, a changed definition.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from crmctl.errors import OutputError, UsageError, did_you_mean
from crmctl.version import __version__

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, command TEXT NOT NULL, config TEXT, crmctl_version TEXT,
    period TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS numbers (
    run INTEGER NOT NULL REFERENCES runs(id), metric TEXT NOT NULL, period_start TEXT, period_end TEXT,
    segment TEXT NOT NULL, value REAL, n INTEGER);
CREATE INDEX IF NOT EXISTS numbers_by_metric ON numbers (metric, segment, period_start);
"""
TOLERANCE = 1e-9  # relative: report values carry 12 significant digits


@dataclass
class Cell:
    """One metric × segment × period as reported over time: (run time, run id, value) oldest first."""
    period_start: dt.date | None
    period_end: dt.date | None
    segment: dict
    reports: list[tuple[str, int, float | None]] = field(default_factory=list)

    @property
    def restatements(self) -> list[tuple[str, float | None, float | None]]:
        """(when, before, after) for each report that changed the value the one before it gave."""
        return [(at, before[2], value) for before, (at, _, value) in zip(self.reports, self.reports[1:])
                if changed_value(before[2], value)]


@dataclass
class History:
    """`crmctl history METRIC`: one record per period × segment, oldest period first (see `records`)."""
    metric: str
    unit: str
    period: str
    records: list[dict]
    restated_only: bool = False  # show only the restated periods (counts still cover all)
    view: ClassVar[str] = "history"


def history_of(path: Path, metric: str, unit: str, period: str | None = None, restated_only: bool = False) -> History:
    length, found = cells(path, metric, period)
    return History(metric, unit, length, records(found), restated_only)


def records(found: list[Cell]) -> list[dict]:
    """Per cell: when it was first and last reported, its values then, and each restatement."""
    out = []
    for cell in found:
        changes = cell.restatements
        (first_at, _, first), (last_at, _, last) = cell.reports[0], cell.reports[-1]
        out.append({
            "period_start": cell.period_start, "period_end": cell.period_end, "segment": cell.segment,
            "first_reported": first_at, "first_value": first, "last_reported": last_at, "last_value": last,
            "reports": len(cell.reports), "restated": len(changes),
            "restatements": [{"at": at, "before": before, "after": after} for at, before, after in changes],
        })
    return out


def record(path: Path, command: str, config_path: Path, period: str, numbers: list[dict],
           at: dt.datetime | None = None) -> int:
    """Appends one run; `numbers`: dicts with metric, period_start, period_end, segment (dict), value, n."""
    at = (at or dt.datetime.now(dt.timezone.utc)).isoformat(timespec="seconds")
    try:
        with closing(_connect(path)) as db, db:
            run = db.execute("INSERT INTO runs (at, command, config, crmctl_version, period) VALUES (?, ?, ?, ?, ?)",
                             (at, command, str(config_path), __version__, period)).lastrowid
            db.executemany("INSERT INTO numbers VALUES (?, ?, ?, ?, ?, ?, ?)", [
                (run, n["metric"], _day(n["period_start"]), _day(n["period_end"]),
                 json.dumps(n["segment"], sort_keys=True, default=str), _finite(n["value"]), n.get("n"))
                for n in numbers])
    except sqlite3.Error as error:
        raise OutputError(f"history.path {path}: cannot write the history: {error}; check the file is a crmctl "
                          "history (SQLite) and its folder is writable") from None
    return run


def cells(path: Path, metric: str, period: str | None = None) -> tuple[str, list[Cell]]:
    """(period length, cells) of one metric: the period length asked for, else the latest run's."""
    if not path.exists():
        raise UsageError(f"history.path {path}: no history yet; runs of report, check or watch write it")
    try:
        with closing(_connect(path)) as db:
            known = [r[0] for r in db.execute("SELECT DISTINCT metric FROM numbers ORDER BY metric")]
            if metric not in known:
                raise UsageError(f"{path}: no history of {metric!r}{did_you_mean(metric, known)} "
                                 f"(recorded: {', '.join(known) or 'nothing yet'})")
            period = period or db.execute(
                "SELECT runs.period FROM numbers JOIN runs ON runs.id = numbers.run WHERE metric = ? "
                "ORDER BY runs.id DESC LIMIT 1", (metric,)).fetchone()[0]
            rows = db.execute(
                "SELECT numbers.period_start, numbers.period_end, segment, runs.at, runs.id, value FROM numbers "
                "JOIN runs ON runs.id = numbers.run WHERE metric = ? AND runs.period = ? "
                "ORDER BY segment, numbers.period_start, runs.id", (metric, period)).fetchall()
    except sqlite3.Error as error:
        raise UsageError(f"history.path {path}: cannot read the history: {error}") from None
    found: dict[tuple, Cell] = {}
    for start, end, segment, at, run, value in rows:
        cell = found.setdefault((segment, start), Cell(_date(start), _date(end), json.loads(segment)))
        cell.period_end = _date(end) or cell.period_end
        cell.reports.append((at, run, value))
    return period, list(found.values())


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=10)  # a cron report and a watch may write at the same moment
    db.executescript(SCHEMA)
    return db


def changed_value(before: float | None, after: float | None) -> bool:
    if before is None or after is None:
        return (before is None) != (after is None)
    return abs(after - before) > TOLERANCE * max(1.0, abs(before), abs(after))


def _finite(value) -> float | None:
    return None if value is None or (isinstance(value, float) and not math.isfinite(value)) else float(value)


def _day(value) -> str | None:
    return value.isoformat() if value is not None else None


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def record_report(config, command: str, result) -> int | None:
    """Appends a report's rows when the config has a history: section; None when it has none."""
    if config.history is None:
        return None
    numbers = [{"metric": r["metric"], "period_start": r["period_start"], "period_end": r["period_end"],
                "segment": {b: r[b] for b in result.by}, "value": r["value"], "n": r["n"]}
               for r in result.rows.iter_rows(named=True)]
    return record(config.history.path, command, config.path, result.period, numbers)


def record_check(config, outcome, anomalies=None) -> int | None:
    """Appends the values a check judged (one period: its targets' and, with --anomalies, the watched
    metrics') when the config has a history: section."""
    if config.history is None:
        return None
    judged = [*outcome.verdicts, *(anomalies.values if anomalies else [])]
    start = outcome.period_start or (anomalies.period_start if anomalies else None)
    end = outcome.period_end or (anomalies.period_end if anomalies else None)
    unique = {(v["metric"], json.dumps(v["segment"], sort_keys=True, default=str)): v for v in judged}
    numbers = [{"metric": v["metric"], "period_start": start, "period_end": end, "segment": v["segment"],
                "value": v["value"], "n": v.get("n")} for v in unique.values()]
    return record(config.history.path, "check", config.path, config.report.period, numbers)
