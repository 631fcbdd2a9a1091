"""Operations: SLA compliance and process automation, from tickets."""

from __future__ import annotations

import polars as pl

from crmctl.metrics.metric import Metric


def _sla(ctx) -> pl.LazyFrame:
    """With sla_due_at: tickets due in P resolved by then. Else the sla_breached flag of tickets created in P."""
    tickets = ctx.joined("tickets")  # with the customers' --by columns, so ctx.frame(source=) joins nothing
    names = tickets.collect_schema().names()
    if "sla_due_at" not in names:
        flagged = ctx.frame("tickets").filter(pl.col("sla_breached").is_not_null())
        return flagged.group_by(ctx.keys).agg(
            numerator=(~pl.col("sla_breached")).sum(), denominator=pl.len(), n=pl.len())
    data_end = pl.max_horizontal(pl.col("created_at").max(), pl.col("resolved_at").max())
    resolved = pl.col("resolved_at")
    decided = tickets.with_columns(_data_end=data_end).with_columns(
        _met=resolved.is_not_null() & (resolved <= pl.col("sla_due_at")),
        _known=resolved.is_not_null() | (pl.col("sla_due_at") <= pl.col("_data_end")),
    )
    due = ctx.frame("tickets", "sla_due_at", source=decided)
    known = pl.col("_known")
    return due.group_by(ctx.keys).agg(
        numerator=(pl.col("_met") & known).sum(), denominator=known.sum(), n=known.sum(), excluded=(~known).sum())


def _automation(ctx) -> pl.LazyFrame:
    flagged = ctx.frame("tickets").filter(pl.col("automated").is_not_null())
    return flagged.group_by(ctx.keys).agg(numerator=pl.col("automated").sum(), denominator=pl.len(), n=pl.len())


METRICS = (
    Metric(
        name="sla_compliance_rate", interval="wilson", title="SLA compliance", family="operations", unit="ratio",
        requires=("tickets.created_at", "tickets.sla_due_at|sla_breached"), optional=("tickets.resolved_at",),
        time_field="sla_due_at", plan=_sla, excluded="unresolved tickets not yet due at the export's end excluded",
        numerator="tickets resolved by their SLA due time", denominator="tickets due in the period",
        description="With sla_due_at: tickets due in the period resolved by their due time ÷ tickets due in the "
                    "period; an unresolved ticket past due is a breach, one not yet due when the export ends is "
                    "left out. With only an sla_breached flag: tickets created in the period not breached ÷ "
                    "tickets created in the period with a flag.",
    ),
    Metric(
        name="process_automation_rate", interval="wilson", title="Automation", family="operations", unit="ratio",
        requires=("tickets.created_at", "tickets.automated"), plan=_automation,
        numerator="tickets handled by automation", denominator="tickets created in the period",
        description="Tickets created in the period flagged as handled by automation ÷ tickets created in the period "
                    "with the flag.",
    ),
)
