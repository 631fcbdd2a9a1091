"""crmctl scorecard: owners (agents, reps, teams) ranked on their tickets and leads."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from crmctl.commands.common import ConfigOption, FormatOption, OutputOption, date, guarded, load, show, with_progress
from crmctl.render import Format


@guarded
def scorecard(
    config: ConfigOption = None,
    by: Annotated[str, typer.Option(help="The owner field of tickets and leads: agent, team, or any dimension "
                                         "both map.")] = "agent",
    start: Annotated[Optional[str], typer.Option("--from", help="Window start date (inclusive).")] = None,
    end: Annotated[Optional[str], typer.Option("--to", help="Window end date (inclusive).")] = None,
    last: Annotated[Optional[str], typer.Option(help="Window of the last N units: 30d, 8w, 12m, 4q, 2y.")] = None,
    confidence: Annotated[float, typer.Option(min=0.5, max=0.999, help="Confidence of the intervals.")] = 0.95,
    min_n: Annotated[int, typer.Option("--min-n", min=1, help="Mark owners with fewer observations (†).")] = 30,
    fmt: FormatOption = Format.table,
    output: OutputOption = None,
) -> None:
    """Rank owners on first contact resolution, resolution time, CSAT of their tickets, win rate and
    sales cycle length: each estimate shrunk toward the team mean, with its interval, small n marked.

    Examples:

        crmctl scorecard --by agent

        crmctl scorecard --by team --last 3m -f csv -o scorecard.csv
    """
    from crmctl.report.build import with_overrides
    from crmctl.scorecard.build import build_scorecard

    cfg = load(config)
    spec = with_overrides(cfg.report, start=date(start, "--from"), end=date(end, "--to"), last=last)
    card = with_progress(lambda: build_scorecard(cfg, by, spec, min_n, confidence))
    show(card, fmt, output)
