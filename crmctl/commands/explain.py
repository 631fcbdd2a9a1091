"""crmctl explain: where one number comes from."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from crmctl.commands.common import ConfigOption, Period, guarded, load, show, with_progress
from crmctl.render import Format


@guarded
def explain(
    metric: Annotated[str, typer.Argument(help="The metric to explain.", show_default=False)],
    config: ConfigOption = None,
    period: Annotated[Optional[str], typer.Option(
        "--period", help="The period: a month like 2025-03 or any day in it (default: the latest with a value).")] = None,
    every: Annotated[Optional[Period], typer.Option("--every", help="Period length (default: the config's).")] = None,
    segment: Annotated[Optional[list[str]], typer.Option(
        "--segment", help="KEY=VALUE of a dimension, e.g. segment=SMB; repeatable; (none) for no value.")] = None,
    ids: Annotated[bool, typer.Option("--ids", help="List the ids the numerator counts.")] = False,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table (text) or json.")] = Format.table,
) -> None:
    """Show where one number comes from: definition, knobs, numerator and denominator, rows left out.

    Examples:

        crmctl explain churn_rate

        crmctl explain churn_rate --period 2025-03 --segment segment=SMB --ids

        crmctl explain nps -f json
    """
    from crmctl.report.explain import explain as explain_metric
    from crmctl.report.explain import parse_period, parse_segment
    from crmctl.domain.results import Explanation

    cfg = load(config)
    details = with_progress(lambda: explain_metric(cfg, metric, parse_period(period), parse_segment(segment or []),
                                                    every.value if every else None, ids))
    show(Explanation(details), fmt)
