"""Checking model inputs: numeric 1-D arrays of one length, weights, and honest error messages."""

from __future__ import annotations

import numpy as np

from crmctl.models import ModelError


def as_vector(name: str, values) -> np.ndarray:
    """`values` as a float 1-D array; refuses NaN and infinities, which no model can use."""
    array = np.atleast_1d(np.asarray(values, dtype=float))
    if array.ndim != 1:
        raise ModelError(f"{name} must be one value per customer (a 1-D array), got shape {array.shape}")
    bad = ~np.isfinite(array)
    if bad.any():
        raise ModelError(f"{name} has {int(bad.sum())} missing or infinite values; drop or fill those customers first")
    return array


def same_length(**arrays: np.ndarray) -> int:
    lengths = {name: len(a) for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        listed = ", ".join(f"{n}={k}" for n, k in lengths.items())
        raise ModelError(f"inputs must have one value per customer, got different lengths ({listed})")
    return next(iter(lengths.values()))


def as_weights(weights, n: int) -> np.ndarray:
    """Row counts: ones when None; otherwise non-negative, one per row."""
    if weights is None:
        return np.ones(n)
    w = as_vector("weights", weights)
    if len(w) != n:
        raise ModelError(f"weights must have one count per row: {len(w)} weights for {n} rows")
    if (w < 0).any():
        raise ModelError(f"weights are customer counts and cannot be negative ({int((w < 0).sum())} are)")
    return w


def count_where(condition: np.ndarray, weights: np.ndarray) -> int:
    return int(round(float(weights[condition].sum())))


def refuse(name: str, bad: np.ndarray, rule: str) -> None:
    if bad.any():
        raise ModelError(f"{int(bad.sum())} rows break the rule {rule} ({name}); fix the summary before fitting")


def distinct_rows(*columns: np.ndarray, weights: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
    """The distinct rows of equal-length columns (sorted) and the summed weight (count) of each."""
    n = len(columns[0])
    w = np.ones(n) if weights is None else weights
    if not n:
        return (*columns, np.zeros(0))
    # lexsort + run starts: five times faster than np.unique(axis=0) on a million rows.
    order = np.lexsort(columns[::-1])
    columns = [c[order] for c in columns]
    changed = np.zeros(n - 1, dtype=bool)
    for c in columns:
        changed |= np.diff(c) != 0
    starts = np.flatnonzero(np.r_[True, changed])
    return (*(c[starts] for c in columns), np.add.reduceat(w[order], starts).astype(float))
