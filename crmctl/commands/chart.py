"""crmctl chart: one metric's chart to a file, for slides."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from crmctl.commands.common import ConfigOption, OutputOption, Period, date, guarded, load, split, with_progress
from crmctl.errors import UsageError
from crmctl.render import Format


@guarded
def chart(
    metric: Annotated[str, typer.Argument(help="The metric to draw.", show_default=False)],
    config: ConfigOption = None,
    period: Annotated[Optional[Period], typer.Option("--period", "-p", help="Period length.")] = None,
    by: Annotated[Optional[str], typer.Option(help="Dimensions to draw one line each for, e.g. segment.")] = None,
    start: Annotated[Optional[str], typer.Option("--from", help="Window start date (inclusive).")] = None,
    end: Annotated[Optional[str], typer.Option("--to", help="Window end date (inclusive).")] = None,
    last: Annotated[Optional[str], typer.Option(help="Window of the last N units: 30d, 8w, 12m, 4q, 2y.")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="svg or png.")] = Format.svg,
    output: OutputOption = None,
) -> None:
    """Draw one metric over the periods, a line per segment, its target as a rule: SVG or PNG for slides.

    Needs the charts extra: pip install 'crmctl[html]'.

    Examples:

        crmctl chart revenue --by segment -o revenue.svg

        crmctl chart churn_rate --last 12m -f png -o churn.png
    """
    from dataclasses import replace

    from crmctl.render import render_chart, write_output
    from crmctl.report.build import build_report, with_overrides

    if fmt not in (Format.svg, Format.png):
        raise UsageError(f"--format {fmt.value}: a chart is svg or png")
    cfg = load(config)
    spec = with_overrides(cfg.report, period=period.value if period else None, by=split(by),
                          start=date(start, "--from"), end=date(end, "--to"), last=last, compare=None)
    spec = replace(spec, metrics=(metric,), family=None, start=None if last and not start else spec.start)
    result = with_progress(lambda: build_report(cfg, spec))
    write_output(render_chart(result, metric, fmt, currency=cfg.currency), output)
