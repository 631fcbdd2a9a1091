"""What `convert` without a config prints on stderr: per file, what was written, dropped and repaired."""

from __future__ import annotations

from crmctl.render.text import literal, literal_lines

_DROPPED = (("preamble_lines", "preamble"), ("footer_lines", "footer"), ("blank_lines", "blank"),
            ("repeated_headers", "repeated header"), ("total_lines", "total"),
            ("ragged_dropped", "too many fields"))


def describe_cleaned(result: dict) -> str:
    if result["status"] == "failed":
        return f"{literal(result['file'])}: FAILED: {literal_lines(result['error'])}\n"
    delimiter = {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}.get(result["delimiter"], result["delimiter"])
    lines = [f"{literal(result['file'])} → {literal(result['output'])}: {result['rows_written']} rows × {len(result['columns'])} "
             f"columns ({result['encoding']}, {delimiter})"]
    dropped = [f"{result[key]['count']} {label} ({_lines(result[key])})" for key, label in _DROPPED
               if result[key]["count"]]
    if dropped:
        lines.append("  dropped lines: " + ", ".join(dropped))
    if result["ragged_repaired"]["count"]:
        lines.append(f"  repaired rows: {result['ragged_repaired']['count']} ({_lines(result['ragged_repaired'])})")
    for key, label in (("cells_trimmed", "cells trimmed"), ("formulas_unwrapped", '="…" cells unwrapped'),
                       ("nul_bytes_removed", "NUL bytes removed")):
        if result[key]:
            lines.append(f"  {label}: {result[key]}")
    lines.extend(f"  warning: {literal(w)}" for w in result["warnings"])
    return "\n".join(lines) + "\n"


def _lines(lines: dict) -> str:
    shown = ", ".join(map(str, lines["first"]))
    return f"line{'s' if lines['count'] > 1 else ''} {shown}{' …' if lines['count'] > len(lines['first']) else ''}"
