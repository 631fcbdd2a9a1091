"""The `risk:` section: the weights of the at-risk score and the thresholds at which each signal fires.

Score = Σ weight × fires over the signals whose data is mapped (docs/customers.md, "At-risk customers").
A customer is on the list when the score reaches `min_score`. Every key is optional; the defaults are
here, once, and docs/config.md lists them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

from crmctl.config.problems import Problems

SIGNALS = ("order_gap", "p_alive", "nps", "tickets", "engagement", "term_end", "mrr_contraction")
DEFAULT_WEIGHTS = MappingProxyType({s: 2.0 if s == "p_alive" else 1.0 for s in SIGNALS})
# Thresholds: name → (default, lowest allowed, highest allowed, what it is).
THRESHOLDS = MappingProxyType({
    "gap_multiple": (2.0, 1.0, None, "order_gap fires when days since the last order exceed this × the median gap"),
    "gap_min_days": (30.0, 0.0, None, "… and exceed this many days"),
    "p_alive_below": (0.3, 0.0, 1.0, "p_alive fires below this P(alive)"),
    "nps_max": (6.0, 0.0, 10.0, "nps fires when the latest NPS score is at most this (a detractor)"),
    "tickets_days": (30.0, 1.0, None, "the window of the tickets signal, days up to the as-of day"),
    "tickets_min": (2.0, 1.0, None, "tickets fires at this many tickets in the window (or any reopen or SLA breach)"),
    "engagement_days": (90.0, 1.0, None, "engagement compares the last this-many days with the same span before"),
    "engagement_drop": (0.5, 0.0, 1.0, "engagement fires when interactions fell by at least this share"),
    "engagement_min_previous": (3.0, 1.0, None, "… from at least this many interactions (a fall from 1 to 0 says little)"),
    "term_days": (30.0, 0.0, None, "term_end fires when a running term ends within this many days, not renewed"),
})
RISK_KEYS = ("weights", "min_score", "thresholds")
DEFAULT_MIN_SCORE = 2.0


@dataclass(frozen=True)
class RiskSpec:
    weights: Mapping[str, float] = field(default_factory=lambda: DEFAULT_WEIGHTS)
    min_score: float = DEFAULT_MIN_SCORE
    thresholds: Mapping[str, float] = field(
        default_factory=lambda: MappingProxyType({k: v[0] for k, v in THRESHOLDS.items()}))


def parse_risk(raw, problems: Problems) -> RiskSpec:
    if raw is None or problems.typed("risk", raw, dict, "a mapping with weights, min_score, thresholds") is None:
        return RiskSpec()
    problems.unknown_keys("risk", raw, RISK_KEYS)
    weights = dict(DEFAULT_WEIGHTS)
    body = raw.get("weights") or {}
    if problems.typed("risk.weights", body, dict, "a mapping of signal name to weight") is not None:
        problems.unknown_keys("risk.weights", body, SIGNALS)
        for name, value in body.items():
            if name in SIGNALS and _number(f"risk.weights.{name}", value, problems) is not None:
                weights[name] = float(value)
    min_score = _number("risk.min_score", raw.get("min_score", DEFAULT_MIN_SCORE), problems)
    return RiskSpec(MappingProxyType(weights), DEFAULT_MIN_SCORE if min_score is None else float(min_score),
                    MappingProxyType(_thresholds(raw.get("thresholds") or {}, problems)))


def _thresholds(body, problems: Problems) -> dict[str, float]:
    out = {k: v[0] for k, v in THRESHOLDS.items()}
    if problems.typed("risk.thresholds", body, dict, "a mapping of threshold name to number") is None:
        return out
    problems.unknown_keys("risk.thresholds", body, THRESHOLDS)
    for name, value in body.items():
        if name not in THRESHOLDS or _number(f"risk.thresholds.{name}", value, problems) is None:
            continue
        _, low, high, _ = THRESHOLDS[name]
        if value < low or (high is not None and value > high):
            span = f"between {low:g} and {high:g}" if high is not None else f"at least {low:g}"
            problems.add(f"risk.thresholds.{name}", f"must be {span}; got {value!r}")
            continue
        out[name] = float(value)
    return out


def _number(path: str, value, problems: Problems):
    return problems.typed(path, value, (int, float), "a number")
