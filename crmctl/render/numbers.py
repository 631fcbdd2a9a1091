"""Numbers as CSV and JSON write them: 12 significant digits.

Float sums and means carry noise in the 16th digit (1505.6499999999999, 0.30000000000000004); 12
significant digits keep every money amount exact and every ratio far beyond what it can mean, so the
files read as the numbers they are (README, "Formats").
"""

from __future__ import annotations

import math

SIGNIFICANT_DIGITS = 12


def rounded(value: float) -> float:
    return float(f"{value:.{SIGNIFICANT_DIGITS}g}")


def rounded_floats(document):
    """`document` with every float at any depth rounded, and NaN or infinity as None (JSON has neither)."""
    if isinstance(document, float):
        return None if math.isnan(document) or math.isinf(document) else rounded(document)
    if isinstance(document, dict):
        return {k: rounded_floats(v) for k, v in document.items()}
    if isinstance(document, (list, tuple)):
        return [rounded_floats(v) for v in document]
    return document
