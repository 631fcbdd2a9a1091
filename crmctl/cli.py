"""The command line: the Typer app and its commands, each a thin module in crmctl/commands/.

Heavy modules (Polars, the metric catalogue) are imported inside commands so that `crmctl --help`
and shell completion stay fast.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from crmctl.version import __version__
from crmctl.commands import (
    catalogue, chart, check, cohorts, compare, convert, customers, drivers, explain, history, init, report, scorecard,
    validate, watch,
)
from crmctl.commands.common import state

app = typer.Typer(
    help="Customer metrics from CRM export files: satisfaction, retention, sales, service and more.\n\n"
         "Start with `crmctl report` (bundled sample data), then `crmctl metrics` for the catalogue.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # customer data must never land in cron logs
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

# Listed explicitly, in the order `crmctl --help` shows them.
app.command("report")(report.report)
app.command("metrics")(catalogue.metrics_command)
app.command("cohorts")(cohorts.cohorts)
app.command("customers")(customers.customers)
app.command("drivers")(drivers.drivers)
app.command("compare")(compare.compare)
app.command("scorecard")(scorecard.scorecard)
app.command("chart")(chart.chart)
app.command("init")(init.init)
app.command("convert")(convert.convert)
app.command("explain")(explain.explain)
app.command("validate")(validate.validate)
app.command("check")(check.check)
app.command("history")(history.history)
app.command("watch")(watch.watch)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"crmctl {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show a traceback on errors.")] = False,
) -> None:
    state["debug"] = debug


def main() -> None:
    try:
        app()
    except BrokenPipeError:
        # `crmctl report | head`: the reader left; exit quietly (see csvkit's SIGPIPE note).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(0)
