"""`targets:` and `benchmarks:`: what each metric should be, and what it is compared with (report/targets.py
marks the report's rows against them).

    targets:
      nps: {min: 30}
      churn_rate: {max: 0.03, tolerance: 0.002, segments: {Enterprise: {max: 0.01}}}

A value meets `min` when value ≥ min − tolerance and `max` when value ≤ max + tolerance. A segment
override applies to rows whose --by values, joined with " / ", equal its key. Rows without a value
are not judged (status null) and `crmctl check --verbose` lists them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

TARGET_KEYS = ("min", "max", "tolerance", "segments")


@dataclass(frozen=True)
class Target:
    min: float | None = None
    max: float | None = None
    tolerance: float = 0.0
    segments: Mapping[str, "Target"] = field(default_factory=lambda: MappingProxyType({}))

    def for_segment(self, key: str) -> "Target":
        return self.segments.get(key, self)

    def status(self, value) -> str | None:
        if value is None:
            return None
        low = self.min is None or value >= self.min - self.tolerance
        high = self.max is None or value <= self.max + self.tolerance
        return "met" if low and high else "missed"

    def describe(self) -> str:
        parts = [f"min {self.min:g}" if self.min is not None else "", f"max {self.max:g}" if self.max is not None else ""]
        return " and ".join(p for p in parts if p) + (f" (± {self.tolerance:g})" if self.tolerance else "")


def parse_targets(raw, problems) -> dict[str, Target]:
    return {metric: _target(path, bounds, problems, nested=True) for metric, bounds, path in problems.entries(
        "targets", raw, "a mapping of metric name to {min, max}", "a mapping with min and/or max")}


def _target(path: str, bounds: dict, problems, nested: bool, inherited: Target | None = None) -> Target:
    problems.unknown_keys(path, bounds, TARGET_KEYS if nested else TARGET_KEYS[:3])
    numbers = {k: problems.typed(f"{path}.{k}", bounds[k], (int, float), "a number")
               for k in ("min", "max", "tolerance") if k in bounds}
    base = inherited or Target()
    target = Target(min=numbers.get("min", base.min), max=numbers.get("max", base.max),
                    tolerance=numbers.get("tolerance", base.tolerance) or 0.0)
    if "min" in numbers and "max" in numbers and None not in (numbers["min"], numbers["max"]) \
            and numbers["min"] > numbers["max"]:
        problems.add(path, f"min {numbers['min']} is above max {numbers['max']}")
    segments = bounds.get("segments") if nested else None
    if segments is not None and problems.typed(f"{path}.segments", segments, dict,
                                               "a mapping of segment value to {min, max}") is not None:
        overrides = {str(key): _target(f"{path}.segments.{key}", value, problems, nested=False, inherited=target)
                     for key, value in segments.items()
                     if problems.typed(f"{path}.segments.{key}", value, dict, "a mapping with min and/or max")}
        target = Target(target.min, target.max, target.tolerance, MappingProxyType(overrides))
    return target


def segment_key(row: dict, by) -> str:
    return " / ".join("(none)" if row[b] is None else str(row[b]) for b in by)


def parse_benchmarks(raw, problems) -> dict[str, dict[str, float]]:
    """benchmarks: {metric: {reference name: value}}; names become column suffixes."""
    import re

    out = {}
    for metric, references, path in problems.entries("benchmarks", raw, "a mapping of metric name to {reference: "
                                                     "value}", "a mapping of reference name to value, e.g. "
                                                     "{industry: 32}"):
        kept = {}
        for name, value in references.items():
            if not re.fullmatch(r"[a-z][a-z0-9_]*", str(name)):
                problems.add(f"{path}.{name}", "reference names are lower-case letters, digits and underscores")
            elif problems.typed(f"{path}.{name}", value, (int, float), "a number") is not None:
                kept[str(name)] = float(value)
        out[metric] = kept
    return out
