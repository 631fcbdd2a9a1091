"""Trends in one line of text: a unicode sparkline and the last change, judged by higher_is_better.

Definitions (docs/html.md, "Tables that fit"):
- sparkline: one bar per period, oldest first. A value v in a series with smallest lo and largest hi
  gets bar round((v − lo) ÷ (hi − lo) × 7) of ▁▂▃▄▅▆▇█; a series whose values are all equal is a row
  of ▄ (level, not "at the minimum"); a missing value is a space, so a gap looks like a gap.
- last change: the latest value against the one before it: in percentage points for ratios; as a
  difference for scores (NPS runs from −100 to 100, so "−540%" would say nothing) and whenever the
  earlier value is 0 or negative; as a relative change (%) for counts, money and durations. None
  when either value is missing, never a fake 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

BARS = "▁▂▃▄▅▆▇█"
LEVEL = "▄"


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and (math.isnan(value) or math.isinf(value)))


def sparkline(values) -> str:
    known = [v for v in values if not _missing(v)]
    if not known:
        return " " * len(values)
    low, high = min(known), max(known)
    if high == low:
        return "".join(" " if _missing(v) else LEVEL for v in values)
    span = high - low
    # int(x + 0.5) rounds halves up, so the bars do not depend on banker's rounding.
    return "".join(" " if _missing(v) else BARS[int((v - low) / span * (len(BARS) - 1) + 0.5)] for v in values)


@dataclass(frozen=True)
class Change:
    text: str  # "+4.2%" or "-1.3 pp"
    verdict: str  # "good", "bad" or "neutral" (no direction is better, or no change)


def last_change(values, unit: str, higher_is_better: bool | None) -> Change | None:
    if len(values) < 2 or _missing(values[-1]) or _missing(values[-2]):
        return None
    before, now = values[-2], values[-1]
    if unit == "ratio":
        text = f"{(now - before) * 100:+.1f} pp"
    elif unit == "score" or before <= 0:
        text = f"{now - before:+,.1f}"
    else:
        text = f"{(now / before - 1) * 100:+.1f}%"
    if now == before or higher_is_better is None:
        verdict = "neutral"
    else:
        verdict = "good" if (now > before) == higher_is_better else "bad"
    return Change(text, verdict)


def trend_text(values, unit: str, higher_is_better: bool | None, limit: int = 24) -> tuple[str, Change | None]:
    """The sparkline of the last `limit` periods (a daily year would be 365 bars) and the last change."""
    return sparkline(list(values)[-limit:]), last_change(list(values), unit, higher_is_better)
