"""Customer service: ticket volume, first contact resolution, resolution and response times, backlog.

Durations are hours between timestamps on the same (local) clock. A ticket resolved before it was
created has a negative duration: it is left out of time metrics and counted in the row's note.
"""

from __future__ import annotations

import polars as pl

from crmctl.context.activity import FOREVER
from crmctl.metrics.metric import Metric

NEGATIVE = "tickets with a resolution before creation excluded"
RESOLVED = ("tickets.created_at", "tickets.resolved_at")


def _hours(end: str, start: str = "created_at") -> pl.Expr:
    return (pl.col(end) - pl.col(start)).dt.total_seconds() / 3600


def _volume_aggregates(ctx) -> dict[str, pl.Expr]:
    return {"_tickets": pl.len()}


def _volume(ctx) -> pl.LazyFrame:
    return ctx.aggregate("tickets", None, _volume_aggregates(ctx)).select(*ctx.keys, numerator="_tickets", n="_tickets")


def _kept(end: str) -> pl.Expr:
    """The non-negative durations, the others null: aggregations skip nulls, and when/then is several times
    faster than a filter inside a streaming group_by (read/aggregate.py)."""
    hours = _hours(end)
    return pl.when(hours >= 0).then(hours)


def _mean(end: str) -> tuple[dict, dict]:
    """The aggregations of a mean duration, and which of them are the plan's columns."""
    kept = _kept(end)
    return ({f"_{end}_sum": kept.sum(), f"_{end}_count": kept.count(), f"_{end}_sd": kept.std()},
            {"numerator": f"_{end}_sum", "denominator": f"_{end}_count", "sd": f"_{end}_sd"})


def _quantile(q: float):
    def summary(end: str) -> tuple[dict, dict]:
        # `values`: the sorted sample, for the order-statistic interval of `--ci`; the median and the p90
        # share it.
        kept = _kept(end)
        return ({f"_{end}_q{q}": kept.quantile(q, interpolation="linear"), f"_{end}_sorted": kept.drop_nulls().sort()},
                {"numerator": f"_{end}_q{q}", "values": f"_{end}_sorted"})

    return summary


def _duration_aggregates(end: str, summary) -> dict[str, pl.Expr]:
    """Tickets whose `end` timestamp falls in P, summarised over their non-negative durations."""
    valid = _hours(end) >= 0
    return {**summary(end)[0], f"_{end}_n": valid.sum(), f"_{end}_excluded": (~valid).sum()}


def _durations(ctx, end: str, summary) -> pl.LazyFrame:
    columns = {name: pl.col(source) for name, source in summary(end)[1].items()}
    return ctx.aggregate("tickets", end, _duration_aggregates(end, summary)).select(
        *ctx.keys, **columns, n=f"_{end}_n", excluded=f"_{end}_excluded")


def _first_contact_aggregates(ctx) -> dict[str, pl.Expr]:
    """Resolved on first contact: the flag when mapped, else fewer than two agent replies (Zendesk Explore's
    one-touch tickets), or exactly one with `fcr_zero_contacts: exclude`."""
    names = ctx.columns("tickets")
    if "first_contact_resolved" in names:
        first = pl.col("first_contact_resolved")
        counted = first.is_not_null()
    else:
        contacts = pl.col("contacts")
        zero_counts = ctx.knob("fcr_zero_contacts") == "count"
        first = (contacts <= 1) if zero_counts else (contacts == 1)
        counted = contacts.is_not_null() & ((contacts > 0) | zero_counts)
    return {"_fcr_first": (first & counted).sum(), "_fcr_counted": counted.sum(), "_fcr_excluded": (~counted).sum()}


def _first_contact(ctx) -> pl.LazyFrame:
    return ctx.aggregate("tickets", "resolved_at", _first_contact_aggregates(ctx)).select(
        *ctx.keys, numerator="_fcr_first", denominator="_fcr_counted", n="_fcr_counted", excluded="_fcr_excluded")


def _backlog(ctx) -> pl.LazyFrame:
    """Tickets open at the end of P: created before it and not resolved by then. The tickets carry the
    customers' --by columns looked up once per report (ctx.joined), not joined in this plan."""
    tickets = ctx.joined("tickets")
    ends = ctx.bounds().select("period_start", "_to")
    resolved = pl.col("resolved_at").fill_null(FOREVER)
    open_then = tickets.with_columns(_resolved=resolved).join_where(
        ends, pl.col("created_at") < pl.col("_to"), pl.col("_resolved") >= pl.col("_to"))
    return open_then.group_by(ctx.keys).agg(numerator=pl.len(), n=pl.len())


def _reopen_aggregates(ctx) -> dict[str, pl.Expr]:
    return {"_reopened": (pl.col("reopens") > 0).sum(), "_reopens_counted": pl.col("reopens").is_not_null().sum(),
            "_resolved": pl.len()}


def _reopen(ctx) -> pl.LazyFrame:
    return ctx.aggregate("tickets", "resolved_at", _reopen_aggregates(ctx)).select(
        *ctx.keys, numerator="_reopened", denominator="_reopens_counted", n="_resolved")


def _time_metric(name, title, end, summary, description, numerator, denominator="", kind="ratio", q=0.5) -> Metric:
    return Metric(
        name=name, title=title, family="service", unit="hours", higher_is_better=False, kind=kind,
        interval="mean" if kind == "ratio" else "quantile", quantile=q,
        requires=("tickets.created_at", f"tickets.{end}"), time_field=end, numerator=numerator,
        denominator=denominator, excluded=NEGATIVE, description=description,
        plan=lambda ctx: _durations(ctx, end, summary), aggregates=lambda ctx: _duration_aggregates(end, summary),
    )


METRICS = (
    Metric(
        name="ticket_volume", title="Tickets", family="service", unit="count", kind="total", additive=True,
        higher_is_better=None, requires=("tickets.ticket_id", "tickets.created_at"), plan=_volume,
        aggregates=_volume_aggregates,
        numerator="tickets created in the period", description="Tickets created in the period.",
    ),
    Metric(
        name="first_contact_resolution", title="First contact resolution", family="service", unit="ratio",
        interval="wilson",
        requires=("tickets.resolved_at", "tickets.first_contact_resolved|contacts"), time_field="resolved_at",
        plan=_first_contact, aggregates=_first_contact_aggregates, numerator="tickets resolved on first contact",
        denominator="tickets resolved in the period", excluded="tickets without a contact count excluded",
        description="Tickets resolved in the period on first contact ÷ tickets resolved in the period. First "
                    "contact: the `first_contact_resolved` flag when mapped; else a `contacts` (agent replies) "
                    "count below 2, zero included: Zendesk Explore's one-touch tickets (`VALUE(Agent replies) < 2`). "
                    "With `fcr_zero_contacts: exclude`, only exactly one reply is one-touch and tickets solved with "
                    "no reply are left out of both sides. Tickets with no count are left out. Unresolved tickets "
                    "are not in any period.",
    ),
    _time_metric("avg_resolution_time", "Avg resolution time", "resolved_at", _mean,
                 "Mean hours from creation to resolution of tickets resolved in the period. Unresolved tickets "
                 "are not counted; negative durations are excluded and counted.",
                 "hours to resolution", "tickets resolved in the period"),
    _time_metric("median_resolution_time", "Median resolution time", "resolved_at", _quantile(0.5),
                 "Median hours from creation to resolution of tickets resolved in the period.",
                 "median hours to resolution", kind="total", q=0.5),
    _time_metric("p90_resolution_time", "P90 resolution time", "resolved_at", _quantile(0.9),
                 "90th percentile (linear interpolation) of hours from creation to resolution of tickets resolved "
                 "in the period.", "90th percentile of hours to resolution", kind="total", q=0.9),
    _time_metric("first_response_time", "First response time", "first_response_at", _mean,
                 "Mean hours from creation to the first agent response, for tickets first answered in the period.",
                 "hours to first response", "tickets first answered in the period"),
    Metric(
        name="backlog", title="Backlog", family="service", unit="count", kind="total", additive=True,
        higher_is_better=False, requires=("tickets.created_at", "tickets.resolved_at"), plan=_backlog,
        numerator="tickets open at the end of the period",
        description="Tickets open at the end of the period: created before its end and not resolved by then.",
    ),
    Metric(
        name="reopen_rate", title="Reopen rate", family="service", unit="ratio", higher_is_better=False,
        interval="wilson",
        requires=("tickets.resolved_at", "tickets.reopens"), time_field="resolved_at", plan=_reopen,
        aggregates=_reopen_aggregates,
        numerator="resolved tickets reopened at least once", denominator="tickets resolved in the period",
        description="Tickets resolved in the period that were reopened at least once (`reopens` > 0) ÷ tickets "
                    "resolved in the period with a reopen count.",
    ),
)
