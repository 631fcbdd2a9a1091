"""Scoring a CSV reader on the corpus in tests/data/corpus: how much of each clean table comes back.

Definition. Both tables are lists of rows, header first; a cell is compared as text with surrounding
whitespace trimmed and line ends inside cells written as "\\n" (a missing cell or NULL is ""). Rows are
aligned with difflib's longest matching blocks, so a dropped or extra row does not shift every row after
it; within a block of differing rows, rows pair up in order and cells are compared by position, so a
shifted column counts as wrong. score = matching cells ÷ max(cells in the clean table, cells read):
extra rows or columns (a footer read as data) lower the score as missing ones do.
A file the reader refuses scores 0. Used by tests/test_corpus.py and write_scores.py.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "data" / "corpus"

Rows = list[tuple[str, ...]]


@dataclass
class Case:
    name: str
    polluted: Path
    clean: Rows | None  # None: the reader must refuse the file
    error: str = ""


def cases() -> list[Case]:
    found = []
    for folder in sorted(p for p in CORPUS.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))):
        polluted = next(folder.glob("polluted.*"))
        if (folder / "clean.csv").exists():
            with open(folder / "clean.csv", encoding="utf-8", newline="") as handle:
                found.append(Case(folder.name, polluted, _normal(list(csv.reader(handle)))))
        else:
            found.append(Case(folder.name, polluted, None, (folder / "expect_error.txt").read_text().strip()))
    return found


def _normal(rows) -> Rows:
    return [tuple("" if c is None else str(c).replace("\r\n", "\n").replace("\r", "\n").strip() for c in r)
            for r in rows]


def score(clean: Rows, read: Rows | None) -> float:
    if read is None:
        return 0.0
    read = _normal(read)
    matching = 0
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, clean, read, autojunk=False).get_opcodes():
        if tag == "equal":
            matching += sum(len(row) for row in clean[i1:i2])
        elif tag == "replace":
            matching += sum(a == b for ra, rb in zip(clean[i1:i2], read[j1:j2]) for a, b in zip(ra, rb))
    cells = max(sum(map(len, clean)), sum(map(len, read)))
    return matching / cells if cells else 1.0


def read_crmctl(path: Path):
    """(rows, summary) from crmctl's reader; raises CrmctlError when it refuses the file."""
    from crmctl.read.clean import read_clean

    header, rows, summary = read_clean(path)
    return [tuple(header), *map(tuple, rows)], summary


def read_duckdb(path: Path) -> Rows | None:
    """DuckDB's sniffer with its defaults, every column as VARCHAR; None when it raises."""
    import duckdb

    try:
        with duckdb.connect() as con:
            relation = con.read_csv(str(path), all_varchar=True)
            return [tuple(relation.columns), *relation.fetchall()]
    except duckdb.Error:
        return None
