"""The at-risk signals as of a day, one function per signal, from the datasets themselves.

Each returns one row per customer it has data for: `customer_id`, the signal's number(s), `fires_<signal>`
(a boolean) and `reason_<signal>` (the plain-language evidence, null when it does not fire). "As of D"
means events before the end of day D (`end` = midnight after D); nothing later is read, so the same
code serves the backtest. Thresholds come from config `risk.thresholds` (config/risk.py).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from crmctl.domain.timeline import day_end


def number(expr: pl.Expr) -> pl.Expr:
    """A number as a reason shows it: whole numbers without decimals, others to one decimal."""
    return pl.when(expr == expr.round(0)).then(expr.round(0).cast(pl.Int64).cast(pl.String)) \
        .otherwise(expr.round(1).cast(pl.String))


def _plural(count: pl.Expr, one: str, many: str) -> pl.Expr:
    return pl.format("{} {}", count, pl.when(count == 1).then(pl.lit(one)).otherwise(pl.lit(many)))


def _signal(frame: pl.DataFrame, name: str, fires: pl.Expr, reason: pl.Expr, values: list[str]) -> pl.DataFrame:
    fires = fires.fill_null(False)
    return frame.select("customer_id", *values, fires.alias(f"fires_{name}"),
                        pl.when(fires).then(reason).alias(f"reason_{name}"))


def order_gap(orders: pl.DataFrame, as_of: dt.date, t) -> pl.DataFrame:
    """days_since_order vs median_gap_days, the median of the gaps between a customer's purchase days."""
    day = pl.col("ordered_at").dt.date()
    days = orders.filter((pl.col("ordered_at") < day_end(as_of)) & pl.col("customer_id").is_not_null()) \
        .select("customer_id", day=day).unique().sort("customer_id", "day")
    gaps = days.with_columns(gap=(pl.col("day") - pl.col("day").shift(1).over("customer_id")).dt.total_days())
    rows = gaps.group_by("customer_id").agg(last=pl.col("day").max(), median_gap_days=pl.col("gap").median())
    rows = rows.with_columns(days_since_order=(pl.lit(as_of) - pl.col("last")).dt.total_days())
    since, median = pl.col("days_since_order"), pl.col("median_gap_days")
    fires = (since > t["gap_multiple"] * median) & (since > t["gap_min_days"])
    reason = pl.format("no order for {} days; usually orders every {} days (median gap)", since, number(median))
    return _signal(rows, "order_gap", fires, reason, ["days_since_order", "median_gap_days"])


def p_alive(predicted: pl.DataFrame, t) -> pl.DataFrame:
    fires = pl.col("p_alive") < t["p_alive_below"]
    reason = pl.format("P(alive) {}", pl.col("p_alive").round(2).cast(pl.String))
    return _signal(predicted, "p_alive", fires, reason, ["p_alive"])


def nps(surveys: pl.DataFrame, as_of: dt.date, t) -> pl.DataFrame:
    """The latest NPS response on or before the day."""
    rows = surveys.filter((pl.col("type") == "nps") & (pl.col("responded_at") < day_end(as_of))
                          & pl.col("score").is_not_null() & pl.col("customer_id").is_not_null())
    rows = rows.sort("responded_at").group_by("customer_id").agg(nps_score=pl.col("score").last(),
                                                                  nps_at=pl.col("responded_at").last().dt.date())
    score = pl.col("nps_score")
    reason = pl.format("NPS {} on {} (detractor)", number(score), pl.col("nps_at").cast(pl.String))
    return _signal(rows, "nps", score <= t["nps_max"], reason, ["nps_score", "nps_at"])


def _breached(columns: list[str], end: dt.datetime) -> pl.Expr:
    """Past its SLA as of `end`: due before then and not resolved by the due time. The due date is preferred
    to the export's breached flag, which may have been set after the as-of day."""
    if "sla_due_at" in columns:
        due = pl.col("sla_due_at")
        resolved = pl.col("resolved_at") if "resolved_at" in columns else pl.lit(None, pl.Datetime("us"))
        return (due < end) & (resolved.is_null() | (resolved > due))
    if "sla_breached" in columns:
        return pl.col("sla_breached").fill_null(False)
    return pl.lit(False)


def tickets(frame: pl.DataFrame, as_of: dt.date, t) -> pl.DataFrame:
    """Tickets created in the last `tickets_days` days up to the day, how many reopened and past their SLA."""
    end = day_end(as_of)
    days = int(t["tickets_days"])
    recent = frame.filter((pl.col("created_at") >= end - dt.timedelta(days=days)) & (pl.col("created_at") < end)
                          & pl.col("customer_id").is_not_null())
    reopened = (pl.col("reopens") > 0) if "reopens" in frame.columns else pl.lit(False)
    rows = recent.group_by("customer_id").agg(
        tickets_recent=pl.len().cast(pl.Int64), tickets_reopened=reopened.fill_null(False).sum().cast(pl.Int64),
        tickets_sla_breached=_breached(frame.columns, end).fill_null(False).sum().cast(pl.Int64))
    count, again, late = pl.col("tickets_recent"), pl.col("tickets_reopened"), pl.col("tickets_sla_breached")
    reason = pl.concat_str(
        pl.format("{} in {} days", _plural(count, "ticket", "tickets"), pl.lit(days)),
        pl.when(again > 0).then(pl.format(", {} reopened", again)).otherwise(pl.lit("")),
        pl.when(late > 0).then(pl.format(", {}", _plural(late, "SLA breach", "SLA breaches"))).otherwise(pl.lit("")))
    fires = (count >= t["tickets_min"]) | (again > 0) | (late > 0)
    return _signal(rows, "tickets", fires, reason, ["tickets_recent", "tickets_reopened", "tickets_sla_breached"])


def engagement(interactions: pl.DataFrame, as_of: dt.date, t) -> pl.DataFrame:
    """Interactions in the last N days against the N days before: engagement_change = recent ÷ previous − 1."""
    end = day_end(as_of)
    span = dt.timedelta(days=int(t["engagement_days"]))
    at = pl.col("occurred_at")
    rows = interactions.filter((at >= end - 2 * span) & (at < end) & pl.col("customer_id").is_not_null()) \
        .group_by("customer_id").agg(engagement_recent=(at >= end - span).sum().cast(pl.Int64),
                                     engagement_previous=(at < end - span).sum().cast(pl.Int64))
    previous = pl.col("engagement_previous")
    rows = rows.with_columns(engagement_change=pl.when(previous > 0)
                             .then(pl.col("engagement_recent") / previous - 1))
    change = pl.col("engagement_change")
    reason = pl.format("engagement down {}% on the previous {} days ({}, {} before)", number(-change * 100),
                       pl.lit(span.days), _plural(pl.col("engagement_recent"), "interaction", "interactions"), previous)
    fires = (change <= -t["engagement_drop"]) & (previous >= t["engagement_min_previous"])
    return _signal(rows, "engagement", fires, reason,
                   ["engagement_recent", "engagement_previous", "engagement_change"])


def running(subscriptions: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """Subscriptions running at the end of the day (started by then, not ended by then)."""
    end = day_end(as_of)
    ended = pl.col("ended_at") if "ended_at" in subscriptions.columns else pl.lit(None, pl.Datetime("us"))
    return subscriptions.filter((pl.col("started_at") < end) & (ended.is_null() | (ended >= end))
                                & pl.col("customer_id").is_not_null())


def term_end(subscriptions: pl.DataFrame, as_of: dt.date, t) -> pl.DataFrame:
    """A running subscription whose term ends within `term_days` days after the day and is not renewed:
    `renewed` is not true when mapped; otherwise no later subscription of the customer started by the day."""
    started = subscriptions.filter(pl.col("started_at") < day_end(as_of))
    latest_start = started.group_by("customer_id").agg(_latest=pl.col("started_at").max())
    rows = running(subscriptions, as_of).join(latest_start, on="customer_id", how="left")
    renewed = (pl.col("renewed").fill_null(False) if "renewed" in rows.columns
               else pl.col("started_at") < pl.col("_latest"))
    term_day = pl.col("term_end_at").dt.date()
    rows = rows.filter(pl.col("term_end_at").is_not_null() & ~renewed & (term_day > as_of)) \
        .group_by("customer_id").agg(term_end_at=term_day.min())
    rows = rows.with_columns(term_end_days=(pl.col("term_end_at") - pl.lit(as_of)).dt.total_days())
    reason = pl.format("subscription term ends {}, not renewed", pl.col("term_end_at").cast(pl.String))
    return _signal(rows, "term_end", pl.col("term_end_days") <= t["term_days"], reason,
                   ["term_end_at", "term_end_days"])


def mrr_contraction(subscriptions: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """The latest subscription's MRR (by start, started by the day) below the one before it."""
    rows = subscriptions.filter((pl.col("started_at") < day_end(as_of)) & pl.col("mrr").is_not_null()
                                & pl.col("customer_id").is_not_null())
    rows = rows.sort("started_at", "subscription_id").group_by("customer_id").agg(
        mrr_latest=pl.col("mrr").last(), mrr_previous=pl.col("mrr").slice(-2, 1).first(), _n=pl.len())
    rows = rows.with_columns(mrr_change=pl.when(pl.col("_n") > 1).then(pl.col("mrr_latest") - pl.col("mrr_previous")))
    reason = pl.format("MRR contracted from {} to {}", number(pl.col("mrr_previous")), number(pl.col("mrr_latest")))
    return _signal(rows, "mrr_contraction", pl.col("mrr_change") < 0, reason, ["mrr_change"])


def current_mrr(subscriptions: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    return running(subscriptions, as_of).group_by("customer_id").agg(mrr=pl.col("mrr").sum())
