"""crmctl metrics: the metric catalogue."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from crmctl.commands.common import ConfigOption, FormatOption, guarded, load, show
from crmctl.render import Format


@guarded
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
    from crmctl.report.catalogue import catalogue_records
    from crmctl.domain.results import Catalogue

    cfg = load(config)
    columns, records = catalogue_records(cfg, name)
    show(Catalogue(columns, records), fmt)
