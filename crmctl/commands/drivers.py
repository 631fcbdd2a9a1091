"""crmctl drivers: what the customers who churned had in common."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from crmctl.commands.common import ConfigOption, FormatOption, OutputOption, date, guarded, load, show, with_progress
from crmctl.render import Format


@guarded
def drivers(
    config: ConfigOption = None,
    last: Annotated[Optional[str], typer.Option("--last", help="Window: the last N units of data, e.g. 12m.")] = None,
    start: Annotated[Optional[str], typer.Option("--from", help="Window start: who was active on this day.")] = None,
    end: Annotated[Optional[str], typer.Option("--to", help="Window end: churn up to this day.")] = None,
    fmt: FormatOption = Format.table,
    output: OutputOption = None,
    raw: Annotated[bool, typer.Option("--raw", help="CSV: do not neutralise cells that start with = + - @.")] = False,
) -> None:
    """Churn drivers: customers active at the window's start, churners against stayers, one attribute at a
    time (every customer dimension, NPS category, recent tickets, tenure, plan): churn rate, 95% interval
    and lift per value; attributes ranked by Cramér's V. Says whether NPS separates churners. Default
    window: the last 12 months of data; a snapshot export (a churn flag, no dates) uses every customer.

    Examples:

        crmctl drivers

        crmctl drivers --from 2024-07-01 --to 2025-06-30 -f csv -o drivers.csv

        crmctl drivers -c examples/telco.yaml -f json
    """
    from crmctl.drivers import build_drivers
    from crmctl.report.build import with_overrides

    cfg = load(config)
    spec = with_overrides(cfg.report, last=last, start=date(start, "--from"), end=date(end, "--to"))
    show(with_progress(lambda: build_drivers(cfg, spec)), fmt, output, raw=raw)
