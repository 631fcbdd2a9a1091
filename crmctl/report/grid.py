"""A metric's result laid on the report's grid: every period × every segment seen, empty periods as 0 or
null by the data's span, and each row's value, period_end and a note saying why a value is missing."""

from __future__ import annotations

import datetime as dt

import polars as pl

from crmctl.context.frames import ReportContext
from crmctl.metrics.metric import Metric


def period_grid(ctx: ReportContext, results) -> pl.DataFrame:
    """Every period from the data's first (or the window's) to the window's end × every segment seen."""
    if ctx.window is None:
        starts = []
    elif ctx.calendar.period == "all":
        starts = [ctx.window.start]
    else:
        starts = _period_starts(ctx, results)
    periods = pl.DataFrame({"period_start": starts}, schema={"period_start": pl.Date})
    if not ctx.by:
        return periods
    seen = [r.select(ctx.by) for r in results]
    customers = ctx.datasets.get("customers")
    if customers is not None and set(ctx.by) <= set(customers.frame.columns):  # segments without activity too
        seen.append(ctx.datasets["customers"].frame.select(ctx.by))
    if not seen:
        return periods.with_columns(pl.lit(None, pl.String).alias(b) for b in ctx.by).head(0)
    segments = pl.concat(seen, how="diagonal_relaxed").unique()
    return periods.join(segments, how="cross")


def _period_starts(ctx: ReportContext, results) -> list[dt.date]:
    firsts = [r["period_start"].min() for r in results if r.height]
    first = min([ctx.window.start, *firsts])
    return ctx.calendar.starts(first, ctx.window.end)


def timeless(frame: pl.DataFrame) -> bool:
    """A snapshot result: rows without a period (a status flag with no dates)."""
    return frame.height > 0 and frame["period_start"].null_count() == frame.height


def fill(ctx: ReportContext, grid: pl.DataFrame, metric: Metric, frame: pl.DataFrame) -> pl.DataFrame:
    """Empty periods become rows: 0 for sums and counts inside the data's span, else null."""
    if timeless(frame):
        return frame
    joined = grid.join(frame, on=ctx.keys, how="left", nulls_equal=True)
    # Activity metrics are bounded by the activity model's span ("activity"), others by their dataset's.
    span = ctx.spans.get(metric.dataset)
    if not metric.additive or span is None:
        return joined
    if ctx.calendar.period == "all":
        first = last = ctx.window.start
    else:
        first, last = ctx.calendar.start_of(span[0]), ctx.calendar.start_of(span[1])
    inside = pl.col("period_start").is_between(first, last) & pl.col("n").is_null()
    return joined.with_columns(
        numerator=pl.when(inside).then(0.0).otherwise("numerator"),
        n=pl.when(inside).then(0).otherwise("n"),
    )


def finish(ctx: ReportContext, metric: Metric, frame: pl.DataFrame) -> pl.DataFrame:
    """Adds value, period_end and a note that says why a value is null.

    Numerators and denominators are rounded to 12 significant digits first, so that the float noise
    of a sum (which depends on the order Polars adds in) never reaches the metrics derived from it:
    a growth of 48064.2799999 instead of 48064.28."""
    frame = frame.with_columns(pl.col(c).round_sig_figs(12) for c in ("numerator", "denominator") if c in frame.columns)
    num, den = pl.col("numerator"), pl.col("denominator")
    if metric.kind == "total":
        value, den = num, pl.lit(None, pl.Float64)
        reason = pl.when(num.is_null()).then(pl.lit("no data for this period"))
    else:
        value = pl.when(den != 0).then(num / den * metric.scale)
        reason = pl.when(den.is_null() | (den == 0)).then(pl.lit(f"no {metric.denominator}"))
    if metric.excluded:
        excluded = pl.col("excluded")
        reason = reason.when(excluded > 0).then(pl.concat_str(excluded.cast(pl.String), pl.lit(" " + metric.excluded)))
    if ctx.calendar.period == "all":
        end = pl.when(pl.col("period_start").is_not_null()).then(pl.lit(ctx.window.end if ctx.window else None))
    else:
        end = ctx.calendar.end_of(pl.col("period_start"))
    return frame.with_columns(value=value, denominator=den, period_end=end, note=reason, n=pl.col("n").fill_null(0))
