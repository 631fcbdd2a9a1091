"""The turned report table, laid out as a financial statement: metrics as rows, periods as columns.

It is what a table turns into when the metrics do not fit as columns. On a terminal it keeps the most
recent periods that fit and says how many earlier ones it left out; a trend column shows the whole
window as a sparkline and the last change.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.cells import cell_len

from crmctl.render.base import header, period_label, segment_label
from crmctl.render.marks import change_text, value_cell
from crmctl.render.sparkline import Change, trend_text

CORNER = "metric"
TREND = "trend"
CHANGE = "  change"  # the line under a metric with --compare


@dataclass
class Line:
    header: str
    cells: list[str]  # one per label; Missed marks a missed target
    spark: str = ""
    change: Change | None = None

    @property
    def trend(self) -> str:
        return f"{self.spark} {self.change.text}" if self.change else self.spark


@dataclass
class Statement:
    title: str  # "region: APAC", or "" without --by
    labels: list[str]  # column labels, oldest first: periods, or segments for a one-period report
    lines: list[Line] = field(default_factory=list)
    has_trend: bool = True
    omitted: int = 0  # earlier labels left out to fit the width

    def keep_last(self, count: int) -> "Statement":
        dropped = len(self.labels) - count
        lines = [Line(x.header, x.cells[dropped:], x.spark, x.change) for x in self.lines]
        return Statement(self.title, self.labels[dropped:], lines, self.has_trend, self.omitted + dropped)

    def widths(self) -> list[int]:
        """Natural width of each column: the metric titles, each label, the trend."""
        columns = [[CORNER, *(x.header for x in self.lines)]]
        columns += [[label, *(x.cells[i] for x in self.lines)] for i, label in enumerate(self.labels)]
        if self.has_trend:
            columns.append([TREND, *(x.trend for x in self.lines)])
        return [max(cell_len(c) for c in column) for column in columns]


def table_width(widths: list[int], boxed: bool) -> int:
    """Characters a table needs: Rich's box puts ' │ ' between columns; plain text puts two spaces."""
    return sum(widths) + (3 * len(widths) + 1 if boxed else 2 * (len(widths) - 1))


def statements(result, currency: str | None) -> list[Statement]:
    """One statement per segment; a one-period report by segment is one statement with a column each."""
    rows = result.rows.to_dicts()
    by = result.by
    labels = sorted({(r["period_start"], r["period_end"]) for r in rows}, key=lambda p: (p[0] is None, p[0]))
    if len(labels) == 1 and by:
        segments = list(dict.fromkeys(tuple(segment_label(r[b]) for b in by) for r in rows))
        key = lambda r: ", ".join(segment_label(r[b]) for b in by)  # noqa: E731
        return [_statement(result, rows, "", [", ".join(s) for s in segments], key, currency, trend=False)]
    out = []
    text = [period_label(start, end, result.period) for start, end in labels]
    for segment in dict.fromkeys(tuple(segment_label(r[b]) for b in by) for r in rows):
        mine = [r for r in rows if tuple(segment_label(r[b]) for b in by) == segment]
        title = ", ".join(f"{b}: {v}" for b, v in zip(by, segment))
        key = lambda r: period_label(r["period_start"], r["period_end"], result.period)  # noqa: E731
        out.append(_statement(result, mine, title, text, key, currency, trend=len(text) > 1))
    return out


def _statement(result, rows, title, labels, key, currency, trend: bool) -> Statement:
    values: dict[tuple[str, str], dict] = {(r["metric"], key(r)): r for r in rows}
    statement = Statement(title, labels, has_trend=trend)
    for metric in result.metrics:
        cells, series = [], []
        for label in labels:
            row = values.get((metric.name, label))
            value = row["value"] if row else None
            cells.append(value_cell(row, metric, result.min_n))
            series.append(value)
        spark, change = trend_text(series, metric.unit, metric.higher_is_better) if trend else ("", None)
        statement.lines.append(Line(header(metric, currency), cells, spark, change))
        if "change" in result.rows.columns:  # --compare: each period's change on a line of its own
            statement.lines.append(Line(CHANGE, [_change(values.get((metric.name, label)), metric.unit)
                                                 for label in labels]))
    return statement


def _change(row: dict | None, unit: str) -> str:
    """The change against the --compare period, as the pipe's wide table shows it, without brackets."""
    text = change_text(row, unit).strip() if row else ""
    return text.replace("(", "").replace(")", "")


def fit(statement: Statement, width: int, boxed: bool = True) -> Statement:
    """The statement with the most recent labels that fit in `width` (at least one)."""
    for count in range(len(statement.labels), 1, -1):
        kept = statement.keep_last(count)
        if table_width(kept.widths(), boxed) <= width:
            return kept
    return statement.keep_last(min(1, len(statement.labels)))


def omitted_note(statement: Statement) -> str:
    if not statement.omitted:
        return ""
    plural = "s" if statement.omitted != 1 else ""
    what = (f"{statement.omitted} earlier period{plural} not shown (the trend covers them)" if statement.has_trend
            else f"{statement.omitted} segment{plural} not shown")
    return f"{what}: widen the terminal, shorten the window with --last, or use --format csv or html"
