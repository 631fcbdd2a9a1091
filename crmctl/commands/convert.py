"""crmctl convert: messy exports to clean CSV (no config), or a config's datasets to canonical Parquet."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from crmctl.commands.common import ConfigOption, err, guarded, load, rendered, with_progress
from crmctl.render import Format
from crmctl.errors import ExitCode


class SummaryFormat(str, Enum):
    text = "text"
    json = "json"


class Target(str, Enum):
    parquet = "parquet"
    csv = "csv"


@guarded
def convert(
    files: Annotated[Optional[list[Path]], typer.Argument(
        help="Export files to clean (no config needed). Without files: the config's datasets.",
        show_default=False)] = None,
    output_dir: Annotated[Path, typer.Option("--output-dir", "-o", help="Folder to write into (created if missing).",
                                             show_default=False)] = ...,
    config: ConfigOption = None,
    to: Annotated[Target, typer.Option("--to", help="With a config: the format of the datasets written.")] =
        Target.parquet,
    fmt: Annotated[SummaryFormat, typer.Option("--format", "-f", help="The summary: text on stderr, or JSON on "
                                                                       "stdout.")] = SummaryFormat.text,
    raw: Annotated[bool, typer.Option("--raw", help="CSV: do not neutralise cells that start with = + - @.")] = False,
) -> None:
    """Clean messy exports into RFC 4180 CSV, or write a config's datasets as canonical, typed files.

    With FILE arguments: sniffs each export (encoding, delimiter, quoting, preamble and footer lines,
    blank lines, ragged rows) and writes a clean UTF-8, comma-separated CSV of the same name to the
    output folder; what was dropped or repaired is summarised per file. A file that cannot be read is
    reported and does not stop the others (exit 4 at the end). As every CSV crmctl writes, a cell that
    a spreadsheet would run as a formula (= + - @) gains a leading ' unless --raw.

    Without files: reads every dataset the config maps, validated and typed as `report` reads them
    (the same account of skipped rows), and writes <dataset>.parquet plus a crmctl.yaml mapping them:
    repeated reports and other tools (DuckDB, pandas) then read them fast.

    Examples:

        crmctl convert exports/*.csv -o clean/

        crmctl convert -c crmctl.yaml -o canonical/ && crmctl report -c canonical/crmctl.yaml

        crmctl convert messy.csv -o clean/ -f json | jq '.files[].warnings'
    """
    if files:
        from crmctl.read.clean import FailedFile, clean_exports
        from crmctl.domain.results import CleanedFiles

        results = with_progress(lambda: clean_exports(list(files), output_dir, raw))
        _summary(rendered(CleanedFiles(results), Format.json if fmt is SummaryFormat.json else Format.table), fmt)
        codes = [r.exit_code for r in results if isinstance(r, FailedFile)]
        if codes:
            raise typer.Exit(int(ExitCode.DATA) if ExitCode.DATA in codes else int(ExitCode.OUTPUT))
        return
    from crmctl.setup.convert import convert_datasets

    cfg = load(config)
    written, config_path = with_progress(lambda: convert_datasets(cfg, output_dir, to.value, raw))
    if fmt is SummaryFormat.json:
        typer.echo(json.dumps({"config": str(config_path), "datasets": [w.to_dict() for w in written]}, indent=2))
        return
    for item in written:
        skipped = ", ".join(f"{n} {why}" for why, n in item.skipped_because.items())
        err(f"{item.dataset}: {item.rows_written} of {item.rows_read} rows → {item.path}"
            + (f" ({item.rows_filtered} filtered)" if item.rows_filtered else "")
            + (f" ({item.rows_skipped} skipped: {skipped})" if item.rows_skipped else ""))
    err(f"wrote {config_path}; next: crmctl report -c {config_path}")


def _summary(text: str, fmt: SummaryFormat) -> None:
    if fmt is SummaryFormat.json:
        typer.echo(text, nl=False)
    else:
        err(text)
