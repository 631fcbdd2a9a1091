"""Engagement from email, social and web events. Which event values count as engaged, delivered
and visits is set by the `engaged_events`, `delivered_events` and `visit_events` knobs."""

from __future__ import annotations

import polars as pl

from crmctl.metrics.metric import Metric

EVENTS = ("interactions.occurred_at", "interactions.event")


def _is(ctx, knob: str) -> pl.Expr:
    return pl.col("event").is_in([str(e).lower() for e in ctx.knob(knob)])


def _engagement(ctx) -> pl.LazyFrame:
    engaged, delivered = _is(ctx, "engaged_events"), _is(ctx, "delivered_events")
    return ctx.frame("interactions").group_by(ctx.keys).agg(
        numerator=engaged.sum(), denominator=delivered.sum(), n=(engaged | delivered).sum())


def _visits(ctx) -> pl.LazyFrame:
    return ctx.frame("interactions").filter(_is(ctx, "visit_events"))


def _traffic(ctx) -> pl.LazyFrame:
    return _visits(ctx).group_by(ctx.keys).agg(numerator=pl.len(), n=pl.len())


def _unique_visitors(ctx) -> pl.LazyFrame:
    visits = _visits(ctx)
    names = visits.collect_schema().names()
    who = pl.coalesce([pl.col(c) for c in ("visitor_id", "customer_id") if c in names])
    return visits.group_by(ctx.keys).agg(
        numerator=who.drop_nulls().n_unique(), n=who.is_not_null().sum(), excluded=who.is_null().sum())


def _time_on_site(ctx) -> pl.LazyFrame:
    duration = pl.col("duration_seconds")
    valid = duration >= 0
    return _visits(ctx).group_by(ctx.keys).agg(
        numerator=duration.filter(valid).sum(), denominator=valid.sum(), n=valid.sum(), excluded=(duration < 0).sum(),
        sd=duration.filter(valid).std())


def _engaged_customers(ctx) -> pl.LazyFrame:
    engaged = ctx.frame("interactions").filter(_is(ctx, "engaged_events"))
    return engaged.group_by(ctx.keys).agg(
        numerator=pl.col("customer_id").drop_nulls().n_unique(), n=pl.len(),
        excluded=pl.col("customer_id").is_null().sum())


METRICS = (
    Metric(
        name="engagement_rate", title="Engagement", family="engagement", unit="ratio", requires=EVENTS,
        interval="wilson",
        plan=_engagement, numerator="engaged events (opened, clicked, replied)",
        denominator="delivered events in the period",
        description="Engaged events in the period ÷ delivered events in the period (event values from the "
                    "`engaged_events` and `delivered_events` knobs; defaults opened/clicked/replied and delivered).",
    ),
    Metric(
        name="website_traffic", title="Visits", family="engagement", unit="count", kind="total", additive=True,
        requires=EVENTS, plan=_traffic, numerator="visits in the period",
        description="Website visits in the period (events in `visit_events`: visit, pageview, session).",
    ),
    Metric(
        name="unique_visitors", title="Unique visitors", family="engagement", unit="count", kind="total",
        additive=True, requires=EVENTS, optional=("interactions.visitor_id", "interactions.customer_id"),
        plan=_unique_visitors, numerator="distinct visitors", excluded="visits without a visitor or customer id excluded",
        description="Distinct visitors in the period: visitor_id, else customer_id, of visits. Visits with neither "
                    "are left out and counted.",
    ),
    Metric(
        name="avg_time_on_site", interval="mean", title="Avg time on site", family="engagement", unit="seconds",
        requires=(*EVENTS, "interactions.duration_seconds"), plan=_time_on_site,
        numerator="seconds on site", denominator="visits with a duration in the period",
        excluded="visits with a negative duration excluded",
        description="Mean duration_seconds of visits in the period that have a duration.",
    ),
    Metric(
        name="active_engaged_customers", title="Engaged customers", family="engagement", unit="count", kind="total",
        additive=True, requires=(*EVENTS, "interactions.customer_id"), plan=_engaged_customers,
        numerator="customers with an engaged event", excluded="engaged events without a customer excluded",
        description="Distinct customers with at least one engaged event in the period; events without a customer "
                    "id are left out and counted.",
    ),
)
