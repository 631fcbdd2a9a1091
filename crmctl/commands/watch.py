"""crmctl watch: re-run a report or check whenever the config's export files change."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Optional

import typer

from crmctl.commands.common import ConfigOption, Period, date, err, guarded, split


class WatchFormat(str, Enum):
    auto = "auto"  # live in a terminal, JSON lines when piped
    live = "live"
    json = "json"


@guarded
def watch(
    config: ConfigOption = None,
    check: Annotated[bool, typer.Option("--check", help="Run `check` (targets) instead of a report.")] = False,
    anomalies: Annotated[bool, typer.Option("--anomalies", help="Flag values outside what their history makes "
                                                                "plausible (see `report --anomalies`).")] = False,
    metrics: Annotated[Optional[str], typer.Option("--metrics", "-m", help="Comma-separated metric names.")] = None,
    period: Annotated[Optional[Period], typer.Option("--period", "-p", help="Period length.")] = None,
    by: Annotated[Optional[str], typer.Option(help="Comma-separated dimensions to split by.")] = None,
    start: Annotated[Optional[str], typer.Option("--from", help="Window start date (inclusive).")] = None,
    last: Annotated[Optional[str], typer.Option(help="Window of the last N units: 30d, 8w, 12m, 4q, 2y.")] = None,
    settle: Annotated[float, typer.Option(min=0.0, help="Seconds every export must stay unchanged before it "
                                                        "is read (a file being written is waited for).")] = 1.0,
    debounce: Annotated[int, typer.Option(min=1, help="Milliseconds: changes this close together make one "
                                                      "run.")] = 500,
    max_runs: Annotated[Optional[int], typer.Option("--max-runs", min=1, help="Stop after N runs (the first "
                                                                              "counts).")] = None,
    timeout: Annotated[Optional[float], typer.Option(min=0.0, help="Stop after this many seconds.")] = None,
    fmt: Annotated[WatchFormat, typer.Option("--format", "-f", help="live view, or one JSON line per run "
                                                                    "(auto: live in a terminal).")] =
        WatchFormat.auto,
) -> None:
    """Re-run a report (or check) whenever the config's export files or the config change.

    In a terminal a live view shows the latest period and what changed since the last run; piped,
    each run prints one JSON line. Ctrl-C stops (exit 130).

    Examples:

        crmctl watch -m revenue,csat --by segment

        crmctl watch --check --anomalies -f json >> runs.jsonl

        crmctl watch --max-runs 5 --timeout 3600
    """
    import sys
    from dataclasses import replace

    from crmctl.config import find_config
    from crmctl.monitor import jobs
    from crmctl.monitor.watch import Bounds, watch_runs
    from crmctl.report.build import with_overrides

    path, note = find_config(config)
    if note:
        err(note)

    def spec_of(cfg):
        spec = with_overrides(cfg.report, period=period.value if period else None, by=split(by),
                              start=date(start, "--from"), last=last)
        return replace(spec, metrics=split(metrics), family=None) if metrics else spec

    job = jobs.check_job(path, anomalies) if check else jobs.report_job(path, spec_of, anomalies)
    bounds = Bounds(max_runs, timeout, settle, debounce)
    runs = watch_runs(path, lambda: jobs.dataset_patterns(path), job, lambda s: s.cells, bounds)
    live = fmt == WatchFormat.live or (fmt == WatchFormat.auto and sys.stdout.isatty())
    _show_live(runs, path, spec_of) if live else _print_lines(runs)


def _print_lines(runs) -> None:
    import sys

    from crmctl.render.watch import watch_line

    for run in runs:
        sys.stdout.write(watch_line(run))
        sys.stdout.flush()  # a reader of the pipe sees each run as it happens


def _show_live(runs, path, spec_of) -> None:
    from rich.console import Console
    from rich.live import Live

    from pathlib import Path

    from crmctl.config import load_config
    from crmctl.errors import CrmctlError
    from crmctl.monitor.jobs import dataset_patterns
    from crmctl.render.watch import watch_view

    console = Console()
    with Live(console=console, auto_refresh=False, transient=False) as live:
        for run in runs:
            try:
                period_kind = spec_of(load_config(path)).period
                watching = sorted({Path(p) for p in dataset_patterns(path)}, key=str)
            except CrmctlError:  # a broken config: the run's error says why
                period_kind, watching = "month", [path]
            live.update(watch_view(run, period_kind, watching), refresh=True)
