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

from crmctl.domain.datasets import CANONICAL
from crmctl.errors import DataError, UsageError
from crmctl.setup.presets import load_presets
from crmctl.setup.presets.linking import link
from crmctl.setup.presets.sample import Recognised, inspect_sample, json_columns
from crmctl.setup.presets.scoring import Verdict, choose, rank
from crmctl.read.sniff import file_head, detect_encoding, sniff
from crmctl.render.text import json_inline

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
    shape = sniff(path, None, encoding)
    verdict = choose(rank(presets(), shape.header, path))
    if verdict.best is None or verdict.kind == "tie":
        return verdict, None
    best = verdict.best
    found = Recognised(path, best.preset, shape.delimiter, encoding, dict(best.columns), verdict=verdict)
    found.scale = {f: v for f, v in (best.preset.get("scale") or {}).items() if f in found.columns}
    inspect_sample(found)
    used = set(found.columns.values())
    found.json_columns = [h for h in json_columns(found) if h not in used]
    found.unmapped = [h for h in shape.header if h not in used and h not in found.json_columns]
    return verdict, found


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
            messages.append(f"{path.name}: {_summary(verdict)}")
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
    lines = [f"  {found.dataset}:                  # {found.path.name}: {preset['name']}"]
    if found.verdict is not None:
        marker = "GUESS: " + found.verdict.note + "; " if found.verdict.kind == "weak" else ""
        lines.append(f"    # why: {marker}{found.verdict.explain()}")
    if found.source:
        lines.append(f"    source: {{url: {json.dumps(found.source['url'])}, table: {found.source['table']}}}")
    else:
        lines.append(f"    path: {json.dumps(relative)}")
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
        if fieldname in found.scale:
            options["scale"] = found.scale[fieldname]
        if fieldname in values:
            options["values"] = values[fieldname]
        if len(options) == 1:
            rendered = json_inline(header)
        else:
            rendered = "{" + ", ".join(f"{k}: {json_inline(v)}" for k, v in options.items()) + "}"
        notes += [n[fieldname] for n in (preset.get("notes") or {}, found.notes) if fieldname in n]
        comment = f"  # {'; '.join(notes)}" if notes else ""
        lines.append(f"      {fieldname}: {rendered}{comment}")
    for fieldname, why in found.dropped.items():
        lines.append(f"      # {fieldname}: not mapped, {why}")
    if preset.get("where"):
        lines.append(f"    where: {json.dumps(preset['where'])}  # GUESS: rows that count; check the status values")
    for header in found.json_columns:
        lines.append(f"    # {json_inline(header)} holds JSON: not mapped (docs/config.md, Presets)")
    if found.unmapped:
        lines.append("    # not mapped: " + ", ".join(json_inline(h) for h in found.unmapped))
    return lines
