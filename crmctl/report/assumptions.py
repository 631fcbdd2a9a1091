"""Numbers that rest on an assumption rather than the data say so where they are shown.

Gross profit is amount − cost; orders without a cost column count `gross_margin` (60% by default) of
their amount instead. Gross profit, CLV, CLV:CAC, CAC payback and ROI then hold a margin nobody
measured: each such value gets the note `assumed margin 60%`, and the report's meta names it.
"""

from __future__ import annotations

import polars as pl

from crmctl.config import Config


def margin_note(margin: float) -> str:
    return f"assumed margin {margin:.0%}"


def clv_margin_note(margin: float | None) -> str:
    """What `crmctl customers`' predicted_clv is: the models predict revenue; a margin makes it profit."""
    if margin is None:
        return "predicted_clv is revenue, not profit: set definitions.gross_margin to count a margin"
    return f"predicted_clv: {margin_note(margin)} of the predicted revenue (definitions.gross_margin)"


def assumed_margin(config: Config, metrics) -> dict | None:
    """The margin the selected metrics assume, and which of them do, when orders map no cost; else None."""
    orders = config.datasets.get("orders")
    if orders is None or "cost" in orders.columns:
        return None
    names = [m.name for m in metrics if m.name == "gross_profit" or "gross_profit" in (m.depends_on or ())]
    if not names:
        return None
    margin = float(config.knob("gross_margin"))
    return {"gross_margin": margin, "metrics": names, "note": margin_note(margin),
            "why": "orders map no cost column: gross profit = amount × gross_margin (definitions.gross_margin)"}


def with_margin_notes(rows: pl.DataFrame, assumption: dict | None) -> pl.DataFrame:
    """Every value of those metrics notes the assumed margin (after any other note)."""
    if assumption is None or not rows.height:
        return rows
    hit = pl.col("metric").is_in(assumption["metrics"]) & pl.col("value").is_not_null()
    note = pl.when(pl.col("note").is_null()).then(pl.lit(assumption["note"])).otherwise(
        pl.col("note") + pl.lit("; " + assumption["note"]))
    return rows.with_columns(note=pl.when(hit).then(note).otherwise(pl.col("note")))
