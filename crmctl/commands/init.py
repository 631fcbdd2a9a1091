"""crmctl init: a starter config from export files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from crmctl.commands.common import err, guarded
from crmctl.errors import UsageError


@guarded
def init(
    inputs: Annotated[Optional[list[Path]], typer.Argument(
        help="Export files or folders of them.", show_default=False)] = None,
    url: Annotated[Optional[str], typer.Option(
        "--url", help="A database to read instead: postgresql://user:${PGPASSWORD}@host/db, sqlite:///crm.db, "
                      "duckdb:///crm.duckdb.", show_default=False)] = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="Config to write; - for stdout.")] = Path(
        "crmctl.yaml"),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing config.")] = False,
) -> None:
    """Write a starter config by recognising HubSpot, Salesforce, Zendesk, Shopify, Stripe and generic exports.

    Reads only headers and a sample of rows; marks every guess with a comment. With --url, the
    database's tables are recognised the same way (Fivetran and Airbyte tables included).

    Examples:

        crmctl init exports/

        crmctl init contacts.csv deals.csv -o crm.yaml

        crmctl init exports/ -o - | less

        crmctl init --url 'postgresql://crm:${PGPASSWORD}@db.internal/warehouse'
    """
    from crmctl.config import parse_config
    from crmctl.setup.init import export_files, write_config
    from crmctl.render import write_output
    from crmctl.config.yaml_reader import load_yaml

    if bool(url) == bool(inputs):
        raise UsageError("give export files or folders, or --url for a database (not both)")
    to_stdout = str(output) == "-"
    if not to_stdout and output.exists() and not force:
        raise UsageError(f"{output} exists; use --force to overwrite it, or -o to write elsewhere")
    target_dir = Path.cwd() if to_stdout else output.resolve().parent
    if url:
        from crmctl.setup.database_init import database_config

        text, messages = database_config(url, target_dir)
    else:
        text, messages = write_config(export_files(inputs), target_dir)
    parse_config(load_yaml(text, "the generated config"), target_dir / "crmctl.yaml")  # it must load as written
    for line in messages:
        err(f"  {line}")
    write_output(text, None if to_stdout else output)
    if not to_stdout:
        config = "" if output == Path("crmctl.yaml") else f" -c {output}"
        err(f"wrote {output}; next: crmctl report{config}")
