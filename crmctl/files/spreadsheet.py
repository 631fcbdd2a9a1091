"""CSV injection: a text cell that a spreadsheet would run as a formula, and how every CSV writer defuses it.

Excel, LibreOffice and Google Sheets run a cell that starts with = + - @ (and, in some, a tab or carriage
return) as a formula: `=HYPERLINK("http://evil","click")` in a company name becomes a link, DDE payloads
run commands. OWASP's advice, followed by every CSV crmctl writes unless --raw: such a cell gains a
leading ' (which spreadsheets show as text and hide). A signed number ("-1,234.50", "+44 20 7946 0958",
"-12%") is read as a number or text, never as a call, so it keeps its sign undisturbed.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Polars is imported where a frame is written, so `crmctl --help` never loads it
    import polars as pl

FORMULA_PREFIX = ("=", "+", "-", "@", "\t", "\r")
_NUMBERISH = r"^[-+][\d\s.,]*\d[\d\s.,]*(?:[eE][-+]?\d+)?%?$"
_NUMBERISH_RE = re.compile(_NUMBERISH)
_STARTS_LIKE_FORMULA = r"^[=+\-@\t\r]"


def neutralised(value: str) -> str:
    """`value`, with a ' in front when a spreadsheet would run it."""
    if value.startswith(FORMULA_PREFIX) and not _NUMBERISH_RE.match(value):
        return "'" + value
    return value


def neutralised_text(text: pl.Expr) -> pl.Expr:
    """`neutralised` over a text column, for frames written by Polars."""
    import polars as pl

    formula = text.str.contains(_STARTS_LIKE_FORMULA) & ~text.str.contains(_NUMBERISH)
    return pl.when(formula).then(pl.lit("'") + text).otherwise(text)
