"""Which delimiter and quoting a CSV text uses, judged by how consistently each candidate splits its rows.

The widest split of the header line (what a quick sniffer does) goes wrong on decimal commas, on
a title line before the header and on a comma inside a quoted header name; the number of records
that agree on one width does not.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass

DELIMITERS = (",", ";", "\t", "|")
_SAMPLE_RECORDS = 200
_EXCEL_SEP = re.compile(r"^\ufeff?\"?sep=(.)\"?[,;\t|]*$", re.IGNORECASE)  # Excel's own delimiter hint


@dataclass(frozen=True)
class Dialect:
    delimiter: str = ","
    quotechar: str = '"'
    skip_initial_space: bool = False  # `a, "b, c"`: a space after each delimiter, quotes after it
    backslash_escapes: bool = False  # MySQL's INTO OUTFILE writes \" inside quotes, not ""
    sep_line: bool = False  # an Excel "sep=;" first line names the delimiter

    def reader(self, text: str):
        return csv.reader(io.StringIO(text, newline=""), delimiter=self.delimiter, quotechar=self.quotechar,
                          skipinitialspace=self.skip_initial_space, doublequote=not self.backslash_escapes,
                          escapechar="\\" if self.backslash_escapes else None, strict=False)


def detect_dialect(text: str) -> Dialect:
    first_line = text.split("\n", 1)[0].strip("\r")
    match = _EXCEL_SEP.match(first_line.strip())
    if match and match.group(1) in DELIMITERS:
        body = text.split("\n", 1)[1] if "\n" in text else ""
        return _quoting(body, match.group(1), sep_line=True)
    sample = _sample(text)
    best = max(DELIMITERS, key=lambda d: _consistency(sample, d))
    return _quoting(sample, best, sep_line=False)


def _sample(text: str) -> str:
    """The first lines, enough for a couple of hundred records."""
    end = 0
    for _ in range(_SAMPLE_RECORDS * 2):
        end = text.find("\n", end) + 1
        if not end:
            return text
    return text[:end]


def _consistency(sample: str, delimiter: str) -> tuple[int, int, int, int]:
    """(whether the first record has the most common width of 2 or more, the records sharing that width, that
    width, preference), to be maximised. The first record is usually the header: a delimiter that leaves it
    one field while splitting quoted cells of the rows (tabs inside comma-separated cells) loses to one
    that splits the header and the rows alike."""
    widths = Counter()
    first = None
    dialect = _quoting(sample, delimiter, sep_line=False)
    for record in dialect.reader(sample):
        if any(cell.strip() for cell in record):
            widths[_width(record)] += 1
            first = _width(record) if first is None else first
    wide = [(count, width) for width, count in widths.items() if width >= 2]
    if not wide:
        return 0, 0, 1, -DELIMITERS.index(delimiter)
    count, width = max(wide)
    return int(first == width), count, width, -DELIMITERS.index(delimiter)


def _width(record: list[str]) -> int:
    """Fields, not counting one empty field after a trailing delimiter."""
    return len(record) - 1 if len(record) > 1 and record[-1] == "" else len(record)


def _quoting(sample: str, delimiter: str, sep_line: bool) -> Dialect:
    spaced = sample.count(f'{delimiter} "')
    quoted_after_delimiter = spaced + sample.count(f'{delimiter}"')
    skip = spaced >= 2 and spaced * 2 >= quoted_after_delimiter
    # \" without any "" in the file: quotes escaped with a backslash, not doubled as RFC 4180 says.
    backslash = '\\"' in sample and not re.search(r'[^\\]""[^' + re.escape(delimiter) + r'\r\n]', sample)
    return Dialect(delimiter, '"', skip, backslash, sep_line)
