"""Writes SCORES.md: each corpus case scored for crmctl's reader and DuckDB's sniffer (defaults, all VARCHAR).

Run from the repository root: `python tests/data/corpus/write_scores.py`. The test suite checks the same
scores (tests/test_corpus.py); this only records them for people to read.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests"))

from corpus_scoring import CORPUS, cases, read_crmctl, read_duckdb, score  # noqa: E402


def _crmctl(case) -> tuple[str, str]:
    try:
        rows, summary = read_crmctl(case.polluted)
    except Exception as exc:  # a refused file: the message is the result
        return "refused", str(exc).split(": ", 1)[-1]
    dropped = [f"{name.replace('_lines', '').replace('_', ' ')} {lines.count}" for name, lines in
               (("preamble_lines", summary.preamble_lines), ("footer_lines", summary.footer_lines),
                ("blank_lines", summary.blank_lines), ("repeated_headers", summary.repeated_headers)) if lines.count]
    notes = (["dropped: " + ", ".join(dropped)] if dropped else []) + summary.warnings
    return f"{score(case.clean, rows):.3f}" if case.clean else "read (should refuse)", "; ".join(notes)


def main() -> None:
    import duckdb

    lines, ours, duck = [], [], []
    for case in cases():
        result, note = _crmctl(case)
        theirs = f"{score(case.clean, read_duckdb(case.polluted)):.3f}" if case.clean else "—"
        if case.clean:
            ours.append(float(result))
            duck.append(float(theirs))
        lines.append(f"| `{case.name}` | {result} | {theirs} | {note.replace('|', '&#124;')} |")
    summary = (f"Mean over {len(ours)} readable cases: **crmctl {sum(ours) / len(ours):.4f}**, DuckDB "
               f"{sum(duck) / len(duck):.4f} (duckdb {duckdb.__version__}). Exact tables: crmctl "
               f"{sum(s == 1 for s in ours)}/{len(ours)}, DuckDB {sum(s == 1 for s in duck)}/{len(duck)}.")
    (CORPUS / "SCORES.md").write_text(_TEMPLATE.format(summary=summary, rows="\n".join(lines)), encoding="utf-8")


_TEMPLATE = """# Corpus scores

Written by `write_scores.py`; do not edit. Score = matching cells ÷ max(clean cells, cells read), header
included (definition in `tests/corpus_scoring.py`). DuckDB is `duckdb.read_csv(path, all_varchar=True)`,
its sniffer with default options; a file it raises on scores 0.

{summary}

| case | crmctl | DuckDB | what crmctl dropped, its warnings, or its refusal |
|---|---|---|---|
{rows}
"""

if __name__ == "__main__":
    main()
