"""crmctl history: how one number was reported over time, and which past periods were restated."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from crmctl.commands.common import ConfigOption, FormatOption, OutputOption, Period, guarded, load, show
from crmctl.render import Format


@guarded
def history(
    metric: Annotated[str, typer.Argument(help="A metric name, as reports name it (see `crmctl metrics`).")],
    config: ConfigOption = None,
    period: Annotated[Optional[Period], typer.Option(
        "--period", "-p", help="Which period length's history (default: the latest run's for this metric).")] = None,
    restated: Annotated[bool, typer.Option("--restated", help="Only periods whose value changed after it was "
                                                              "first reported.")] = False,
    fmt: FormatOption = Format.table,
    output: OutputOption = None,
) -> None:
    """Show how METRIC was reported by past runs, period by period, and flag restatements.

    Needs a history: section in the config (report, check and watch then append what they report).

    Examples:

        crmctl history revenue

        crmctl history churn_rate --period month --restated -f csv -o restated.csv
    """
    from crmctl.errors import ConfigError
    from crmctl.metrics.catalogue import registry
    from crmctl.monitor.history import history_of

    cfg = load(config)
    if cfg.history is None:
        raise ConfigError(f"{cfg.path}: no history: section; add `history: {{path: crmctl-history.sqlite}}` "
                          "(docs/monitoring.md)")
    known = registry(cfg).get(metric)
    result = history_of(cfg.history.path, metric, known.unit if known else "score", period.value if period else None,
                        restated)
    show(result, fmt, output)
