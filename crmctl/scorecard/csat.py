"""CSAT of an owner's tickets: a survey answer is the ticket's when the same customer's latest ticket
resolved before it was resolved at most ATTRIBUTION_DAYS earlier (surveys carry no ticket id in most
exports; Zendesk's satisfaction survey goes out when a ticket is solved)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from crmctl.config import Config
from crmctl.domain.periods import Window

ATTRIBUTION_DAYS = 7


def can_attribute(config: Config, by: tuple[str, ...]) -> str | None:
    """None when CSAT can be attributed to the owner fields `by`, else why not."""
    surveys, tickets = config.datasets.get("surveys"), config.datasets.get("tickets")
    if surveys is None or tickets is None:
        return "needs surveys and tickets"
    missing = [f"tickets.{f}" for f in ("customer_id", "resolved_at", *by) if f not in tickets.columns
               and not (f == "customer_id" and {"customer_email", "customer_external_id"} & set(tickets.columns))]
    return f"needs {', '.join(missing)}" if missing else None


def attributed_csat(config: Config, by: tuple[str, ...], window: Window | None) -> pl.DataFrame:
    """Per owner (`by`: the owner field, and its team when mapped): numerator (satisfied answers),
    denominator = n (answers attributed), in the window."""
    from crmctl.read.identity import load_resolved

    data = load_resolved(config, {"surveys": {"customer_id", "responded_at", "type", "score"},
                                  "tickets": {"customer_id", "resolved_at", *by}})
    low, high = config.knob("csat_scale")
    answers = data["surveys"].frame.lazy().filter(
        pl.col("type") == "csat", pl.col("score").is_between(low, high), pl.col("customer_id").is_not_null())
    if window is not None:
        answers = answers.filter(pl.col("responded_at").dt.date().is_between(window.start, window.end))
    tickets = data["tickets"].frame.lazy().select("customer_id", "resolved_at", *by).drop_nulls(
        ["customer_id", "resolved_at", by[0]])
    joined = answers.sort("responded_at").join_asof(
        tickets.sort("resolved_at"), left_on="responded_at", right_on="resolved_at", by="customer_id",
        strategy="backward", tolerance=dt.timedelta(days=ATTRIBUTION_DAYS), check_sortedness=False)
    satisfied = pl.col("score") >= config.knob("csat_satisfied_min")
    return joined.drop_nulls(by[0]).group_by(*by).agg(
        numerator=satisfied.sum().cast(pl.Float64), denominator=pl.len().cast(pl.Float64),
        n=pl.len().cast(pl.Int64)).sort(*by).collect()
