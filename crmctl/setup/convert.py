"""`crmctl convert` with a config: every mapped dataset read, validated and typed once, written as
canonical Parquet (or CSV) beside a config that maps it, so that other tools and repeated reports read
it fast. Reading the converted files back gives the same report (tests/test_convert.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from crmctl.config import Config
from crmctl.errors import OutputError, UsageError
from crmctl.files.atomic import replacing
from crmctl.files.spreadsheet import neutralised_text
from crmctl.read.identity import load_resolved
from crmctl.read.load import Loaded
from crmctl.render import write_output
from crmctl.config.yaml_reader import load_yaml

FORMATS = ("parquet", "csv")
# What the converted files already carry out: filters, value maps and the reading knobs of the source.
_DONE_KEYS = ("where", "delimiter", "encoding", "null_values", "deduplicate")


@dataclass
class Converted:
    dataset: str
    path: Path
    rows_read: int
    rows_written: int
    rows_filtered: int
    rows_skipped: int
    skipped_because: dict[str, int]

    def to_dict(self) -> dict:
        return {"dataset": self.dataset, "path": str(self.path), "rows_read": self.rows_read,
                "rows_written": self.rows_written, "rows_filtered": self.rows_filtered,
                "rows_skipped": self.rows_skipped, "skipped_because": self.skipped_because}


def convert_datasets(config: Config, output_dir: Path, fmt: str = "parquet",
                     raw: bool = False) -> tuple[list[Converted], Path]:
    """Writes each mapped dataset to `output_dir/<dataset>.<fmt>` and a `crmctl.yaml` that maps them. CSV
    text cells a spreadsheet would run as formulas are neutralised (files/spreadsheet.py) unless `raw`."""
    if fmt not in FORMATS:
        raise UsageError(f"--to {fmt!r}: choose parquet or csv")
    if not config.datasets:
        raise UsageError(f"{config.path}: the config maps no dataset to convert")
    _make_dir(output_dir)
    loaded = load_resolved(config, {name: set(spec.columns) for name, spec in config.datasets.items()})
    written = [_write(name, data, output_dir, fmt, raw) for name, data in loaded.items()]
    config_path = output_dir / "crmctl.yaml"
    write_output(_converted_config(config, loaded, fmt), config_path)  # atomic, as every report file
    return written, config_path


def _spreadsheet_safe(frame: pl.DataFrame, raw: bool) -> pl.DataFrame:
    if raw:
        return frame
    text = [name for name, dtype in frame.schema.items() if dtype in (pl.String, pl.Categorical) or
            isinstance(dtype, pl.Enum)]
    return frame.with_columns(neutralised_text(pl.col(name).cast(pl.String)).alias(name) for name in text)


def _make_dir(output_dir: Path) -> None:
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{output_dir}: cannot create the output folder: {exc.strerror}") from None


def _write(name: str, data: Loaded, output_dir: Path, fmt: str, raw: bool) -> Converted:
    target = output_dir / f"{name}.{fmt}"
    try:
        with replacing(target) as temporary:
            if fmt == "parquet":
                data.frame.write_parquet(temporary)
            else:
                _spreadsheet_safe(data.frame, raw).write_csv(temporary, datetime_format="%Y-%m-%dT%H:%M:%S%.f")
    except OSError as exc:
        raise OutputError(f"{target}: cannot write: {exc.strerror}") from None
    return Converted(name, target, data.rows_read, data.frame.height, data.rows_filtered, data.rows_skipped,
                     dict(data.skipped_because))


def _converted_config(config: Config, loaded: dict[str, Loaded], fmt: str) -> str:
    """The source config with its datasets pointing at the converted files, one column per field."""
    import yaml

    raw = load_yaml(Path(config.path).read_text(encoding="utf-8-sig"), str(config.path)) or {}
    datasets = {}
    for name, data in loaded.items():
        columns = {}
        for field in data.frame.columns:
            kind = config.datasets[name].columns[field].kind if field in config.datasets[name].columns else None
            columns[field] = {"column": field, "format": "%Y-%m-%dT%H:%M:%S%.f"} if (
                fmt == "csv" and kind == "datetime") else field
        body = {k: v for k, v in (raw.get("datasets", {}).get(name) or {}).items()
                if k not in (*_DONE_KEYS, "path", "columns", "max_invalid_ratio")}
        datasets[name] = {"path": f"{name}.{fmt}", "columns": columns, **body}
    raw["datasets"] = datasets
    header = (f"# Written by `crmctl convert` from {config.path}: canonical, validated, typed datasets.\n"
              "# Filters, value maps and formats are already applied; `crmctl report -c` this file.\n")
    return header + yaml.safe_dump(raw, sort_keys=False, allow_unicode=True, default_flow_style=False)
