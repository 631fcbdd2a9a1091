"""What every command shares: options declared once, the error-to-exit-code guard, stderr, terminal
detection, config loading and the status line. Heavy modules are imported inside functions so that
`crmctl --help` and shell completion stay fast."""

from __future__ import annotations

import functools
import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from crmctl.errors import CrmctlError, ExitCode, UsageError
from crmctl.render import Format


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


state = {"debug": False}

ConfigOption = Annotated[Optional[Path], typer.Option(
    "--config", "-c", help="Config file. Default: ./crmctl.yaml, then $CRMCTL_CONFIG, then the bundled sample.",
    show_default=False)]
FormatOption = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
OutputOption = Annotated[Optional[Path], typer.Option(
    "--output", "-o", help="Write to this file (atomically) instead of stdout.", show_default=False)]


def guarded(command):
    """The one place where errors become exit codes and messages on stderr."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except CrmctlError as error:
            if state["debug"]:
                raise
            err(f"crmctl: {error}")
            raise typer.Exit(int(error.exit_code)) from None
        except KeyboardInterrupt:
            err("crmctl: interrupted")
            raise typer.Exit(int(ExitCode.INTERRUPTED)) from None

    return wrapper


def err(message: str) -> None:
    """A message on stderr; the file names and values inside it print as the literal text they are. On a
    terminal, long lines wrap at spaces to its width, continued two spaces in, rather than being broken
    mid-word by the terminal; a pipe or a log gets each line whole."""
    from crmctl.render.text import literal_lines

    text = literal_lines(message.rstrip("\n"))
    if sys.stderr.isatty():
        try:
            width = os.get_terminal_size(sys.stderr.fileno()).columns
        except OSError:
            width = 0
        if width:
            from crmctl.render.text_table import wrapped

            text = wrapped(text, width)
    sys.stderr.write(text + "\n")


def terminal() -> tuple[bool, int | None]:
    """Colour and width for stdout: only a terminal gets colour and a width limit."""
    if not sys.stdout.isatty():
        return False, None
    import shutil

    return "NO_COLOR" not in os.environ, shutil.get_terminal_size().columns


def rendered(result, fmt, output: Path | None = None, **options) -> str | bytes:
    """`result` in `fmt` as the render registry shows it, sized for stdout's terminal when it goes there
    (colour and width; a pipe or a file gets neither). `options`: raw, currency, layout, verbose."""
    from crmctl.render.registry import render
    from crmctl.render.view import Options

    color, width = terminal() if output is None else (False, None)
    return render(result, fmt, Options(color=color, width=width, **options))


def show(result, fmt, output: Path | None = None, **options) -> None:
    """The result's warnings on stderr, then the result to stdout or `output` (atomically)."""
    from crmctl.render import write_output

    for warning in getattr(result, "warnings", ()):
        err(f"warning: {warning}")
    write_output(rendered(result, fmt, output, **options), output)


def load(config_path: Path | None):
    from crmctl.config import find_config, load_config

    path, note = find_config(config_path)
    if note:
        err(note)
    return load_config(path)


def date(text: str | None, option: str):
    import datetime as dt

    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{option} {text!r}: expected a date like 2024-01-31") from None


def split(text: str | None) -> tuple[str, ...] | None:
    return tuple(p.strip() for p in text.split(",") if p.strip()) if text is not None else None


def with_progress(work):
    """A status line on stderr saying what is being read or computed: only when a person is watching,
    and only once the work has taken a second (a quick report should not flicker)."""
    if not sys.stderr.isatty() or "NO_COLOR" in os.environ:
        return work()
    import threading

    from rich.console import Console
    from rich.text import Text

    from crmctl import progress
    from crmctl.render.text import literal

    status = Console(stderr=True).status("preparing report…")
    timer = threading.Timer(1.0, status.start)
    timer.daemon = True
    timer.start()
    try:
        with progress.listening(lambda message: status.update(Text(f"{literal(message)}…"))):
            return work()
    finally:
        timer.cancel()
        timer.join()  # a start already under way finishes before the stop below
        status.stop()


def warn_about(result, explicit: bool) -> None:
    if explicit:
        for name, reason in result.unavailable.items():
            err(f"warning: {name} not computed: {reason}")
    for loaded in result.datasets.values():
        for warning in loaded.account_warnings():
            err(f"warning: {warning}")
