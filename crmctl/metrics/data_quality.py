"""Data quality of the exports and of the segmentation.

Completeness, accuracy and duplicates count source rows before any is skipped or filtered, in the
period of their dataset's time field (rows without a readable time are in no period), and split by
the virtual dimensions `dataset` and (completeness) `field`. Validity is defined in quality.py.
"""

from __future__ import annotations

import polars as pl

from crmctl.metrics.metric import Metric
from crmctl.metrics.sales import customer_orders

QUALITY = ("quality.rows",)
VIRTUAL_DIMENSIONS = ("dataset", "field")


def _rows(ctx) -> pl.LazyFrame:
    """Every dataset's quality rows with a `dataset` column, bucketed by their time."""
    frames = [loaded.quality.lazy().select("_time", "_valid", "_duplicate", pl.lit(name).alias("dataset"))
              for name, loaded in sorted(ctx.datasets.items()) if loaded.quality is not None]
    return ctx.bucketed(pl.concat(frames, how="vertical_relaxed"), "_time")


def _cells(ctx) -> pl.LazyFrame:
    frames = []
    for name, loaded in sorted(ctx.datasets.items()):
        if loaded.quality is None:
            continue
        has = [c for c in loaded.quality.columns if c.startswith("_has_")]
        long = loaded.quality.lazy().select("_time", *has).unpivot(
            on=has, index="_time", variable_name="field", value_name="_filled")
        frames.append(long.with_columns(pl.col("field").str.strip_prefix("_has_"), dataset=pl.lit(name)))
    return ctx.bucketed(pl.concat(frames, how="vertical_relaxed"), "_time")


def _share(frame_of, flag):
    def plan(ctx) -> pl.LazyFrame:
        return frame_of(ctx).group_by(ctx.keys).agg(numerator=flag.sum(), denominator=pl.len(), n=pl.len())

    return plan


def _eta_squared(ctx) -> pl.LazyFrame:
    """η² = between-segment sum of squares ÷ total sum of squares of per-customer revenue in P."""
    per_customer = customer_orders(ctx).select(*ctx.keys, _x="_revenue")
    mean = pl.col("_x").mean().over("period_start")
    group_mean = pl.col("_x").mean().over(ctx.keys)
    scored = per_customer.with_columns(_total=(pl.col("_x") - mean) ** 2, _between=(group_mean - mean) ** 2)
    per_period = scored.group_by("period_start").agg(
        numerator=pl.col("_between").sum(), denominator=pl.col("_total").sum(), n=pl.len())
    return per_customer.select(ctx.keys).unique().join(per_period, on="period_start")


def _churn_spread(ctx, results) -> pl.LazyFrame:
    churn = results["churn_rate"]
    spread = churn.group_by("period_start").agg(
        numerator=pl.col("value").max() - pl.col("value").min(), n=pl.col("value").count())
    return churn.select(ctx.keys).join(spread, on="period_start", how="left", nulls_equal=True)


METRICS = (
    Metric(
        name="data_completeness", title="Completeness", family="data_quality", unit="ratio", requires=QUALITY,
        plan=_share(_cells, pl.col("_filled")), numerator="mapped cells with a value",
        denominator="mapped cells of rows in the period",
        description="Mapped cells with a value (valid or not) ÷ mapped cells, over the source rows of every "
                    "mapped dataset in the period; split with --by dataset and/or field.",
    ),
    Metric(
        name="data_accuracy", title="Accuracy", family="data_quality", unit="ratio", requires=QUALITY,
        plan=_share(_rows, pl.col("_valid")), numerator="valid rows", denominator="source rows in the period",
        description="Source rows passing validation ÷ source rows in the period. Valid: every mapped cell "
                    "converts, required fields are present, the id is unique, no date is in the future or before "
                    "1990.",
    ),
    Metric(
        name="duplicate_rate", title="Duplicates", family="data_quality", unit="ratio", higher_is_better=False,
        requires=QUALITY, plan=_share(_rows, pl.col("_duplicate")), numerator="rows whose id appears again",
        denominator="source rows in the period",
        description="Source rows whose id (customer_id, order_id, ticket_id …) appears more than once in their "
                    "dataset ÷ source rows in the period.",
    ),
    Metric(
        name="segmentation_effectiveness", title="Segmentation η²", family="data_quality", unit="ratio",
        requires=("orders.amount", "orders.ordered_at", "orders.customer_id", "report.by"), plan=_eta_squared,
        numerator="between-segment sum of squares", denominator="total sum of squares",
        description="Share of the variance of per-customer revenue in the period explained by the --by segments "
                    "(η² = between-segment ÷ total sum of squares, over customers ordering in the period). One "
                    "value per period, shown on every segment's row; 0 with a single segment.",
    ),
    Metric(
        name="churn_spread", title="Churn spread", family="data_quality", unit="ratio", kind="total",
        higher_is_better=None, requires=("activity.dated", "report.by"), derive=_churn_spread,
        depends_on=("churn_rate",), numerator="highest − lowest segment churn rate",
        description="Highest minus lowest churn rate across the --by segments in the period: how differently the "
                    "segments behave. One value per period, shown on every segment's row.",
    ),
)
