"""A transaction log recognised by its values: no header, or one that names nothing a preset knows.

CDNOW's `CDNOW_master.txt` is the classic: customer, date (19970101), quantity, amount, separated by
runs of spaces, no header and no order id. Such a file is orders when its sampled columns hold one
date column, one amount column (numbers, some with decimals) and an id column before the date: the
customer. Other integer columns (quantities) are left out with a comment. The order id is each row's
file and line (domain/datasets.py ROW_ID).
"""

from __future__ import annotations

import re

from crmctl.errors import DataError

PRESET = {"name": "transaction log", "dataset": "orders", "signature": ["(values)"]}
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_DECIMAL = re.compile(r"^-?\d*\.\d+$")
_HEADER_CELL = re.compile(r"^[-+]?[\d.,/:\s-]+$")


def looks_headerless(header) -> bool:
    """A first line of only numbers and dates is data, not a header."""
    return len(header) >= 2 and all(_HEADER_CELL.match(cell.strip()) for cell in header if cell.strip())


def log_columns(sample) -> tuple[dict[str, str], dict[str, str], list[str]] | None:
    """(field → column, field → date format, quantity columns) of a transaction log's sample (text
    columns), or None when it does not look like one."""
    from crmctl.read.cells import detect_date_format

    formats, numbers, decimals = {}, [], []
    for name in sample.columns:
        values = sample[name].drop_nulls().str.strip_chars()
        values = values.filter(values != "")
        if not values.len():
            continue
        digits = values.str.contains(r"^\d+$").all()
        if not digits or values.str.len_chars().min() == values.str.len_chars().max() == 8:  # 19970101
            try:
                formats[name] = detect_date_format(values, name)
                continue
            except DataError:
                pass
        if values.str.contains(_NUMBER.pattern).all():
            numbers.append(name)
            if values.str.contains(_DECIMAL.pattern).any():
                decimals.append(name)
    if len(formats) != 1 or not decimals:
        return None
    date = next(iter(formats))
    before = [c for c in sample.columns[:sample.columns.index(date)] if c not in decimals]
    if not before:
        return None
    amount = decimals[-1]
    columns = {"customer_id": before[0], "ordered_at": date, "amount": amount}
    quantities = [c for c in numbers if c not in columns.values() and c not in before]
    return columns, {"ordered_at": formats[date]}, quantities
