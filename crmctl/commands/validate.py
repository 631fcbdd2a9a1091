"""crmctl validate: the config and data checked without computing metrics."""

from __future__ import annotations

from typing import Annotated

import typer

from crmctl.commands.common import ConfigOption, FormatOption, guarded, load, show, with_progress
from crmctl.errors import ExitCode
from crmctl.render import Format


@guarded
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
    from crmctl.setup.validate import validate as validate_config

    cfg = load(config)
    report = with_progress(lambda: validate_config(cfg))
    show(report, fmt)
    if report.failed(strict):
        raise typer.Exit(int(ExitCode.DATA))
