"""crmctl cohorts: acquisition-cohort retention triangles."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from crmctl.commands.common import (
    ConfigOption, FormatOption, OutputOption, Period, date, guarded, load, show, split, with_progress,
)
from crmctl.render import Format


@guarded
def cohorts(
    config: ConfigOption = None,
    period: Annotated[Optional[Period], typer.Option("--period", "-p", help="Cohort and period length.")] = None,
    by: Annotated[Optional[str], typer.Option(help="A customer dimension to split cohorts by.")] = None,
    start: Annotated[Optional[str], typer.Option("--from", help="Only cohorts from this date.")] = None,
    end: Annotated[Optional[str], typer.Option("--to", help="Last day of data to use.")] = None,
    project: Annotated[int, typer.Option(
        "--project", min=0, help="Add this many periods of retention projected by the sBG model (0: none).")] = 0,
    fmt: FormatOption = Format.table,
    output: OutputOption = None,
    raw: Annotated[bool, typer.Option("--raw", help="CSV: do not neutralise cells that start with = + - @.")] = False,
) -> None:
    """Acquisition cohorts: the share of each cohort still active, and its revenue, in each later period.

    Examples:

        crmctl cohorts

        crmctl cohorts --period quarter --by segment

        crmctl cohorts -f csv -o cohorts.csv

        crmctl cohorts --period quarter --project 4
    """
    from crmctl.cohorts.build import build_cohorts
    from crmctl.report.build import with_overrides

    cfg = load(config)
    spec = with_overrides(cfg.report, period=period.value if period else None, by=split(by) or (),
                          start=date(start, "--from"), end=date(end, "--to"))
    show(with_progress(lambda: build_cohorts(cfg, spec, project=project)), fmt, output, raw=raw)
