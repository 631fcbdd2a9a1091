"""Financial and market metrics. Most are built from other metrics of the same period and segment:
gross profit, spend by category, customers (active at the start and end), churn and new customers.

Gross profit of an order is amount − cost when the order has a cost, else amount × `gross_margin`.
Average customers of a period = (active at its start + active at its end) ÷ 2.
"""

from __future__ import annotations

import polars as pl

from crmctl.metrics import retention
from crmctl.metrics.sales import customer_orders
from crmctl.metrics.metric import Metric

DAYS_PER_MONTH = 30.4375


def _profit(ctx) -> dict[str, pl.Expr]:
    """Declared over orders by period, so gross profit shares revenue's group_by (and its aggregated road)."""
    profit = pl.col("amount") - pl.col("cost") if "cost" in ctx.columns("orders") else pl.lit(None, pl.Float64)
    return {"_gross_profit": pl.coalesce(profit, pl.col("amount") * ctx.knob("gross_margin")).sum(),
            "_orders": pl.len()}


def _gross_profit(ctx) -> pl.LazyFrame:
    return ctx.aggregate("orders", None, _profit(ctx)).select(*ctx.keys, numerator="_gross_profit", n="_orders")


def _spend(knob: str | None):
    def plan(ctx) -> pl.LazyFrame:
        spend = ctx.frame("spend")
        categories = [str(c).lower() for c in ctx.knob(knob)] if knob else []
        if categories:
            spend = spend.filter(pl.col("category").is_in(categories))
        return spend.group_by(ctx.keys).agg(numerator=pl.col("amount").sum(), n=pl.len())

    return plan


def _market_revenue(ctx) -> pl.LazyFrame:
    return ctx.frame("market").group_by(ctx.keys).agg(numerator=pl.col("market_revenue").sum(), n=pl.len())


def _revenue_per_retained(ctx) -> pl.LazyFrame:
    """Order revenue in P of customers active at its start and still active at its end."""
    spent = customer_orders(ctx)
    if ctx.calendar.period == "all":
        retained = retention.starting_base(ctx).filter(pl.col("_still")).select(*ctx.keys, "customer_id").unique()
        joined = retained.join(spent, on=[*ctx.keys, "customer_id"], how="left", nulls_equal=True)
        return joined.group_by(ctx.keys).agg(
            numerator=pl.col("_revenue").fill_null(0).sum(), denominator=pl.len(), n=pl.len())
    # Only customers who ordered in P can add revenue: test each against its own spells.
    buyers = spent.collect()
    revenue = buyers.filter(retention.retained_buyers(ctx, buyers)).lazy().group_by(ctx.keys).agg(
        _revenue=pl.col("_revenue").sum())
    retained = retention.base_flows(ctx).filter(pl.col("_still") > 0)
    return retained.join(revenue, on=ctx.keys, how="left", nulls_equal=True).select(
        *ctx.keys, numerator=pl.col("_revenue").fill_null(0.0), denominator="_still", n="_still")


def _metric_values(ctx, results: dict, names: dict) -> pl.LazyFrame:
    """keys + one column per `alias: (metric, column)` from the filled results of other metrics."""
    frame = None
    for alias, (metric, column) in names.items():
        part = results[metric].select(*ctx.keys, pl.col(column).alias(alias))
        frame = part if frame is None else frame.join(part, on=ctx.keys, how="left", nulls_equal=True)
    return frame


CUSTOMERS = {"_end": ("active_customers", "value"), "_start": ("churn_rate", "denominator")}


def _average_customers() -> pl.Expr:
    return (pl.col("_start").fill_null(0) + pl.col("_end").fill_null(0)) / 2


def _ratio(numerator: pl.Expr, denominator: pl.Expr, n: str = "_n") -> dict:
    return {"numerator": numerator, "denominator": denominator, "n": pl.col(n) if n else pl.lit(None)}


def _arpu(ctx, results) -> pl.LazyFrame:
    frame = _metric_values(ctx, results, {"_revenue": ("revenue", "value"), "_n": ("revenue", "n"), **CUSTOMERS})
    return frame.select(*ctx.keys, **_ratio(pl.col("_revenue"), _average_customers()))


def _clv(ctx, results) -> pl.LazyFrame:
    if ctx.knob("clv_method") == "historical":
        frame = _metric_values(ctx, results, {"_profit": ("gross_profit", "value"), "_new": ("new_customers", "value"),
                                              "_n": ("gross_profit", "n")})
        to_date = pl.col("_profit").fill_null(0).cum_sum().over(ctx.by or pl.lit(0), order_by="period_start")
        acquired = pl.col("_new").fill_null(0).cum_sum().over(ctx.by or pl.lit(0), order_by="period_start")
        return frame.select(*ctx.keys, **_ratio(to_date, acquired))
    frame = _metric_values(ctx, results, {"_profit": ("gross_profit", "value"), "_churn": ("churn_rate", "value"),
                                          "_n": ("gross_profit", "n"), **CUSTOMERS})
    per_customer = pl.when(_average_customers() > 0).then(pl.col("_profit") / _average_customers())
    return frame.select(*ctx.keys, **_ratio(per_customer, pl.col("_churn")))


def _cac(ctx, results) -> pl.LazyFrame:
    frame = _metric_values(ctx, results, {"_spend": ("acquisition_spend", "value"), "_new": ("new_customers", "value"),
                                          "_n": ("acquisition_spend", "n")})
    return frame.select(*ctx.keys, **_ratio(pl.col("_spend"), pl.col("_new")))


def _clv_cac(ctx, results) -> pl.LazyFrame:
    frame = _metric_values(ctx, results, {"_clv": ("clv", "value"), "_cac": ("cac", "value"), "_n": ("cac", "n")})
    return frame.select(*ctx.keys, **_ratio(pl.col("_clv"), pl.col("_cac")))


def _payback(ctx, results) -> pl.LazyFrame:
    frame = _metric_values(ctx, results, {"_cac": ("cac", "value"), "_profit": ("gross_profit", "value"),
                                          "_n": ("cac", "n"), "_end_day": ("cac", "period_end"), **CUSTOMERS})
    days = (pl.col("_end_day") - pl.col("period_start")).dt.total_days() + 1
    monthly = pl.when(_average_customers() > 0).then(
        pl.col("_profit") / _average_customers() * DAYS_PER_MONTH / days)
    return frame.select(*ctx.keys, **_ratio(pl.col("_cac"), monthly))


def _roi(ctx, results) -> pl.LazyFrame:
    frame = _metric_values(ctx, results, {"_profit": ("gross_profit", "value"), "_spend": ("roi_spend", "value"),
                                          "_n": ("roi_spend", "n")})
    return frame.select(*ctx.keys, **_ratio(pl.col("_profit") - pl.col("_spend"), pl.col("_spend")))


def _retention_cost(ctx, results) -> pl.LazyFrame:
    frame = _metric_values(ctx, results, {"_spend": ("retention_spend", "value"),
                                          "_kept": ("customer_retention_rate", "numerator"),
                                          "_n": ("retention_spend", "n")})
    return frame.select(*ctx.keys, **_ratio(pl.col("_spend"), pl.col("_kept")))


def _market_share(ctx, results) -> pl.LazyFrame:
    frame = _metric_values(ctx, results, {"_revenue": ("revenue", "value"), "_market": ("market_revenue", "value"),
                                          "_n": ("revenue", "n")})
    return frame.select(*ctx.keys, **_ratio(pl.col("_revenue"), pl.col("_market")))


ORDERS = ("orders.amount", "orders.ordered_at")
SPEND = ("spend.amount", "spend.date", "spend.category")


def _total(name, title, description, requires, plan, numerator, optional=(), aggregates=None) -> Metric:
    return Metric(name=name, title=title, family="financial", unit="money", kind="total", additive=True,
                  higher_is_better=None, description=description, requires=requires, optional=optional,
                  plan=plan, numerator=numerator, aggregates=aggregates)


def _derived(name, title, description, derive, depends_on, numerator, denominator, unit="money", family="financial",
             higher_is_better=True) -> Metric:
    requires = tuple(dict.fromkeys(r for d in depends_on for r in _REQUIRES[d]))
    return Metric(name=name, title=title, family=family, unit=unit, higher_is_better=higher_is_better,
                  description=description, requires=requires, derive=derive, depends_on=depends_on,
                  numerator=numerator, denominator=denominator)


_BASE = (
    _total("gross_profit", "Gross profit", "Σ over orders placed in the period of amount − cost (amount × "
           "`gross_margin` for orders without a cost).", ORDERS, _gross_profit, "gross profit",
           optional=("orders.cost",), aggregates=_profit),
    _total("acquisition_spend", "Acquisition spend", "Spend in the period in the `acquisition_categories` "
           "(default: acquisition).", SPEND, _spend("acquisition_categories"), "acquisition spend"),
    _total("retention_spend", "Retention spend", "Spend in the period in the `retention_categories` "
           "(default: retention).", SPEND, _spend("retention_categories"), "retention spend"),
    _total("roi_spend", "ROI spend", "Spend in the period that ROI charges: the `roi_categories`, or all spend "
           "when that list is empty (the default).", SPEND, _spend("roi_categories"), "spend"),
    Metric(name="market_revenue", title="Market revenue", family="market", unit="money", kind="total",
           higher_is_better=None, requires=("market.period_start", "market.market_revenue"), plan=_market_revenue,
           numerator="market revenue", description="Total market revenue of the period, from the market dataset "
           "(its rows summed by their period_start)."),
)
_REQUIRES = {m.name: m.requires for m in _BASE} | {
    "revenue": ORDERS, "new_customers": ("activity.dated",), "active_customers": ("activity.dated",),
    "churn_rate": ("activity.dated",), "customer_retention_rate": ("activity.dated",),
    "clv": ORDERS + ("activity.dated",), "cac": SPEND + ("activity.dated",),
}

METRICS = (
    *_BASE,
    _derived("arpu", "ARPU", "Average revenue per customer: revenue of the period ÷ average customers of the period "
             "((active at its start + active at its end) ÷ 2).", _arpu, ("revenue", "active_customers", "churn_rate"),
             "revenue", "average customers in the period"),
    _derived("clv", "CLV", "Customer lifetime value. Method `formula` (default, ChartMogul's): gross profit per "
             "average customer of the period (ARPU × margin) ÷ churn rate of the period; undefined (null) when "
             "nobody churned. Method `historical` (`clv_method: historical`): gross profit to date ÷ customers "
             "acquired to date.", _clv, ("gross_profit", "active_customers", "churn_rate", "new_customers"),
             "gross profit per customer (historical: gross profit to date)",
             "churn rate of the period (historical: customers acquired to date)"),
    _derived("cac", "CAC", "Customer acquisition cost: acquisition spend of the period ÷ customers acquired in it.",
             _cac, ("acquisition_spend", "new_customers"), "acquisition spend", "new customers in the period",
             higher_is_better=False),
    _derived("clv_cac_ratio", "CLV:CAC", "CLV ÷ CAC of the period (3 or more is the usual rule of thumb).",
             _clv_cac, ("clv", "cac", "gross_profit", "active_customers", "churn_rate", "new_customers",
                        "acquisition_spend"), "CLV", "CAC", unit="score"),
    _derived("cac_payback_months", "CAC payback", "Months of gross profit per customer needed to earn back CAC: CAC "
             "÷ (gross profit per average customer of the period scaled to 30.4375 days).", _payback,
             ("cac", "gross_profit", "active_customers", "churn_rate", "new_customers", "acquisition_spend"),
             "CAC", "monthly gross profit per customer", unit="months", higher_is_better=False),
    _derived("roi", "ROI", "Return on spend: (gross profit − spend) ÷ spend, over the period's orders and the spend "
             "in `roi_categories` (all spend by default).", _roi, ("gross_profit", "roi_spend"),
             "gross profit − spend", "spend in the period", unit="ratio"),
    _derived("retention_cost_per_customer", "Retention cost per customer", "Retention spend of the period ÷ "
             "customers retained through it (active at its start and its end); compare with "
             "revenue_per_retained_customer.", _retention_cost, ("retention_spend", "customer_retention_rate"),
             "retention spend", "customers retained through the period", higher_is_better=False),
    Metric(name="revenue_per_retained_customer", title="Revenue per retained customer", family="financial",
           unit="money", requires=("activity.dated", *ORDERS), optional=("orders.customer_id",),
           plan=_revenue_per_retained, numerator="order revenue of retained customers",
           denominator="customers retained through the period",
           description="Order revenue in the period of customers retained through it ÷ those customers: what a "
                       "long-term customer brings, beside what keeping one costs."),
    _derived("market_share", "Market share", "Revenue of the period ÷ market revenue of the period (market "
             "dataset); null with a note when the market has no row for the period.", _market_share,
             ("revenue", "market_revenue"), "revenue", "market revenue for the period", unit="ratio",
             family="market"),
)
