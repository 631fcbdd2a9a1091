"""`crmctl customers --at-risk --as-of DATE --backtest`: were the customers flagged on DATE the ones who churned?

The list is computed as of DATE exactly as `--at-risk` computes it (no signal reads anything after DATE).
The outcome comes from the report's activity model (crmctl.context.activity spells): a customer active at the end
of DATE *churned after* when the spell they were in ends within (DATE, DATE + horizon]. The horizon must
end by the data's last day, or churn near its end would be unknowable and counted as "stayed".
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from crmctl.config import Config
from crmctl.domain.results import Backtest
from crmctl.customers.at_risk.score import Scored, customer_spells, load_risk_data, score_customers
from crmctl.errors import UsageError
from crmctl.domain.timeline import day_end, moved

BACKTEST_COLUMNS = ["rule", "customers", "flagged", "churned", "flagged_churned", "precision", "recall",
                    "base_rate", "lift", "note"]


def data_end(datasets) -> dt.date:
    """The last day with a dated activity event: orders, subscription starts and ends, churn dates."""
    days = []
    for name, field in (("orders", "ordered_at"), ("subscriptions", "started_at"), ("subscriptions", "ended_at"),
                        ("customers", "churned_at"), ("customers", "created_at")):
        frame = datasets[name].frame if name in datasets else None
        if frame is not None and field in frame.columns and frame[field].drop_nulls().len():
            days.append(frame[field].max().date())
    return max(days)


def churned_after(spells: pl.DataFrame, as_of: dt.date, stop: dt.date) -> pl.DataFrame:
    """customer_id, churned: the spell active at the end of `as_of` ends by the end of `stop`."""
    from crmctl.context import activity

    start, finish = day_end(as_of), day_end(stop)
    active = spells.filter(*activity.active_at(pl.lit(start)))
    ends = pl.col("end").is_not_null() & (pl.col("end") <= finish)
    return active.group_by("customer_id").agg(churned=ends.any())


def with_outcome(config: Config, as_of: dt.date, horizon: str) -> tuple[Scored, pl.DataFrame, dict]:
    """The scored customers as of `as_of`, each with `churned` (bool) within the horizon after it."""
    datasets = load_risk_data(config, ())
    spells = customer_spells(config, datasets)
    stop, last = moved(as_of, horizon), data_end(datasets)
    if stop > last:
        raise UsageError(f"--as-of {as_of} with --horizon {horizon} ends on {stop}, after the data's last day "
                         f"{last}: churn then is not yet known; choose an earlier --as-of or a shorter --horizon")
    scored = score_customers(config, datasets, as_of, horizon, spells)
    rows = scored.rows.join(churned_after(spells, as_of, stop), on="customer_id", how="left") \
        .with_columns(pl.col("churned").fill_null(False))
    return scored, rows, {"outcome_from": as_of.isoformat(), "outcome_to": stop.isoformat(),
                          "data_end": last.isoformat()}


def backtest(config: Config, as_of: dt.date | None, horizon: str) -> Backtest:
    """One row for the list (score ≥ min_score) and one per signal on its own."""
    if as_of is None:
        raise UsageError("--backtest needs --as-of DATE, a day at least --horizon before the data's last day")
    scored, rows, window = with_outcome(config, as_of, horizon)
    rules = {f"score ≥ {config.risk.min_score:g}": pl.col("score") >= config.risk.min_score}
    rules.update({f"{s} fires": pl.col(f"fires_{s}") for s in scored.used})
    table = pl.DataFrame([counts(name, rows.select(rule.alias("f"), "churned")) for name, rule in rules.items()],
                         schema=_schema(), orient="row")
    meta = {**{k: v for k, v in scored.meta.items() if k != "active_customers"}, **window,
            "customers": rows.height}
    return Backtest(table, meta)


def counts(name: str, frame: pl.DataFrame) -> tuple:
    """precision = flagged who churned ÷ flagged; recall = ÷ all who churned; base_rate = churned ÷ customers;
    lift = precision ÷ base_rate. A zero denominator gives null and says so in `note`."""
    n = frame.height
    flagged = int(frame["f"].sum())
    churned = int(frame["churned"].sum())
    hit = int((frame["f"] & frame["churned"]).sum())
    precision = hit / flagged if flagged else None
    recall = hit / churned if churned else None
    base = churned / n if n else None
    lift = precision / base if precision is not None and base else None
    notes = [text for text, missing in (("nobody flagged", not flagged), ("nobody churned", not churned),
                                        ("no customers", not n)) if missing]
    return name, n, flagged, churned, hit, precision, recall, base, lift, "; ".join(notes) or None


def _schema() -> dict:
    kinds = [pl.String, *[pl.Int64] * 4, *[pl.Float64] * 4, pl.String]
    return dict(zip(BACKTEST_COLUMNS, kinds))
