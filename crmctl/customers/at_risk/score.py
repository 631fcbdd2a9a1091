"""`crmctl customers --at-risk`: active customers showing warning signs as of a day, with reasons.

Score = Σ weight × fires over the signals whose data is mapped (signals.py; weights in config `risk:`).
The population is every customer active at the end of the as-of day under the report's activity model
(crmctl.context.activity): customers who have already churned, or were not yet acquired, have no row.
A customer is listed when the score reaches `risk.min_score`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from crmctl.context import activity
from crmctl.config import Config
from crmctl.customers.at_risk import signals
from crmctl.customers.fit import predictions
from crmctl.domain.timeline import day_end, span_weeks
from crmctl.errors import UsageError
from crmctl.read.identity import load_resolved
from crmctl.read.load import Loaded

SIGNAL_FIELDS = {
    "orders": {"customer_id", "ordered_at", "amount"},
    "subscriptions": {"subscription_id", "customer_id", "started_at", "ended_at", "term_end_at", "renewed", "mrr"},
    "surveys": {"customer_id", "responded_at", "type", "score"},
    "tickets": {"customer_id", "created_at", "reopens", "sla_breached", "sla_due_at", "resolved_at"},
    "interactions": {"customer_id", "occurred_at"},
}
MONTH_WEEKS = 365.25 / 12 / 7


@dataclass(frozen=True)
class AtRiskSpec:
    as_of: dt.date | None = None
    horizon: str = "12m"
    by: tuple[str, ...] = ()
    where: tuple[tuple[str, str], ...] = ()
    sort: str | None = None  # None: score, then value at risk, both descending
    top: int | None = None


@dataclass
class Scored:
    rows: pl.DataFrame  # every active customer: signals, score, reasons, value_at_risk
    used: list[str]  # the signals computed (their data is mapped; p_alive needs the BG/NBD fit)
    meta: dict


def load_risk_data(config: Config, dims: tuple[str, ...]) -> dict[str, Loaded]:
    """Every dataset a mapped signal or the activity model reads, each once."""
    if "orders" not in config.datasets:
        raise UsageError("crmctl customers --at-risk needs an orders dataset: map one under datasets.orders")
    model = activity.activity_model(config)
    if model in (None, "snapshot"):
        raise UsageError("--at-risk needs dated activity (orders, subscriptions or churned_at): the snapshot "
                         "model has no dates; set definitions.activity_model to transactional")
    wanted = {name: set(f) for name, f in activity.model_fields(config, model).items()}
    for name, fields in SIGNAL_FIELDS.items():
        if name in config.datasets:
            wanted.setdefault(name, set()).update(fields & set(config.datasets[name].columns) | {"customer_id"})
    if dims:
        wanted.setdefault("customers", set()).update({"customer_id", *dims})
    return load_resolved(config, wanted)  # load_dataset reads the mapped ones of the fields asked for


class _Context:
    """What crmctl.context.activity.spells reads of a report context."""

    def __init__(self, config: Config, datasets: dict[str, Loaded]):
        self.config, self.datasets = config, datasets

    def knob(self, name: str):
        return self.config.knob(name)


def customer_spells(config: Config, datasets: dict[str, Loaded]) -> pl.DataFrame:
    return activity.spells(_Context(config, datasets), activity.activity_model(config), ["customer_id"]).collect()


def active_at(spells: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """customer_id of the customers active at the end of the day (start < t ≤ end, as activity defines it)."""
    instant = day_end(as_of)
    return spells.filter(*activity.active_at(pl.lit(instant))).select("customer_id").unique().sort("customer_id")


def score_customers(config: Config, datasets: dict[str, Loaded], as_of: dt.date, horizon: str,
                    spells: pl.DataFrame | None = None) -> Scored:
    """Signals, score, reasons and value at risk of every customer active at the end of `as_of`."""
    spells = customer_spells(config, datasets) if spells is None else spells
    rows = active_at(spells, as_of)
    t, weights = config.risk.thresholds, config.risk.weights
    weeks = span_weeks(as_of, horizon)
    predicted, fitted = predictions(config, datasets["orders"].frame, as_of, weeks)
    frames = _signal_frames(datasets, predicted if fitted.bg_nbd is not None else None, as_of, t)
    for frame in frames.values():
        rows = rows.join(frame, on="customer_id", how="left")
    rows = rows.join(predicted.select("customer_id", "predicted_clv"), on="customer_id", how="left")
    mrr = "subscriptions" in datasets and "mrr" in datasets["subscriptions"].frame.columns
    if mrr:
        rows = rows.join(signals.current_mrr(datasets["subscriptions"].frame, as_of), on="customer_id", how="left")
    used = list(frames)
    fires = [pl.col(f"fires_{s}").fill_null(False) for s in used]
    rows = rows.with_columns(*(f.alias(f"fires_{s}") for s, f in zip(used, fires)),
                             score=pl.sum_horizontal(*(f.cast(pl.Float64) * weights[s] for s, f in zip(used, fires)))
                             if used else pl.lit(0.0),
                             reasons=pl.concat_list(*(pl.col(f"reason_{s}") for s in used)).list.drop_nulls())
    rows = _value_at_risk(rows.drop(*(f"reason_{s}" for s in used)), mrr, weeks / MONTH_WEEKS)
    meta = {"as_of": as_of.isoformat(), "horizon": horizon, "horizon_weeks": weeks, "signals": used,
            "weights": {s: weights[s] for s in used}, "min_score": config.risk.min_score,
            "thresholds": dict(t), "models": fitted.meta(), "warnings": fitted.warnings,
            "active_customers": rows.height}
    return Scored(rows, used, meta)


def _signal_frames(datasets: dict[str, Loaded], predicted, as_of: dt.date, t) -> dict[str, pl.DataFrame]:
    """The signals whose data is mapped, in the order of config.risk.SIGNALS."""
    frame = {name: loaded.frame for name, loaded in datasets.items()}
    has = {name: set(f.columns) for name, f in frame.items()}
    out = {"order_gap": signals.order_gap(frame["orders"], as_of, t)}
    if predicted is not None:
        out["p_alive"] = signals.p_alive(predicted, t)
    if {"customer_id", "type", "score"} <= has.get("surveys", set()):
        out["nps"] = signals.nps(frame["surveys"], as_of, t)
    if "customer_id" in has.get("tickets", set()):
        out["tickets"] = signals.tickets(frame["tickets"], as_of, t)
    if "customer_id" in has.get("interactions", set()):
        out["engagement"] = signals.engagement(frame["interactions"], as_of, t)
    if "term_end_at" in has.get("subscriptions", set()):
        out["term_end"] = signals.term_end(frame["subscriptions"], as_of, t)
    if "mrr" in has.get("subscriptions", set()):
        out["mrr_contraction"] = signals.mrr_contraction(frame["subscriptions"], as_of)
    return out


def _value_at_risk(rows: pl.DataFrame, mrr: bool, months: float) -> pl.DataFrame:
    """predicted_clv over the horizon; without one, the running subscriptions' MRR × the horizon in months."""
    from_mrr = pl.col("mrr") * months if mrr else pl.lit(None, pl.Float64)
    return rows.with_columns(
        value_at_risk=pl.coalesce(pl.col("predicted_clv"), from_mrr),
        value_basis=pl.when(pl.col("predicted_clv").is_not_null()).then(pl.lit("clv"))
        .when(from_mrr.is_not_null()).then(pl.lit("mrr")))
