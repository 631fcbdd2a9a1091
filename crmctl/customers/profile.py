"""The 360° columns of `crmctl customers`: the latest signal of every mapped dataset, per customer.

One lazy Polars group_by per dataset, each keyed by customer_id and joined onto the table's rows.
Everything is as of the end of the as-of day (`end` = midnight after it): rows dated at or after
`end` are ignored, and a state (an open ticket, a running subscription) is the state at `end`.
A column appears only when the fields it needs are mapped (definitions in docs/customers.md).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from crmctl.config import Config
from crmctl.domain.timeline import day_end

WINDOW = dt.timedelta(days=90)  # "the last 90 days": the 90 calendar days ending with the as-of day
SURVEY_TYPES = ("nps", "csat", "ces")

# The fields each dataset contributes (customer dimensions are added where the table is built).
FIELDS = {
    "subscriptions": {"customer_id", "started_at", "ended_at", "term_end_at", "mrr"},
    "surveys": {"customer_id", "responded_at", "type", "score"},
    "tickets": {"customer_id", "created_at", "resolved_at", "reopens", "sla_breached", "sla_due_at"},
    "interactions": {"customer_id", "occurred_at", "event"},
    "leads": {"customer_id", "created_at", "closed_at", "converted_at", "status", "amount"},
}
# Counts that are a real 0 for a customer with no row in a mapped dataset (everything else stays null).
ZERO_WHEN_ABSENT = ("active_subscriptions", "tickets", "open_tickets", "tickets_90d", "reopened_tickets",
                    "sla_breaches", "engagement_90d", "engagement_prev_90d", "leads", "open_leads", "won_deals")


def wanted_fields(config: Config) -> dict[str, set[str]]:
    """The profile fields each mapped dataset provides (leads only when they name a customer_id)."""
    wanted = {}
    for name, fields in FIELDS.items():
        spec = config.datasets.get(name)
        if spec is None or (name == "leads" and "customer_id" not in spec.columns):
            continue
        dims = set(config.dimensions(name)) if name == "subscriptions" else set()
        wanted[name] = (fields & set(spec.columns)) | {"customer_id"} | dims
    return wanted


def profile_columns(frames: dict[str, pl.LazyFrame], as_of: dt.date, config: Config,
                    taken: set[str]) -> dict[str, pl.LazyFrame]:
    """One LazyFrame per mapped dataset, by name: customer_id and that dataset's columns (`taken`: the table's
    columns so far, which only the subscriptions' dimension columns are named after)."""
    end = day_end(as_of)
    builders = {"subscriptions": lambda lf: subscription_columns(lf, end, config.dimensions("subscriptions"), taken),
                "surveys": lambda lf: survey_columns(lf, end, {t: config.knob(f"{t}_scale") for t in SURVEY_TYPES}),
                "tickets": lambda lf: ticket_columns(lf, end),
                "interactions": lambda lf: interaction_columns(
                    lf, end, [*config.knob("engaged_events"), *config.knob("visit_events")]),
                "leads": lambda lf: lead_columns(lf, end)}
    return {name: builders[name](lf) for name, lf in frames.items() if name in builders}


def _names(lf: pl.LazyFrame) -> set[str]:
    return set(lf.collect_schema().names())


def _before(lf: pl.LazyFrame, field: str, end: dt.datetime) -> pl.LazyFrame:
    return lf.filter(pl.col("customer_id").is_not_null() & (pl.col(field) < end))


def subscription_columns(lf: pl.LazyFrame, end: dt.datetime, dims, taken: set[str]) -> pl.LazyFrame:
    """Status, active subscriptions, MRR, next renewal, and the current subscription's dimensions (plan)."""
    names = _names(lf)
    # Without ended_at nothing says a subscription stopped: all started ones count as running, and no status.
    running = (pl.col("ended_at").is_null() | (pl.col("ended_at") >= end)) if "ended_at" in names else pl.lit(True)
    aggs = {"active_subscriptions": running.sum().cast(pl.Int64)}
    if "ended_at" in names:
        aggs["subscription_status"] = pl.when(running.any()).then(pl.lit("active")).otherwise(pl.lit("ended"))
    if "mrr" in names:
        aggs["mrr"] = pl.col("mrr").filter(running).sum()
    if "term_end_at" in names:
        due = pl.col("term_end_at")
        aggs["next_renewal_at"] = due.filter(running & (due >= end - dt.timedelta(days=1))).min()
    # The current subscription: the latest started of the running ones, else the latest started.
    for dim in dims:
        name = f"subscription_{dim}" if dim in taken else dim
        aggs[name] = pl.col(dim).sort_by([running, pl.col("started_at")]).last()
    return _before(lf, "started_at", end).group_by("customer_id").agg(**aggs)


def survey_columns(lf: pl.LazyFrame, end: dt.datetime, scales: dict[str, tuple]) -> pl.LazyFrame:
    """The latest on-scale NPS, CSAT and CES score and its time; nps_category of the latest NPS."""
    aggs = {}
    for kind in SURVEY_TYPES:
        low, high = scales[kind]
        ok = (pl.col("type") == kind) & pl.col("score").is_between(low, high)
        aggs[kind] = pl.col("score").filter(ok).last()
        aggs[f"{kind}_at"] = pl.col("responded_at").filter(ok).max()
    nps = pl.col("nps")
    category = (pl.when(nps >= 9).then(pl.lit("promoter")).when(nps >= 7).then(pl.lit("passive"))
                .when(nps.is_not_null()).then(pl.lit("detractor")))
    # One sort of all responses instead of one per customer and type (0.5 s of CPU at 100k customers): a
    # group keeps its rows' order, so each group's last is its latest response, and of two responses at the
    # same time the lower score (the cautious reading).
    latest_last = _before(lf, "responded_at", end).sort(["responded_at", "score"], descending=[False, True])
    rows = latest_last.group_by("customer_id").agg(**aggs)
    return rows.with_columns(nps_category=category)


def ticket_columns(lf: pl.LazyFrame, end: dt.datetime) -> pl.LazyFrame:
    """Tickets to date, open at the end of the as-of day, in the last 90 days, reopened, SLA breaches."""
    names = _names(lf)
    created, resolved = pl.col("created_at"), pl.col("resolved_at")
    aggs = {"tickets": pl.len().cast(pl.Int64), "tickets_90d": (created >= end - WINDOW).sum().cast(pl.Int64)}
    if "resolved_at" in names:
        aggs["open_tickets"] = (resolved.is_null() | (resolved >= end)).sum().cast(pl.Int64)
    if "reopens" in names:
        aggs["reopened_tickets"] = (pl.col("reopens") > 0).sum().cast(pl.Int64)
    if "sla_breached" in names:
        aggs["sla_breaches"] = pl.col("sla_breached").fill_null(False).sum().cast(pl.Int64)
    elif {"sla_due_at", "resolved_at"} <= names:
        due = pl.col("sla_due_at")
        # Breached by the as-of day: the due time has passed and the ticket was not resolved by it.
        breached = (due < end) & (resolved.is_null() | (resolved > due))
        aggs["sla_breaches"] = breached.fill_null(False).sum().cast(pl.Int64)
    aggs["last_ticket_at"] = created.max()
    return _before(lf, "created_at", end).group_by("customer_id").agg(**aggs)


def interaction_columns(lf: pl.LazyFrame, end: dt.datetime, engaged_events) -> pl.LazyFrame:
    """Last activity (the customer's own events), last contact (any event), engagement now vs before."""
    when = pl.col("occurred_at")
    engaged = pl.col("event").is_in([str(e).lower() for e in engaged_events])
    last, before = when >= end - WINDOW, (when >= end - 2 * WINDOW) & (when < end - WINDOW)
    rows = _before(lf, "occurred_at", end).group_by("customer_id").agg(
        last_activity_at=when.filter(engaged).max(),
        last_contact_at=when.max(),
        engagement_90d=(engaged & last).sum().cast(pl.Int64),
        engagement_prev_90d=(engaged & before).sum().cast(pl.Int64),
    )
    return rows.with_columns(engagement_change=change(pl.col("engagement_90d"), pl.col("engagement_prev_90d")))


def change(now: pl.Expr, before: pl.Expr) -> pl.Expr:
    """now ÷ before − 1; null when before is 0 (no base to compare with), never a made-up value."""
    return pl.when(before > 0).then(now / before - 1)


def lead_columns(lf: pl.LazyFrame, end: dt.datetime) -> pl.LazyFrame:
    """Leads (deals) that name the customer: open at the as-of day, won by it, won amount, last lead."""
    names = _names(lf)
    closed = pl.col("closed_at") if "closed_at" in names else pl.col("converted_at") if "converted_at" in names \
        else None
    status = pl.col("status") if "status" in names else None
    aggs = {"leads": pl.len().cast(pl.Int64), "last_lead_at": pl.col("created_at").max()}
    if closed is not None:
        # A lead closed after the as-of day was still open on it, whatever its final status.
        aggs["open_leads"] = (closed.is_null() | (closed >= end)).sum().cast(pl.Int64)
        if status is not None:
            won = (status == "won") & (closed < end)
            aggs["won_deals"] = won.sum().cast(pl.Int64)
            if "amount" in names:
                aggs["won_amount"] = pl.col("amount").filter(won).sum()
    elif status is not None:
        aggs["open_leads"] = (status == "open").sum().cast(pl.Int64)
    return _before(lf, "created_at", end).group_by("customer_id").agg(**aggs)


def customer_columns(lf: pl.LazyFrame, as_of: dt.date | None, dims) -> pl.LazyFrame:
    """The customers export as of the day: one row per customer created by then (or undated), with its
    dimensions, created_at and the churn status (the `churned` flag, or churned_at on or before as-of)."""
    names = _names(lf)
    end = None if as_of is None else day_end(as_of)
    rows = lf.filter(pl.col("customer_id").is_not_null()).unique("customer_id", keep="last", maintain_order=True)
    if "created_at" in names and end is not None:
        rows = rows.filter(pl.col("created_at").is_null() | (pl.col("created_at") < end))
    out = [pl.col("customer_id"), *(pl.col(d) for d in dims)]
    out += [pl.col("created_at")] if "created_at" in names else []
    gone = None
    if "churned_at" in names:
        gone = pl.col("churned_at") if end is None else pl.when(pl.col("churned_at") < end).then(pl.col("churned_at"))
    if "churned" in names or gone is not None:
        flags = [c for c in ((pl.col("churned") if "churned" in names else None),
                             (None if gone is None else gone.is_not_null())) if c is not None]
        # A flag that is blank for a customer with no churn date says nothing: null, not "not churned".
        churned = flags[0] if len(flags) == 1 else flags[0] | flags[1]
        out.append(churned.alias("churned"))
    if gone is not None:
        out.append(gone.alias("churned_at"))
    return rows.select(out)
