"""An experiment's arms from an assignments export: one row per customer with its variant and when it was
assigned (customer_id, experiment, variant, assigned_at).

A customer listed twice in one experiment with the same variant (an exposure log repeats itself) counts
once, from its earliest assigned_at. A customer listed with two different variants is in no single arm:
that is an error naming a few of them, since any choice of arm would bias the comparison.
"""

from __future__ import annotations

import polars as pl

from crmctl.errors import DataError, UsageError

EXAMPLES = 5


def experiment_units(assignments: pl.DataFrame, experiment: str) -> pl.DataFrame:
    """customer_id, group (the variant) and assigned_at (null when not mapped or empty) of one experiment."""
    rows = assignments.filter(pl.col("experiment") == experiment)
    if rows.is_empty():
        found = sorted(assignments.get_column("experiment").drop_nulls().unique().to_list())
        shown = ", ".join(found[:20]) + (" …" if len(found) > 20 else "")
        raise UsageError(f"--experiment {experiment!r}: no assignments for it (experiments in the assignments "
                         f"export: {shown or 'none'})")
    if "assigned_at" not in rows.columns:
        rows = rows.with_columns(assigned_at=pl.lit(None, pl.Datetime("us")))
    _refuse_switchers(rows, experiment)
    return rows.group_by("customer_id").agg(
        group=pl.col("variant").first().cast(pl.String), assigned_at=pl.col("assigned_at").min()).sort("customer_id")


def _refuse_switchers(rows: pl.DataFrame, experiment: str) -> None:
    variants = rows.group_by("customer_id").agg(pl.col("variant").unique().sort())
    switched = variants.filter(pl.col("variant").list.len() > 1).sort("customer_id")
    if switched.is_empty():
        return
    examples = "; ".join(f"{r['customer_id']}: {', '.join(r['variant'])}" for r in switched.head(EXAMPLES).to_dicts())
    raise DataError(f"assignments: {switched.height} customer(s) of experiment {experiment!r} are assigned to more "
                    f"than one variant (e.g. {examples}); a customer must be in one arm: fix the export so that "
                    "each customer has one variant per experiment")


def after_assignment(frame: pl.DataFrame, units: pl.DataFrame, field: str) -> pl.DataFrame:
    """Rows of customers in the experiment whose `field` is at or after their assignment (all their rows when
    the assignment has no date), with the customer's group."""
    joined = frame.join(units.select("customer_id", "group", "assigned_at"), on="customer_id")
    kept = joined.filter(pl.col("assigned_at").is_null() | (pl.col(field) >= pl.col("assigned_at")))
    return kept.drop("assigned_at")
