"""Retention: active, new and lost customers, retention and churn, repeat purchase, renewal, MRR churn.

Customer counts come from the activity model (activity.py): spells [start, end) per customer,
shared by every metric of a report. A period P runs from instant `_from` to instant `_to`.
"""

from __future__ import annotations

import polars as pl

from crmctl.context.activity import SOURCE, active_at, spells
from crmctl.context.keys import integer_ids
from crmctl.metrics.metric import Metric
from crmctl.metrics.sales import customer_orders

DATED = ("activity.dated",)


def customer_spells(ctx) -> pl.LazyFrame:
    """Spells keyed by customer and by the --by dimensions of the model's source dataset."""
    source = SOURCE[ctx.activity]
    own = [d for d in ctx.by if d in ctx.config.dimensions(source) and d not in ctx.customer_dims]
    keys = ["customer_id", *own]
    # Collected once, then the customers' --by columns looked up (4x cheaper than a join at 1M customers).
    return ctx.shared(f"spells:{keys}", lambda: ctx.looked_up(spells(ctx, ctx.activity, keys).collect()).lazy())


def active_customers_at(ctx, instant: str) -> pl.LazyFrame:
    """Spells active at each period's `_from` or `_to` instant (start < t ≤ end), with both instants."""
    def build():
        bounds = ctx.bounds().with_columns(_at=pl.col(instant))
        return customer_spells(ctx).join_where(bounds, *active_at(pl.col("_at")))

    return ctx.shared(f"active_at:{instant}:{ctx.by}", build)


def _count(frame: pl.LazyFrame, ctx) -> pl.LazyFrame:
    return frame.group_by(ctx.keys).agg(numerator=pl.col("customer_id").n_unique(), n=pl.len())


def _active(ctx) -> pl.LazyFrame:
    """Active at each period's end, counted as running sums over the period grid (no spells × periods join)."""
    if ctx.calendar.period == "all":
        return _count(active_customers_at(ctx, "_to"), ctx)
    return running(ctx, 0).select(*ctx.keys, numerator="_alive", n="_alive")


def running(ctx, offset: int, spells: pl.LazyFrame | None = None, weight: pl.Expr | None = None) -> pl.LazyFrame:
    """keys + `_alive`: spells alive in each period, where a spell counts from `offset` periods after the one
    it starts in up to that many after the one it ends in. offset 0: active at the period's end (start < _to
    ≤ end); offset 1: active at its start (start < _from ≤ end). A key's spells never overlap, so this counts
    customers: spells started minus spells ended, as a running sum. With `weight`, sums it instead."""
    spells = customer_spells(ctx) if spells is None else spells
    weight = pl.len() if weight is None else weight.sum()
    # Flows before the grid's first period (sign-ups before the first order, say) count from it on.
    first = pl.lit(ctx.first_period(), pl.Date)

    def flow(column: str, name: str) -> pl.LazyFrame:
        period = ctx.calendar.bucket(pl.col(column))
        period = ctx.calendar.shift(period, offset) if offset else period
        return spells.filter(pl.col(column).is_not_null()).with_columns(
            period_start=pl.max_horizontal(period, first)).group_by(ctx.keys).agg(weight.alias(name))

    segments = spells.select(ctx.by).unique() if ctx.by else pl.LazyFrame({"_": [0]})
    grid = ctx.bounds().select("period_start").join(segments, how="cross").drop("_", strict=False)
    flows = grid.join(flow("start", "_in"), on=ctx.keys, how="left", nulls_equal=True).join(
        flow("end", "_out"), on=ctx.keys, how="left", nulls_equal=True)
    running = (pl.col("_in").fill_null(0) - pl.col("_out").fill_null(0)).cum_sum()
    by = ctx.by or [pl.lit(0)]
    return flows.sort("period_start").select(*ctx.keys, _alive=running.over(by, order_by="period_start"))


def _acquired(ctx) -> pl.LazyFrame:
    keys = [c for c in customer_spells(ctx).collect_schema().names() if c not in ("start", "end")]
    return ctx.bucketed(customer_spells(ctx).group_by(keys).agg(pl.col("start").min()), "start")


def _churned(ctx) -> pl.LazyFrame:
    return ctx.bucketed(customer_spells(ctx).filter(pl.col("end").is_not_null()), "end")


def _new(ctx) -> pl.LazyFrame:
    return _count(_acquired(ctx), ctx)


def _lost(ctx) -> pl.LazyFrame:
    return _count(_churned(ctx), ctx)


def _ids(frame_of):
    def members(ctx) -> pl.LazyFrame:
        return frame_of(ctx).select(*ctx.keys, id="customer_id").unique()

    return members


def starting_base(ctx) -> pl.LazyFrame:
    """Customers active at the start of each period, flagged when still active at its end."""
    return ctx.shared(f"starting_base:{ctx.by}", lambda: ctx.materialised(_build_starting_base(ctx)))


def _build_starting_base(ctx) -> pl.LazyFrame:
    at_start = active_customers_at(ctx, "_from")
    at_end = active_customers_at(ctx, "_to").select(*ctx.keys, "customer_id", _still=pl.lit(True)).unique()
    return at_start.join(at_end, on=[*ctx.keys, "customer_id"], how="left", nulls_equal=True).with_columns(
        _still=pl.col("_still").fill_null(False),
        _churned=pl.col("end").is_not_null() & (pl.col("end") < pl.col("_to")),
    )


def _rate(flag: str):
    def plan(ctx) -> pl.LazyFrame:
        if ctx.activity == "snapshot":
            return _snapshot_churn(ctx)
        if ctx.calendar.period == "all":
            return starting_base(ctx).group_by(ctx.keys).agg(
                numerator=pl.col(flag).sum(), denominator=pl.len(), n=pl.len())
        return base_flows(ctx).select(*ctx.keys, numerator=flag, denominator="_base", n="_base")

    return plan


def alive_at_edge(period: pl.Expr, edge: str) -> pl.Expr:
    """activity.active_at in whole periods, for spells with the periods `_ps` they start and `_pe` they end
    in (null: still running): active at the start of `period` (_ps < P ≤ _pe) or at its end (_ps ≤ P < _pe)."""
    if edge == "start":
        return (pl.col("_ps") < period) & (pl.col("_pe").is_null() | (pl.col("_pe") >= period))
    return (pl.col("_ps") <= period) & (pl.col("_pe").is_null() | (pl.col("_pe") > period))


def base_flows(ctx) -> pl.LazyFrame:
    """Per period: `_base` customers active at its start, `_churned` those of them who churned in it and
    `_still` those active at its end too; once per report, from spells and their periods alone.

    A spell active at the start of P started before P and ends in P or later. It churned in P when it
    ends in P; its customer is still active at the end when it does not, or when a later spell starts
    in P and runs past it (churned and reactivated: counted in both, as documented).
    """
    return ctx.shared(f"base_flows:{ctx.by}", lambda: ctx.materialised(_build_base_flows(ctx)))


def _build_base_flows(ctx) -> pl.LazyFrame:
    spells = spell_periods(ctx)
    key = [c for c in spells.collect_schema().names() if c not in ("start", "end", "_ps", "_pe")]
    ended = spells.filter(pl.col("_pe").is_not_null() & alive_at_edge(pl.col("_pe"), "start"))  # churned in _pe
    churned = ended.group_by(*ctx.by, period_start="_pe").agg(_churned=pl.len())
    stays = alive_at_edge(pl.col("_ps"), "end")  # still running at the end of the period it starts in
    back = ended.select(*key, period_start="_pe").join(
        spells.filter(stays).select(*key, period_start="_ps"), on=[*key, "period_start"], how="inner",
        nulls_equal=True).group_by(ctx.keys).agg(_back=pl.len())
    flows = running(ctx, 1).rename({"_alive": "_base"}).filter(pl.col("_base") > 0)
    joined = flows.join(churned, on=ctx.keys, how="left", nulls_equal=True).join(
        back, on=ctx.keys, how="left", nulls_equal=True).with_columns(
        pl.col("_churned", "_back").fill_null(0))
    return joined.select(*ctx.keys, "_base", "_churned",
                         _still=pl.col("_base") - pl.col("_churned") + pl.col("_back"))


def spell_periods(ctx) -> pl.LazyFrame:
    """customer_spells with `_ps` and `_pe`, the periods each spell starts and ends in (null: still running);
    once per report, for base_flows and retained_buyers."""
    return ctx.shared(f"spell_periods:{ctx.by}", lambda: ctx.materialised(customer_spells(ctx).with_columns(
        _ps=ctx.calendar.bucket(pl.col("start")), _pe=ctx.calendar.bucket(pl.col("end")))))


def retained_buyers(ctx, buyers: pl.DataFrame) -> pl.Series:
    """Whether each row of `buyers` (customer_orders: period_start, customer_id, the spells' own --by keys and
    `_customer`, the integer id, when there is one) is of a customer active at its period's start and at its
    end (alive_at_edge).

    A customer's spells are disjoint and sorted, so only the latest spell starting in P or before can hold
    the customer at P's end, and the one before it at P's start when it starts in P: one sorted search on an
    integer (customer, start period) key finds it, where joining every spell of the customer made ~13M rows
    to group again (10M orders: plan 4.6 → 1.5 s)."""
    spells = spell_periods(ctx).collect()
    key = [c for c in spells.columns if c not in ("start", "end", "_ps", "_pe")]
    spell_codes, buyer_codes = _customer_codes(ctx, spells.select(key), buyers)
    starts, periods = spells["_ps"].cast(pl.Int32), buyers["period_start"].cast(pl.Int32)
    first_day = min(starts.min(), periods.min())
    width = max(starts.max(), periods.max()) - first_day + 1
    table = _latest_spells(spell_codes * width - first_day, starts, spells["_pe"].cast(pl.Int32))
    found = pl.DataFrame({"_own": buyer_codes * width, "_p": periods}).with_columns(
        _q=pl.col("_own") + pl.col("_p") - first_day).with_columns(
        _i=pl.lit(table["_s"]).search_sorted(pl.col("_q"), side="right").cast(pl.Int64) - 1)

    def spell(column: str) -> pl.Expr:
        return pl.lit(table[column]).gather(pl.col("_i").clip(0))

    holds = (pl.col("_i") >= 0) & (spell("_s") >= pl.col("_own")) & (spell("_pe") > pl.col("_p")) & (
        (spell("_s") < pl.col("_q")) | spell("_held"))
    return found.select(holds.fill_null(False)).to_series()


def _latest_spells(base: pl.Series, starts: pl.Series, ends: pl.Series) -> pl.DataFrame:
    """Per customer and start period, the last spell, sorted by `_s` (`base` + its start period, in days):
    `_pe`, its end period (open: _NEVER), and `_held`, whether the customer's spell before it was still active
    at the start of its start period. Later spells end later, so the last by end is the last."""
    table = pl.DataFrame({"_s": base + starts, "_ps": starts, "_pe": ends.fill_null(_NEVER)}).sort("_s", "_pe")
    table = table.filter(pl.col("_s") != pl.col("_s").shift(-1, fill_value=-1))
    customer = pl.col("_s") - pl.col("_ps")
    return table.select("_s", "_pe", _held=((customer.shift(1) == customer) & (pl.col("_pe").shift(1) >= pl.col("_ps"))
                                              ).fill_null(False))


_NEVER = 2**31 - 1  # an open spell's end period, in days


def _customer_codes(ctx, spells: pl.DataFrame, buyers: pl.DataFrame) -> tuple[pl.Series, pl.Series]:
    """A number ≥ 0 per customer (customer_id and own --by keys, nulls equal), the same on both sides: the
    ids themselves when they are integers (the buyers' `_customer`; customer dims follow from the id), else
    the row of the spells' distinct key (buyers without a spell: one past the last)."""
    own = [k for k in spells.columns if k not in ctx.customer_dims]
    if own == ["customer_id"]:
        mine = integer_ids(spells["customer_id"])
        theirs = buyers.get_column("_customer", default=None) if mine is not None else None
        if theirs is not None:
            low = min(mine.min() or 0, theirs.min() or 0)
            high = max(mine.max() or 0, theirs.max() or 0)
            if high - low < 2**30:  # times a span of days, within Int64
                return tuple(((ids - low).fill_null(high - low + 1)) for ids in (mine, theirs))
    distinct = spells.unique().with_row_index("_code").with_columns(pl.col("_code").cast(pl.Int64))

    def code(frame: pl.DataFrame) -> pl.Series:
        joined = frame.join(distinct, on=frame.columns, how="left", nulls_equal=True, maintain_order="left")
        return joined["_code"].fill_null(distinct.height)

    return code(spells), code(buyers.select(spells.columns))


def _base_members(flag: str):
    def members(ctx) -> pl.LazyFrame:
        if ctx.activity == "snapshot":
            customers = ctx.datasets["customers"].frame.lazy().filter(pl.col("churned"))
            return customers.select(pl.lit(None, pl.Date).alias("period_start"), *ctx.by, id="customer_id")
        return starting_base(ctx).filter(pl.col(flag)).select(*ctx.keys, id="customer_id")

    return members


def _snapshot_churn(ctx) -> pl.LazyFrame:
    """A status-flag export has no dates: churned ÷ customers with a flag, over the whole snapshot."""
    customers = ctx.datasets["customers"].frame.lazy().unique("customer_id", keep="last")
    by = [b for b in ctx.by]
    flagged = customers.filter(pl.col("churned").is_not_null())
    return flagged.group_by(by or pl.lit(0)).agg(
        numerator=pl.col("churned").sum(), denominator=pl.len(), n=pl.len()
    ).with_columns(period_start=pl.lit(None, pl.Date)).select(ctx.keys + ["numerator", "denominator", "n"])


def _repeat_purchase(ctx) -> pl.LazyFrame:
    """Customers ordering in P whose orders to date (P included) number two or more: who ordered twice in
    P, or whose first order ever came before their last one in P."""
    buyers = customer_orders(ctx)
    if ctx.calendar.period == "all":  # the window's orders only: the first ever is looked up among them all
        first = ctx.datasets["orders"].frame.lazy().group_by("customer_id").agg(_first=pl.col("ordered_at").min())
        buyers = buyers.drop("_first").join(first, on="customer_id", how="left")
    else:  # every dated order is in one of the customer's groups (on integers, 1.6 → 1 s at 10M orders)
        customer = pl.col("_customer" if "_customer" in buyers.collect_schema().names() else "customer_id")
        buyers = buyers.with_columns(_first=pl.when(customer.is_not_null()).then(pl.col("_first").min().over(customer)))
    repeat = (pl.col("_orders") >= 2) | (pl.col("_first") < pl.col("_last"))
    return buyers.group_by(ctx.keys).agg(numerator=repeat.sum(), denominator=pl.len(), n=pl.len())


def _renewal(ctx) -> pl.LazyFrame:
    """Subscriptions whose term ended in P (term_end_at, else ended_at), renewed or not.

    Renewed: the `renewed` flag when mapped; else another subscription of the customer starting
    within a day of the term end, or the subscription running past it. Terms ending after the
    export's last date are not yet decided and are left out.
    """
    subs = ctx.joined("subscriptions")  # with the customers' --by columns, so ctx.frame(source=) joins nothing
    names = subs.collect_schema().names()
    due = pl.coalesce([pl.col(c) for c in ("term_end_at", "ended_at") if c in names])
    data_end = pl.max_horizontal(*(pl.col(c).max() for c in ("started_at", "ended_at") if c in names))
    terms = subs.with_columns(_due=due, _data_end=data_end).filter(
        pl.col("_due").is_not_null() & (pl.col("_due") <= pl.col("_data_end")))
    successors = subs.select("customer_id", _next=pl.col("started_at"), _next_id=pl.col("subscription_id"))
    day = pl.duration(days=1)
    followed = terms.join(successors, on="customer_id", how="inner").filter(
        (pl.col("_next_id") != pl.col("subscription_id")) & pl.col("_next").is_between(
            pl.col("_due") - day, pl.col("_due") + day)
    ).select("subscription_id", _followed=pl.lit(True)).unique()
    runs_on = pl.col("ended_at").is_null() | (pl.col("ended_at") > pl.col("_due")) if "ended_at" in names \
        else pl.lit(True)
    renewed = pl.coalesce(pl.col("renewed"), pl.col("_followed") | runs_on) if "renewed" in names \
        else pl.col("_followed") | runs_on
    decided = terms.join(followed, on="subscription_id", how="left").with_columns(
        _followed=pl.col("_followed").fill_null(False)).with_columns(_renewed=renewed)
    return ctx.frame("subscriptions", "_due", source=decided).group_by(ctx.keys).agg(
        numerator=pl.col("_renewed").sum(), denominator=pl.len(), n=pl.len())


METRICS = (
    Metric(
        name="active_customers", title="Active customers", family="retention", unit="count", kind="total",
        additive=True, requires=DATED, numerator="customers active at the end of the period", plan=_active,
        members=_ids(lambda ctx: active_customers_at(ctx, "_to")),
        description="Customers active at the end of the period, under the report's activity model.",
    ),
    Metric(
        name="new_customers", title="New customers", family="retention", unit="count", kind="total",
        additive=True, requires=DATED, numerator="customers acquired in the period", plan=_new,
        members=_ids(_acquired),
        description="Customers whose first spell of activity starts in the period (reactivations are not new).",
    ),
    Metric(
        name="lost_customers", title="Lost customers", family="retention", unit="count", kind="total",
        additive=True, higher_is_better=False, requires=DATED, numerator="customers who churned in the period",
        plan=_lost, members=_ids(_churned),
        description="Customers whose spell of activity ends (they churn) in the period.",
    ),
    Metric(
        name="customer_retention_rate", interval="wilson", title="Retention", family="retention", unit="ratio",
        requires=DATED, plan=_rate("_still"), members=_base_members("_still"),
        numerator="customers active at the start still active at the end",
        denominator="customers active at the start of the period",
        description="Customers active at the start of the period who are still (or again) active at its end ÷ "
                    "customers active at its start. New customers of the period count in neither.",
    ),
    Metric(
        name="churn_rate", interval="wilson", title="Churn", family="retention", unit="ratio", higher_is_better=False,
        requires=("activity.any",), plan=_rate("_churned"), members=_base_members("_churned"),
        numerator="customers active at the start who churned in the period",
        denominator="customers active at the start of the period",
        description="Customers active at the start of the period who churned during it ÷ customers active at its "
                    "start. With a snapshot export (a churned flag, no dates): churned ÷ all flagged customers.",
    ),
    Metric(
        name="repeat_purchase_rate", interval="wilson", title="Repeat purchase", family="retention", unit="ratio",
        requires=("orders.customer_id", "orders.ordered_at"), plan=_repeat_purchase,
        numerator="ordering customers with 2+ orders to date", denominator="customers ordering in the period",
        description="Customers ordering in the period who have placed two or more orders to date (this period's "
                    "included) ÷ customers ordering in the period. Split by an order field (--by channel), a buyer "
                    "repeats in a group when they ordered twice in it or their first order ever came before "
                    "their last one in it.",
    ),
    Metric(
        name="renewal_rate", interval="wilson", title="Renewal", family="retention", unit="ratio",
        requires=("subscriptions.started_at", "subscriptions.term_end_at|ended_at"), plan=_renewal,
        optional=("subscriptions.subscription_id", "subscriptions.customer_id", "subscriptions.renewed",
                  "subscriptions.ended_at", "subscriptions.term_end_at"),
        numerator="subscriptions renewed", denominator="subscriptions up for renewal in the period",
        description="Subscriptions whose term ends in the period (term_end_at, else ended_at) that renewed ÷ those "
                    "whose term ends in it. Renewed: the `renewed` flag; else a new subscription of the customer "
                    "starting within a day of the term end, or the subscription running past it. Terms ending "
                    "after the export's last date are left out.",
    ),
)
