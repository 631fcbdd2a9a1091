"""crmctl compare: A/B variants or any groups of a customer dimension, with intervals, lifts and p-values."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from crmctl.commands.common import (
    ConfigOption, FormatOption, OutputOption, date, err, guarded, load, show, split, with_progress,
)
from crmctl.errors import UsageError
from crmctl.render import Format


@guarded
def compare(
    config: ConfigOption = None,
    by: Annotated[Optional[str], typer.Option(help="The customer dimension whose values are the groups.")] = None,
    experiment: Annotated[Optional[str], typer.Option(
        help="An experiment of the assignments export: its variants are the groups (--by variant), and "
             "outcomes count only at or after each customer's assigned_at.")] = None,
    control: Annotated[Optional[str], typer.Option(
        help="The group the others are compared with. Default: the first by name.")] = None,
    metrics: Annotated[Optional[str], typer.Option(
        "--metrics", "-m", help="Comma-separated metrics. Default: every computable one.")] = None,
    start: Annotated[Optional[str], typer.Option("--from", help="Count outcomes from this date (inclusive).")] = None,
    end: Annotated[Optional[str], typer.Option("--to", help="Count outcomes up to this date (inclusive).")] = None,
    last: Annotated[Optional[str], typer.Option(help="Window of the last N units: 30d, 8w, 12m, 4q, 2y.")] = None,
    shares: Annotated[Optional[str], typer.Option(
        "--shares", help="Designed split for the sample-ratio check: one share per group in name order, "
                         "e.g. 50,50. Default: equal.")] = None,
    confidence: Annotated[float, typer.Option(
        min=0.5, max=0.999, help="Confidence of the intervals; the significance level is 1 − confidence.")] = 0.95,
    plan: Annotated[bool, typer.Option("--plan", help="Size a test instead: customers per group needed.")] = False,
    metric: Annotated[Optional[str], typer.Option(
        "--metric", help="--plan: the rate or mean metric to size for.")] = None,
    baseline: Annotated[Optional[float], typer.Option(
        help="--plan: the control's expected rate, e.g. 0.05 (for a mean: optional, reported only).")] = None,
    mde: Annotated[Optional[float], typer.Option(
        help="--plan: the smallest absolute change to detect, e.g. 0.01 (a rate) or 5 (a mean).")] = None,
    sd: Annotated[Optional[float], typer.Option(
        "--sd", help="--plan for a mean (revenue_per_customer): its standard deviation across customers.")] = None,
    fmt: FormatOption = Format.table,
    output: OutputOption = None,
    raw: Annotated[bool, typer.Option("--raw", help="CSV: do not neutralise cells that start with = + - @.")] = False,
) -> None:
    """Compare the groups of one customer dimension (A/B variants, segments) or the variants of an experiment
    in the assignments export: each metric per group with its interval (95% unless --confidence); each group
    against the control with lift, p-value, Holm's correction and ▲▼ when significant; and a
    sample-ratio-mismatch check.

    Examples:

        crmctl compare --by segment

        crmctl compare --by variant --control A -m conversion_rate,revenue_per_customer -f json

        crmctl compare --experiment checkout-2024 --control A --confidence 0.9

        crmctl compare --plan --metric churn_rate --baseline 0.05 --mde 0.01

        crmctl compare --plan --metric revenue_per_customer --sd 80 --mde 5
    """
    if plan:
        from crmctl.domain.results import Records

        if metric is None or mde is None:
            raise UsageError("--plan needs --metric and --mde (and --baseline for a rate, --sd for a mean), "
                             "e.g. --metric churn_rate --baseline 0.05 --mde 0.01")
        from crmctl.compare import plan_sample_size

        sized = plan_sample_size(metric, baseline, mde, alpha=round(1 - confidence, 12), sd=sd)
        show(Records(list(sized), [sized], "crmctl compare --plan", single=True), fmt, output)
        return
    if by is None and experiment is None:
        raise UsageError("compare needs --by DIMENSION or --experiment NAME, e.g. --by segment "
                         "(or --plan to size a test)")
    from crmctl.compare import build_comparison

    cfg = load(config)
    try:
        expected = [float(s) for s in split(shares)] if shares else None
    except ValueError:
        raise UsageError(f"--shares {shares!r}: expected numbers separated by commas, e.g. 50,50") from None
    result = with_progress(lambda: build_comparison(
        cfg, by, experiment=experiment, control=control, confidence=confidence, metrics=split(metrics) or (),
        start=date(start, "--from"), end=date(end, "--to"), last=last, expected_shares=expected))
    shown = output is None and fmt in (Format.table, Format.markdown)  # these print it under the table
    if result.meta["srm"]["warning"] and not shown:
        err(f"WARNING: {result.meta['srm']['warning']}")
    show(result, fmt, output, raw=raw)
