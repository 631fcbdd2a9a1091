"""The command line: parse options, call the library, render, map errors to exit codes.

Heavy modules (Polars, the metric catalogue) are imported inside commands so that `crmctl --help`
and shell completion stay fast.
"""

from __future__ import annotations

import functools
import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from crmctl import __version__
from crmctl.errors import CrmctlError, ExitCode, UsageError
from crmctl.render import Format, Layout

app = typer.Typer(
    help="Customer metrics from CRM export files: satisfaction, retention, sales, service and more.\n\n"
         "Start with `crmctl report` (bundled sample data), then `crmctl metrics` for the catalogue.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # customer data must never land in cron logs
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class Period(str, Enum):
    day = "day"
    week = "week"
    month = "month"
    quarter = "quarter"
    year = "year"
    all = "all"


class Compare(str, Enum):
    previous = "previous"
    year = "year"


_state = {"debug": False}

ConfigOption = Annotated[Optional[Path], typer.Option(
    "--config", "-c", help="Config file. Default: ./crmctl.yaml, then $CRMCTL_CONFIG, then the bundled sample.",
    show_default=False)]
FormatOption = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
OutputOption = Annotated[Optional[Path], typer.Option(
    "--output", "-o", help="Write to this file (atomically) instead of stdout.", show_default=False)]


def _guarded(command):
    """The one place where errors become exit codes and messages on stderr."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except CrmctlError as error:
            if _state["debug"]:
                raise
            _err(f"crmctl: {error}")
            raise typer.Exit(int(error.exit_code)) from None
        except KeyboardInterrupt:
            _err("crmctl: interrupted")
            raise typer.Exit(int(ExitCode.INTERRUPTED)) from None

    return wrapper


def _err(message: str) -> None:
    sys.stderr.write(message.rstrip("\n") + "\n")


def _terminal() -> tuple[bool, int | None]:
    """Colour and width for stdout: only a terminal gets colour and a width limit."""
    if not sys.stdout.isatty():
        return False, None
    import shutil

    return "NO_COLOR" not in os.environ, shutil.get_terminal_size().columns


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
    _state["debug"] = debug


def _load(config_path: Path | None):
    from crmctl.config import find_config, load_config

    path, note = find_config(config_path)
    if note:
        _err(note)
    return load_config(path)


def _date(text: str | None, option: str):
    import datetime as dt

    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{option} {text!r}: expected a date like 2024-01-31") from None


def _split(text: str | None) -> tuple[str, ...] | None:
    return tuple(p.strip() for p in text.split(",") if p.strip()) if text is not None else None


@app.command()
@_guarded
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
    compare: Annotated[Optional[Compare], typer.Option(help="Add previous value and change.")] = None,
    fmt: FormatOption = Format.table,
    output: OutputOption = None,
    layout: Annotated[Optional[Layout], typer.Option(
        help="long: one row per metric (default for csv/json); wide: one column per metric.")] = None,
    raw: Annotated[bool, typer.Option("--raw", help="CSV: do not neutralise cells that start with = + - @.")] = False,
) -> None:
    """Compute metrics per period and segment and print or write the report.

    Examples:

        crmctl report

        crmctl report -m revenue,average_order_value --by segment,region --period quarter

        crmctl report --last 12m --compare previous --format csv -o report.csv
    """
    from dataclasses import replace

    from crmctl.render import render_report, write_output
    from crmctl.report import build_report, with_overrides

    cfg = _load(config)
    if metrics is not None and family is not None:
        raise UsageError("--metrics and --family both choose metrics: use one of them")
    spec = with_overrides(
        cfg.report, period=period.value if period else None, by=_split(by), start=_date(start, "--from"),
        end=_date(end, "--to"), last=last, compare=compare.value if compare else None,
    )
    if metrics is not None or family is not None:  # the command line's choice replaces the config's
        spec = replace(spec, metrics=_split(metrics) or (), family=family)
    if last is not None and start is None:  # --last replaces a `from:` in the config
        spec = replace(spec, start=None)
    if spec.period == "all" and spec.compare:
        raise UsageError("--compare needs periods to compare: use --period day|week|month|quarter|year")
    result = _with_progress(lambda: build_report(cfg, spec))
    _warn_about(result, explicit=bool(spec.family or spec.metrics and tuple(spec.metrics) != ("all",)))
    color, width = _terminal() if output is None else (False, None)
    text = render_report(result, fmt, layout, color=color, width=width, currency=cfg.currency, raw=raw)
    write_output(text, output)


def _with_progress(work):
    """A status line on stderr saying what is being read or computed: only when a person is watching,
    and only once the work has taken a second (a quick report should not flicker)."""
    if not sys.stderr.isatty() or "NO_COLOR" in os.environ:
        return work()
    import threading

    from rich.console import Console

    from crmctl import progress

    status = Console(stderr=True).status("preparing report…")
    timer = threading.Timer(1.0, status.start)
    timer.daemon = True
    timer.start()
    try:
        with progress.listening(lambda message: status.update(f"{message}…")):
            return work()
    finally:
        timer.cancel()
        timer.join()  # a start already under way finishes before the stop below
        status.stop()


def _warn_about(result, explicit: bool) -> None:
    if explicit:
        for name, reason in result.unavailable.items():
            _err(f"warning: {name} not computed: {reason}")
    for name, loaded in result.datasets.items():
        for warning in loaded.warnings:
            _err(f"warning: {name}: {warning}")
        if loaded.rows_skipped:
            reasons = ", ".join(f"{n} {why}" for why, n in loaded.skipped_because.items())
            _err(f"warning: {name}: {loaded.rows_skipped} of {loaded.rows_read} rows skipped ({reasons})")
        for fieldname, issue in loaded.invalid.items():
            _err(f"warning: {name}.{fieldname}: {issue.describe()}")


@app.command("metrics")
@_guarded
def metrics_command(
    name: Annotated[Optional[str], typer.Argument(help="Show one metric in full.")] = None,
    config: ConfigOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """List the metric catalogue: definitions, required fields, and what this config can compute.

    Examples:

        crmctl metrics

        crmctl metrics average_order_value

        crmctl metrics --format json | jq '.[] | select(.computable)'
    """
    from crmctl.catalogue_view import catalogue_records
    from crmctl.render import render_records, write_output

    cfg = _load(config)
    columns, records = catalogue_records(cfg, name)
    color, width = _terminal()
    write_output(render_records(columns, records, fmt, color=color, width=width), None)


@app.command()
@_guarded
def cohorts(
    config: ConfigOption = None,
    period: Annotated[Optional[Period], typer.Option("--period", "-p", help="Cohort and period length.")] = None,
    by: Annotated[Optional[str], typer.Option(help="A customer dimension to split cohorts by.")] = None,
    start: Annotated[Optional[str], typer.Option("--from", help="Only cohorts from this date.")] = None,
    end: Annotated[Optional[str], typer.Option("--to", help="Last day of data to use.")] = None,
    fmt: FormatOption = Format.table,
    output: OutputOption = None,
    raw: Annotated[bool, typer.Option("--raw", help="CSV: do not neutralise cells that start with = + - @.")] = False,
) -> None:
    """Acquisition cohorts: the share of each cohort still active, and its revenue, in each later period.

    Examples:

        crmctl cohorts

        crmctl cohorts --period quarter --by segment

        crmctl cohorts -f csv -o cohorts.csv
    """
    from crmctl.cohorts import build_cohorts
    from crmctl.render import render_cohorts, write_output
    from crmctl.report import with_overrides

    cfg = _load(config)
    spec = with_overrides(cfg.report, period=period.value if period else None, by=_split(by) or (),
                          start=_date(start, "--from"), end=_date(end, "--to"))
    frame, meta = _with_progress(lambda: build_cohorts(cfg, spec))
    color, width = _terminal() if output is None else (False, None)
    write_output(render_cohorts(frame, meta, fmt, color=color, width=width, raw=raw), output)


@app.command()
@_guarded
def init(
    inputs: Annotated[list[Path], typer.Argument(help="Export files or folders of them.", show_default=False)],
    output: Annotated[Path, typer.Option("--output", "-o", help="Config to write; - for stdout.")] = Path(
        "crmctl.yaml"),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing config.")] = False,
) -> None:
    """Write a starter config by recognising HubSpot, Salesforce, Zendesk, Shopify, Stripe and generic exports.

    Reads only headers and a sample of rows; marks every guess with a comment.

    Examples:

        crmctl init exports/

        crmctl init contacts.csv deals.csv -o crm.yaml

        crmctl init exports/ -o - | less
    """
    from crmctl.config import parse_config
    from crmctl.init import export_files, write_config
    from crmctl.render import write_output
    from crmctl.yamlio import load_yaml

    to_stdout = str(output) == "-"
    if not to_stdout and output.exists() and not force:
        raise UsageError(f"{output} exists; use --force to overwrite it, or -o to write elsewhere")
    target_dir = Path.cwd() if to_stdout else output.resolve().parent
    text, messages = write_config(export_files(inputs), target_dir)
    parse_config(load_yaml(text, "the generated config"), target_dir / "crmctl.yaml")  # it must load as written
    for line in messages:
        _err(f"  {line}")
    write_output(text, None if to_stdout else output)
    if not to_stdout:
        config = "" if output == Path("crmctl.yaml") else f" -c {output}"
        _err(f"wrote {output}; next: crmctl report{config}")


@app.command()
@_guarded
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
    from crmctl.explain import explain as explain_metric
    from crmctl.explain import parse_period, parse_segment
    from crmctl.render import render_explanation, write_output

    cfg = _load(config)
    details = _with_progress(lambda: explain_metric(cfg, metric, parse_period(period), parse_segment(segment or []),
                                                    every.value if every else None, ids))
    write_output(render_explanation(details, fmt), None)


@app.command()
@_guarded
def validate(
    config: ConfigOption = None,
    fmt: FormatOption = Format.table,
    strict: Annotated[bool, typer.Option("--strict", help="Fail (exit 4) on warnings too.")] = False,
) -> None:
    """Check the config and every mapped file without computing metrics; exit 4 on errors.

    Reports rows read, skipped and filtered per dataset, completeness and parse rate per field,
    duplicate ids, implausible dates, customer ids missing from customers and scores off their scale.

    Examples:

        crmctl validate

        crmctl validate --strict -f json > validation.json
    """
    from crmctl.render import render_validation, write_output
    from crmctl.validate import validate as validate_config

    cfg = _load(config)
    report = _with_progress(lambda: validate_config(cfg))
    color, width = _terminal()
    write_output(render_validation(report, fmt, color=color, width=width), None)
    if report.failed(strict):
        raise typer.Exit(int(ExitCode.DATA))


class CheckFormat(str, Enum):
    text = "text"
    json = "json"


@app.command()
@_guarded
def check(
    config: ConfigOption = None,
    period_end: Annotated[Optional[str], typer.Option(
        "--period-end", help="Judge the period holding this date (default: the latest complete period).")] = None,
    fmt: Annotated[CheckFormat, typer.Option("--format", "-f", help="text lines, or JSON for alerting.")] =
        CheckFormat.text,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Also list met targets and rows without "
                                                                  "a value.")] = False,
) -> None:
    """Check the config's targets: exit 0 when all are met, 1 when any is missed (one line per miss).

    Made for cron and CI: silent on success unless --verbose.

    Examples:

        crmctl check

        crmctl check --period-end 2025-03-31 --verbose

        crmctl check -f json || notify-team
    """
    from crmctl.check import run_check
    from crmctl.render import render_check, write_output

    cfg = _load(config)
    outcome = _with_progress(lambda: run_check(cfg, _date(period_end, "--period-end")))
    text = render_check(outcome, cfg, fmt.value, verbose)
    if text:
        write_output(text, None)
    if outcome.misses:
        raise typer.Exit(int(ExitCode.TARGET_MISSED))


def main() -> None:
    try:
        app()
    except BrokenPipeError:
        # `crmctl report | head`: the reader left; exit quietly (see csvkit's SIGPIPE note).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(0)
