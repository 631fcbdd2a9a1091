"""`crmctl init`: a first config from a folder of exports, by recognising each file.

Each file's header and first rows are read. Every preset (crmctl/presets: app exports, warehouse
connector tables, generic names) is scored on the canonical fields it can fill (presets/scoring.py);
the best one wins, and the config says why in a comment: the score, how it adds up and the runner-up.
Date formats, the delimiter and decimal commas come from the sample; columns holding JSON are named
and left unmapped. Every guess is marked with a comment, and what could not be mapped is listed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from crmctl.domain.datasets import CANONICAL, WHITESPACE
from crmctl.errors import DataError, UsageError
from crmctl.setup.presets import load_presets
from crmctl.setup.presets.linking import link
from crmctl.setup.presets.dimensions import plausible_dimensions
from crmctl.setup.presets.filters import propose_where
from crmctl.setup.presets.sample import Recognised, inspect_sample, json_columns, read_sample
from crmctl.setup.presets.scoring import Verdict, choose, rank
from crmctl.setup.presets.transactions import PRESET, log_columns, looks_headerless
from crmctl.read.sniff import FileShape, file_head, detect_encoding, sample_text, sniff
from crmctl.render.text import json_inline, literal

EXTENSIONS = (".csv", ".tsv", ".txt", ".gz", ".parquet")


def presets() -> list[dict]:
    return load_presets()


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
    """The mapping for one file, or None when nothing fits or two datasets fit equally well."""
    return examine(path)[1]


def examine(path: Path) -> tuple[Verdict, Recognised | None]:
    """How every preset scored on the file, and the mapping of the winner (None on a tie)."""
    encoding = "utf-8" if path.suffix.lower() == ".parquet" else detect_encoding(file_head(path)[0])
    shape = _shape(path, encoding)
    verdict = choose(rank(presets(), shape.header, path))
    if verdict.best is None and shape.format == "csv":
        return verdict, _transaction_log(shape)
    if verdict.best is None or verdict.kind == "tie":
        return verdict, None
    best = verdict.best
    found = Recognised(path, best.preset, shape.delimiter, encoding, dict(best.columns), verdict=verdict,
                       headerless=shape.headerless)
    found.scale = {f: v for f, v in (best.preset.get("scale") or {}).items() if f in found.columns}
    return verdict, _inspected(found, shape)


def _shape(path: Path, encoding: str) -> FileShape:
    """The file as sniffed; a whitespace-separated log (no delimiter splits its lines, runs of spaces split
    them alike) is re-read so, and a first line of only numbers and dates is taken for data, not a header."""
    shape = sniff(path, None, encoding)
    if shape.format != "csv":
        return shape
    delimiter = WHITESPACE if len(shape.header) == 1 and _split_by_spaces(path, encoding) else shape.delimiter
    first = sniff(path, delimiter, encoding)
    return sniff(path, delimiter, encoding, has_header=False) if looks_headerless(first.header) else first


def _split_by_spaces(path: Path, encoding: str) -> bool:
    lines = [line for line in sample_text(path, encoding).splitlines()[:50] if line.strip()]
    widths = {len(line.split()) for line in lines}
    return len(lines) >= 2 and len(widths) == 1 and widths.pop() >= 3


def _transaction_log(shape: FileShape) -> Recognised | None:
    """Orders recognised by their values, when no preset knows the header (presets/transactions.py)."""
    found = Recognised(shape.path, PRESET, shape.delimiter, shape.encoding, {}, headerless=shape.headerless)
    log = log_columns(read_sample(found))
    if log is None:
        return None
    found.columns, formats, quantities = log
    found.formats = {f: (fmt, "detected from the sample") for f, fmt in formats.items()}
    found.reason = ("no header names a known export; the values read as customer id, date and amount: "
                    "a transaction log" + (f" ({', '.join(quantities)}: numbers, perhaps quantities)"
                                           if quantities else ""))
    return _inspected(found, shape)


def _inspected(found: Recognised, shape: FileShape) -> Recognised:
    inspect_sample(found)
    proposal = propose_where(found.dataset, found.columns, read_sample(found), found.preset.get("where"),
                             found.preset.get("values"))
    found.where, found.where_notes = proposal.where, proposal.comments
    used = set(found.columns.values())
    found.json_columns = [h for h in json_columns(found) if h not in used]
    found.unmapped = [h for h in shape.header if h not in used and h not in found.json_columns]
    if found.dataset == "customers" and found.unmapped:
        _add_dimensions(found)
    return found


def _add_dimensions(found: Recognised) -> None:
    """Every unmapped column that reads as a dimension, so drivers and --by have it (presets/dimensions.py)."""
    taken = set(CANONICAL["customers"].fields) | set(found.columns)
    for fieldname, (header, why) in plausible_dimensions(read_sample(found), found.unmapped, taken).items():
        found.columns[fieldname] = header
        found.notes[fieldname] = why
        found.unmapped.remove(header)


def write_config(files: list[Path], config_dir: Path, sources: dict[Path, dict] | None = None) -> tuple[str, list[str]]:
    """The config text, and one line per file for the user: what it was taken for, and why. `sources` gives
    the database table a file is a sample of (database_init.py): the config then reads the table."""
    chosen: dict[str, Recognised] = {}
    messages, comments = [], []
    for path in files:
        try:
            verdict, found = examine(path)
        except DataError as error:
            comments.append(f"# {path.name}: not read: {error.message}")
            messages.append(f"{path.name}: not read: {error.message}")
            continue
        if verdict.kind == "tie":
            comments.append(f"# {path.name}: not mapped: {verdict.note} ({verdict.explain()}); map it by hand")
            messages.append(f"{path.name}: not mapped: {verdict.note} (score {verdict.best.score:g})")
        elif found is None or "(dataset)" in found.dropped:
            comments.append(f"# {path.name}: not recognised as any CRM export; map it by hand (docs/config.md)")
            messages.append(f"{path.name}: not recognised")
        elif found.dataset in chosen:
            other = chosen[found.dataset].path.name
            comments.append(f"# {path.name}: also looks like {found.dataset} ({found.preset['name']}), but "
                            f"{other} is mapped; use a glob in path: to read several files as one dataset")
            messages.append(f"{path.name}: {found.dataset} again, left out (see the config's comments)")
        else:
            found.source = (sources or {}).get(path)
            chosen[found.dataset] = found
            messages.append(f"{path.name}: {_summary(verdict) if found.verdict else _by_values(found)}")
    _link_customers(chosen)
    text = _render(chosen, comments, config_dir)
    return text, messages


def _link_customers(chosen: dict[str, Recognised]) -> None:
    """E-mail references become customer_email where customers maps email (presets/linking.py)."""
    customers = chosen.get("customers")
    for name, found in chosen.items():
        if name == "customers":
            continue
        change = link(found.preset, found.columns, (customers.preset, customers.columns) if customers else None)
        preset_notes = found.preset.get("notes") or {}
        for old, new in change.renamed.items():  # the preset's note on the e-mail column still applies
            if old in preset_notes:
                change.notes[new] = f"{preset_notes[old]}; {change.notes[new]}"
        for fieldname, why in change.dropped.items():
            del found.columns[fieldname]
            found.dropped[fieldname] = why
        found.columns = {change.renamed.get(f, f): h for f, h in found.columns.items()}
        found.notes.update(change.notes)


def _summary(verdict: Verdict) -> str:
    """`orders (Fivetran Shopify order, score 21; runner-up generic customers as customers, score 5)`."""
    best, rival = verdict.best, verdict.runner_up
    text = f"{best.dataset} ({best.name}, score {best.score:g}"
    text += f"; runner-up {rival.name} as {rival.dataset}, score {rival.score:g})" if rival else ")"
    return f"{text} GUESS: {verdict.note}" if verdict.kind == "weak" else text


def _by_values(found: Recognised) -> str:
    return f"{found.dataset} ({found.preset['name']}, recognised by its values) GUESS: check the columns"


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
    lines = _head_lines(found, config_dir) + ["    columns:"]
    lines += [_column_line(found, fieldname, header) for fieldname, header in found.columns.items()]
    return lines + _tail_lines(found)


def _head_lines(found: Recognised, config_dir: Path) -> list[str]:
    """The dataset's name, why it was recognised, and how its file is read."""
    relative = os.path.relpath(found.path.resolve(), config_dir.resolve())
    lines = [f"  {found.dataset}:                  # {found.path.name}: {found.preset['name']}"]
    if found.verdict is not None:
        marker = "GUESS: " + found.verdict.note + "; " if found.verdict.kind == "weak" else ""
        lines.append(f"    # why: {marker}{found.verdict.explain()}")
    elif found.reason:
        lines.append(f"    # why: GUESS: {literal(found.reason)}")
    if found.source:
        lines.append(f"    source: {{url: {json.dumps(found.source['url'])}, table: {found.source['table']}}}")
    else:
        lines.append(f"    path: {json.dumps(relative)}")
    if found.delimiter != ",":
        lines.append(f"    delimiter: {json.dumps(found.delimiter)}")
    if found.headerless:
        lines.append("    header: false               # the first line is data: columns are column_1, column_2 …")
    if found.encoding != "utf-8":
        lines.append(f"    encoding: {json.dumps(found.encoding)}  # GUESS: the file is not UTF-8")
    return lines


def _column_line(found: Recognised, fieldname: str, header: str) -> str:
    options, notes = {"column": header}, []
    if fieldname in found.formats:
        options["format"], why = found.formats[fieldname]
        notes.append(why)
    if fieldname in found.decimal_comma:
        options["decimal_comma"] = True
        notes.append("GUESS: decimal commas in the sample")
    if fieldname in found.scale:
        options["scale"] = found.scale[fieldname]
    if fieldname in (found.preset.get("values") or {}):
        options["values"] = found.preset["values"][fieldname]
    if len(options) == 1:
        rendered = json_inline(header)
    else:
        rendered = "{" + ", ".join(f"{k}: {json_inline(v)}" for k, v in options.items()) + "}"
    notes += [n[fieldname] for n in (found.preset.get("notes") or {}, found.notes) if fieldname in n]
    comment = f"  # {'; '.join(notes)}" if notes else ""
    return f"      {fieldname}: {rendered}{comment}"


def _tail_lines(found: Recognised) -> list[str]:
    """What was left out and why, the generated ids, and the rows that count."""
    lines = [f"      # {fieldname}: not mapped, {why}" for fieldname, why in found.dropped.items()]
    lines += [f"      # {fieldname}: no column holds it: each row's file:line is its id (docs/config.md, Orders "
              "without an id)" for fieldname in CANONICAL[found.dataset].generated if fieldname not in found.columns]
    lines += [f"    # {literal(note)}" for note in found.where_notes]  # the sampled values are data
    if found.where:
        lines.append(f"    where: {json_inline(found.where)}  # rows that count")
    for header in found.json_columns:
        lines.append(f"    # {json_inline(header)} holds JSON: not mapped (docs/config.md, Presets)")
    if found.unmapped:
        lines.append("    # not mapped: " + ", ".join(json_inline(h) for h in found.unmapped))
    return lines
