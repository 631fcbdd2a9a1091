"""Uncertainty on a report's cells for people: value ± margin, small samples dimmed, ▲ ▼ changes.

Data formats carry the exact numbers (ci_low, ci_high, n, p_value, significant); a table shows
what they mean at a glance and says so in footnotes (docs/statistics.md, "In reports").
"""

from __future__ import annotations

import math

from crmctl.render.base import Missed, format_change, format_value

LOW_N = "†"  # a sampled value from fewer than min_n observations: dimmed, and marked for plain text
UP, DOWN = "▲", "▼"  # a change significant at the report's confidence
ANOMALY = "!"  # report --anomalies: outside what the value's own history makes plausible


class Dim(str):
    """A formatted value from too small a sample: dim in a colour terminal, marked † everywhere."""


def _number(value) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def low_n(row: dict, metric, min_n: int) -> bool:
    """A sampled value (the metric takes an interval) from fewer than min_n observations."""
    return metric.interval is not None and _number(row.get("value")) and (row.get("n") or 0) < min_n


def _margin(row: dict, unit: str) -> str:
    """± the larger distance to a bound: intervals such as Wilson's are not symmetric, and the
    margin shown must not understate either side (CSV and JSON carry both bounds)."""
    value, low, high = row.get("value"), row.get("ci_low"), row.get("ci_high")
    if not (_number(value) and _number(low) and _number(high)):
        return ""
    margin = max(value - low, high - value)
    return f" ±{margin * 100:.1f}" if unit == "ratio" else f" ±{format_value(margin, unit)}"


def change_text(row: dict, unit: str) -> str:
    text = format_change(row.get("change"), row.get("change_ratio"), unit)
    if text and row.get("significant"):
        text += " " + (UP if row["change"] > 0 else DOWN)
    return text


def value_cell(row: dict | None, metric, min_n: int, compare: bool = False) -> str:
    """The cell of one value: formatted, ± margin with --ci, change with --compare; Missed for a
    missed target, else Dim (and †) for a small sample."""
    if row is None:
        return format_value(None, metric.unit)
    text = format_value(row.get("value"), metric.unit) + _margin(row, metric.unit)
    small = low_n(row, metric, min_n)
    text += LOW_N if small else ""
    if compare:
        text += change_text(row, metric.unit)
    text += ANOMALY if row.get("anomaly") else ""
    if row.get("target") == "missed":
        return Missed(text)
    return Dim(text) if small else text


def footnotes(result) -> list[str]:
    """What the marks in a table mean; only the marks that occur."""
    rows = result.rows.to_dicts()
    metrics = {m.name: m for m in result.metrics}
    notes = []
    hidden = {r["note"] for r in rows if r.get("value") is None and (r.get("note") or "").startswith("n < ")}
    if hidden:  # --min-n nulled them (report/uncertainty.py, suppress_small)
        notes.append(f"— {' / '.join(sorted(hidden))}: hidden by --min-n, too few observations to rely on "
                     "(-f csv shows n)")
    if any(low_n(r, metrics[r["metric"]], result.min_n) for r in rows if r["metric"] in metrics):
        notes.append(f"{LOW_N} n < {result.min_n}: too few observations to rely on (report.min_n; "
                     f"--min-n {result.min_n} hides them)")
    if "ci_low" in result.rows.columns:
        notes.append(f"± margin of the {result.confidence:.0%} confidence interval (the larger side)")
    if any(r.get("anomaly") for r in rows):
        notes.append(f"{ANOMALY} outside what its history makes plausible (why: anomaly_reason in -f csv|json)")
    margin = result.meta.get("assumed_margin")
    if margin and any(r["metric"] in margin["metrics"] and r["value"] is not None for r in rows):
        titles = [metrics[name].title for name in margin["metrics"] if name in metrics]
        notes.append(f"{', '.join(titles)}: {margin['note']} (the orders have no cost column; "
                     "definitions.gross_margin)")
    if any(r.get("significant") for r in rows):
        notes.append(f"{UP} {DOWN} change significant at {result.confidence:.0%} confidence; "
                     "other changes are within noise")
    return notes
