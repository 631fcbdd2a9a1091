"""crmctl check: the config's targets, for cron and CI alerting."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Optional

import typer

from crmctl.commands.common import ConfigOption, date, guarded, load, rendered, with_progress
from crmctl.render import Format
from crmctl.errors import ExitCode


class CheckFormat(str, Enum):
    text = "text"
    json = "json"


@guarded
def check(
    config: ConfigOption = None,
    period_end: Annotated[Optional[str], typer.Option(
        "--period-end", help="Judge the period holding this date (default: the latest complete period).")] = None,
    fmt: Annotated[CheckFormat, typer.Option("--format", "-f", help="text lines, or JSON for alerting.")] =
        CheckFormat.text,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Also list met targets and rows without "
                                                                  "a value.")] = False,
    significant_only: Annotated[bool, typer.Option(
        "--significant-only", help="A miss whose target lies inside the value's confidence interval is reported "
                                   "as within noise and does not fail the check.")] = False,
    anomalies: Annotated[bool, typer.Option(
        "--anomalies", help="Also flag values outside what their own history makes plausible (no target needed): "
                            "the report section's and the targets' metrics; exit 1 when any is flagged.")] = False,
) -> None:
    """Check the config's targets: exit 0 when all are met, 1 when any is missed (one line per miss).

    Made for cron and CI: silent on success unless --verbose.

    Examples:

        crmctl check

        crmctl check --period-end 2025-03-31 --verbose

        crmctl check -f json || notify-team

        crmctl check --significant-only

        crmctl check --anomalies
    """
    from crmctl.monitor.history import record_check
    from crmctl.monitor.judge import judge
    from crmctl.render import write_output

    cfg = load(config)
    when = date(period_end, "--period-end")
    result = with_progress(lambda: judge(cfg, when, significant_only, anomalies))
    shown = result if anomalies else result.outcome
    text = rendered(shown, Format.json if fmt == CheckFormat.json else Format.table, verbose=verbose)
    if text:
        write_output(text, None)
    record_check(cfg, result.outcome, result.anomalies)  # after the verdicts are out
    if result.failed:
        raise typer.Exit(int(ExitCode.TARGET_MISSED))
