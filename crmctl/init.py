"""`crmctl init`: a first config from a folder of exports, by recognising each file.

Each file's header and first rows are read; the export presets (presets/exports.yaml) are scored by
the signature columns they find, a file-name hint and how many fields they map; the best one that
maps every required field wins. Date formats, the delimiter and decimal commas come from the sample.
Every guess is marked with a comment, and what could not be mapped is listed.
"""

from __future__ import annotations

import io
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from crmctl.datasets import CANONICAL
from crmctl.errors import DataError, UsageError
from crmctl.read.sniff import _head, detect_encoding, normalise_name, sample_text, sniff

SAMPLE_ROWS = 500
EXTENSIONS = (".csv", ".tsv", ".txt", ".gz", ".parquet")


@dataclass
class Recognised:
    path: Path
    preset: dict
    delimiter: str
    encoding: str
    columns: dict[str, str]  # field -> header
    formats: dict[str, tuple[str, str]] = field(default_factory=dict)  # field -> (format, comment)
    decimal_comma: set[str] = field(default_factory=set)
    dropped: dict[str, str] = field(default_factory=dict)  # field -> why it was left out
    unmapped: list[str] = field(default_factory=list)

    @property
    def dataset(self) -> str:
        return self.preset["dataset"]


def presets() -> list[dict]:
    from crmctl.yamlio import load_yaml

    path = Path(__file__).parent / "presets" / "exports.yaml"
    return load_yaml(path.read_text(encoding="utf-8"), str(path))


def export_files(inputs: list[Path]) -> list[Path]:
    files = []
    for item in inputs:
        if item.is_dir():
            files += sorted(p for p in item.iterdir() if p.is_file() and p.suffix.lower() in EXTENSIONS)
        elif item.exists():
            files.append(item)
        else:
            raise UsageError(f"{item}: no such file or folder")
    if not files:
        raise UsageError("no export files found (looked for " + ", ".join(EXTENSIONS) + ")")
    return files


def recognise(path: Path) -> Recognised | None:
    encoding = "utf-8" if path.suffix.lower() == ".parquet" else detect_encoding(_head(path)[0])
    shape = sniff(path, None, encoding)
    best, best_score = None, 0.0
    for preset in presets():
        columns = _map(preset, shape.header)
        provided = CANONICAL[preset["dataset"]].provided(columns)
        if not set(CANONICAL[preset["dataset"]].required) <= provided:
            continue
        score = _score(preset, shape.header, path, columns)
        if score > best_score:
            best, best_score = Recognised(path, preset, shape.delimiter, encoding, columns), score
    if best is not None:
        _inspect_sample(best)
        used = set(best.columns.values())
        best.unmapped = [h for h in shape.header if h not in used]
    return best


def _map(preset: dict, header) -> dict[str, str]:
    """Canonical field -> the first candidate header present, each header used once."""
    by_norm = {normalise_name(h): h for h in header}
    columns, used = {}, set()
    for fieldname, candidates in preset["columns"].items():
        for candidate in candidates:
            found = by_norm.get(normalise_name(candidate))
            if found is not None and found not in used:
                columns[fieldname] = found
                used.add(found)
                break
    return columns


def _score(preset: dict, header, path: Path, columns: dict) -> float:
    names = {normalise_name(h) for h in header}
    signature = preset.get("signature") or []
    hits = sum(normalise_name(s) in names for s in signature)
    if signature and hits / len(signature) < 0.75:
        return 0.0
    hinted = any(hint in path.name.lower() for hint in preset.get("file_hints", []))
    return (10.0 * hits / len(signature) if signature else 1.0) + (2.0 if hinted else 0.0) + 0.1 * len(columns)


def _inspect_sample(found: Recognised) -> None:
    """Date formats and decimal commas from the first rows; fields that cannot be read are dropped."""
    import polars as pl

    from crmctl.read.cells import _NUMBER_COMMA, _NUMBER_POINT, detect_date_format

    if found.path.suffix.lower() == ".parquet":
        return
    text = sample_text(found.path, found.encoding)
    sample = pl.read_csv(io.StringIO(text), separator=found.delimiter, infer_schema=False, n_rows=SAMPLE_ROWS,
                         truncate_ragged_lines=True)
    canonical = CANONICAL[found.dataset]
    for fieldname, header in list(found.columns.items()):
        values = sample[header].drop_nulls().str.strip_chars()
        values = values.filter(values != "")
        kind = canonical.kind(fieldname)
        if kind == "datetime":
            _date_format(found, fieldname, header, values, detect_date_format)
        elif kind == "number" and values.len() and fieldname not in (found.preset.get("values") or {}):
            cleaned = values.str.replace_all(r"[\s\u00a0$€£¥₹()]", "")
            if cleaned.str.contains(_NUMBER_COMMA).all() and not cleaned.str.contains(_NUMBER_POINT).all():
                found.decimal_comma.add(fieldname)


def _date_format(found: Recognised, fieldname: str, header: str, values, detect) -> None:
    declared = (found.preset.get("formats") or {}).get(fieldname)
    if declared:
        found.formats[fieldname] = (declared, f"the {found.preset['name']} format")
        return
    try:
        found.formats[fieldname] = (detect(values, header), f"detected from {min(values.len(), SAMPLE_ROWS)} values")
    except DataError as error:
        if "fit both" in error.message:
            fits = re.findall(r"\((%[^ ]+) and (%[^ )]+)\)", error.message)
            guess = fits[0][0] if fits else "%m/%d/%Y"
            found.formats[fieldname] = (guess, "GUESS: day and month are ambiguous in the sample; check it")
        else:
            del found.columns[fieldname]
            found.dropped[fieldname] = f"column {header!r}: no date format reads its values"
    if not set(CANONICAL[found.dataset].required) <= CANONICAL[found.dataset].provided(found.columns):
        found.dropped.setdefault("(dataset)", "a required field could not be read")


def write_config(files: list[Path], config_dir: Path) -> tuple[str, list[str]]:
    """The config text, and the lines to tell the user (what was recognised, what was not)."""
    chosen: dict[str, Recognised] = {}
    messages, comments = [], []
    for path in files:
        try:
            found = recognise(path)
        except DataError as error:
            comments.append(f"# {path.name}: not read: {error.message}")
            messages.append(f"{path.name}: not read: {error.message}")
            continue
        if found is None or "(dataset)" in found.dropped:
            comments.append(f"# {path.name}: not recognised as any CRM export; map it by hand (docs/config.md)")
            messages.append(f"{path.name}: not recognised")
        elif found.dataset in chosen:
            other = chosen[found.dataset].path.name
            comments.append(f"# {path.name}: also looks like {found.dataset} ({found.preset['name']}), but "
                            f"{other} is mapped; use a glob in path: to read several files as one dataset")
            messages.append(f"{path.name}: {found.dataset} again, left out (see the config's comments)")
        else:
            chosen[found.dataset] = found
            messages.append(f"{path.name}: {found.dataset} ({found.preset['name']})")
    text = _render(chosen, comments, config_dir)
    return text, messages


def _render(chosen: dict[str, Recognised], comments: list[str], config_dir: Path) -> str:
    lines = ["# Written by `crmctl init`. Lines marked GUESS deserve a look; docs/config.md explains every key.",
             "version: 1", "timezone: UTC                # naive timestamps are read in this zone", "", "datasets:"]
    for name in CANONICAL:
        if name in chosen:
            lines += _dataset_lines(chosen[name], config_dir)
    if not chosen:
        lines[-1] = "datasets: {}  # nothing was recognised"
    lines += ["", "report:", "  period: month", "  # by: [segment]           # split by a dimension mapped above",
              "", *comments]
    return "\n".join(lines).rstrip() + "\n"


def _dataset_lines(found: Recognised, config_dir: Path) -> list[str]:
    preset = found.preset
    relative = os.path.relpath(found.path.resolve(), config_dir.resolve())
    lines = [f"  {found.dataset}:                  # {found.path.name}: {preset['name']}",
             f"    path: {json.dumps(relative)}"]
    if found.delimiter != ",":
        lines.append(f"    delimiter: {json.dumps(found.delimiter)}")
    if found.encoding != "utf-8":
        lines.append(f"    encoding: {json.dumps(found.encoding)}  # GUESS: the file is not UTF-8")
    lines.append("    columns:")
    values = preset.get("values") or {}
    for fieldname, header in found.columns.items():
        options = {"column": header}
        notes = []
        if fieldname in found.formats:
            options["format"], why = found.formats[fieldname]
            notes.append(why)
        if fieldname in found.decimal_comma:
            options["decimal_comma"] = True
            notes.append("GUESS: decimal commas in the sample")
        if fieldname in values:
            options["values"] = values[fieldname]
        if len(options) == 1:
            rendered = json.dumps(header, ensure_ascii=False)
        else:
            rendered = "{" + ", ".join(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in options.items()) + "}"
        comment = f"  # {'; '.join(notes)}" if notes else ""
        lines.append(f"      {fieldname}: {rendered}{comment}")
    for fieldname, why in found.dropped.items():
        lines.append(f"      # {fieldname}: not mapped, {why}")
    if preset.get("where"):
        lines.append(f"    where: {json.dumps(preset['where'])}  # GUESS: rows that count; check the status values")
    if found.unmapped:
        lines.append("    # not mapped: " + ", ".join(json.dumps(h, ensure_ascii=False) for h in found.unmapped))
    return lines
