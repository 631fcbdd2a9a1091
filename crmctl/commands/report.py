"""crmctl report: metrics per period and segment."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from crmctl.commands.common import (
    Compare,
    ConfigOption,
    FormatOption,
    OutputOption,
    Period,
    date,
    guarded,
    load,
    split,
    terminal,
    warn_about,
    with_progress,
)
from crmctl.errors import UsageError
from crmctl.render import Format, Layout


@guarded
def report(
    config: ConfigOption = None,
    metrics: Annotated[Optional[str], typer.Option(
        "--metrics", "-m", help="Comma-separated metric names, or all (every metric this config can compute).")] = None,
    family: Annotated[Optional[str], typer.Option(help="All metrics of one family (see `crmctl metrics`).")] = None,
    period: Annotated[Optional[Period], typer.Option("--period", "-p", help="Period length.")] = None,
    by: Annotated[Optional[str], typer.Option(help="Comma-separated dimensions to split by, e.g. segment,region.")] = None,
    start: Annotated[Optional[str], typer.Option("--from", help="Window start date (inclusive).")] = None,
    end: Annotated[Optional[str], typer.Option("--to", help="Window end date (inclusive).")] = None,
    last: Annotated[Optional[str], typer.Option(help="Window of the last N units: 30d, 8w, 12m, 4q, 2y.")] = None,
    compare: Annotated[Optional[Compare], typer.Option(
        help="Add previous value and change, with the change's p_value and significant flag.")] = None,
    ci: Annotated[bool, typer.Option("--ci", help="Add ci_low and ci_high (confidence interval) to sampled values: "
                                                  "rates, NPS, means, medians; tables show value ± margin.")] = False,
    confidence: Annotated[Optional[float], typer.Option(
        min=0.5, max=0.999, help="Confidence of --ci intervals and --compare tests (default 0.95).")] = None,
    min_n: Annotated[Optional[int], typer.Option(
        "--min-n", min=1, help="Null sampled values from fewer than N observations (note \"n < N\").")] = None,
    fmt: FormatOption = Format.table,
    output: OutputOption = None,
    layout: Annotated[Optional[Layout], typer.Option(
        help="auto (default for table): wide if the metrics fit, else turned; long: metrics as rows (table) or "
             "tidy rows (csv/json); wide: a column per metric.")] = None,
    raw: Annotated[bool, typer.Option("--raw", help="CSV: do not neutralise cells that start with = + - @.")] = False,
    allow_empty: Annotated[bool, typer.Option(
        "--allow-empty", help="A report with no rows (nothing in the window) exits 0; without it, exit 4.")] = False,
    anomalies: Annotated[bool, typer.Option(
        "--anomalies", help="Flag values outside what their own history makes plausible: columns expected, "
                            "expected_low, expected_high, anomaly, anomaly_reason (long layout); ! in tables.")] =
        False,
) -> None:
    """Compute metrics per period and segment and print or write the report.

    Examples:

        crmctl report

        crmctl report -m revenue,average_order_value --by segment,region --period quarter

        crmctl report --last 12m --compare previous --format csv -o report.csv

        crmctl report -m nps,csat --ci --confidence 0.9 --min-n 30

        crmctl report -m revenue,csat --anomalies
    """
    from dataclasses import replace

    from crmctl.monitor.history import record_report
    from crmctl.render import render_report, write_output
    from crmctl.report.build import refuse_empty, with_overrides

    cfg = load(config)
    if metrics is not None and family is not None:
        raise UsageError("--metrics and --family both choose metrics: use one of them")
    spec = with_overrides(
        cfg.report, period=period.value if period else None, by=split(by), start=date(start, "--from"),
        end=date(end, "--to"), last=last, compare=compare.value if compare else None,
        ci=ci or None, confidence=confidence, suppress_below=min_n, min_n=min_n,
    )
    if metrics is not None or family is not None:  # the command line's choice replaces the config's
        spec = replace(spec, metrics=split(metrics) or (), family=family)
    if last is not None and start is None:  # --last replaces a `from:` in the config
        spec = replace(spec, start=None)
    if spec.period == "all" and spec.compare:
        raise UsageError("--compare needs periods to compare: use --period day|week|month|quarter|year")
    result = with_progress(lambda: _build(cfg, spec, anomalies))
    warn_about(result, explicit=bool(spec.family or spec.metrics and tuple(spec.metrics) != ("all",)))
    if not allow_empty:
        refuse_empty(result)
    color, width = terminal() if output is None else (False, None)
    text = render_report(result, fmt, layout, color=color, width=width, currency=cfg.currency, raw=raw)
    write_output(text, output)
    record_report(cfg, "report", result)  # after the report is out: a broken history file loses nothing


def _build(cfg, spec, anomalies: bool):
    if anomalies:
        from crmctl.monitor.judge import flagged_report

        return flagged_report(cfg, spec)
    from crmctl.report.build import build_report

    return build_report(cfg, spec)
