"""The numbers of `crmctl drivers`: churn rate per value with its Wilson interval and lift, Cramér's V
with the chi-square test per attribute, and the plain NPS verdict. Pure functions over counts."""

from __future__ import annotations

from crmctl.stats import wilson_interval

NPS_ORDER = ("promoter", "passive", "detractor", "none")
RESPONDENTS = NPS_ORDER[:3]
ALPHA = 0.05


def value_rows(values: list, ns: list[int], churned: list[int], overall_rate: float | None) -> list[dict]:
    """n, churned, rate = churned ÷ n, its 95% Wilson interval and lift = rate ÷ overall rate (null when
    nobody churned overall: a lift on 0 means nothing)."""
    if not values:
        return []
    import numpy as np

    low, high = wilson_interval(np.array(churned), np.array(ns))
    rows = []
    for i, value in enumerate(values):
        rate = churned[i] / ns[i]
        rows.append({"value": value, "n": ns[i], "churned": churned[i], "rate": rate,
                     "ci_low": float(low[i]), "ci_high": float(high[i]),
                     "lift": rate / overall_rate if overall_rate else None})
    return rows


def separation(ns: list[int], churned: list[int]) -> tuple[float | None, float | None, str | None]:
    """Cramér's V of the values × (churned, stayed) table and the chi-square test's p-value (Pearson,
    no continuity correction). With two outcome columns V = √(χ² ÷ N), from 0 (the values churn alike)
    to 1 (each value all churners or all stayers). Null with a note when there is nothing to compare."""
    total, lost = sum(ns), sum(churned)
    if len(ns) < 2:
        return None, None, "one value only"
    if lost == 0 or lost == total:
        return None, None, "nobody churned" if lost == 0 else "everybody churned"
    from scipy.stats import chi2_contingency

    table = [[c, n - c] for n, c in zip(ns, churned)]
    result = chi2_contingency(table, correction=False)
    return (float(result.statistic) / total) ** 0.5, float(result.pvalue), None


def nps_verdict(attribute: dict | None) -> dict | None:
    """Churn of promoters, passives, detractors and non-respondents, and whether NPS separates churners:
    the chi-square test over the respondents' three categories at 95%. None when surveys are not mapped."""
    if attribute is None:
        return None
    categories = {v["value"]: v for v in attribute["values"]}
    answered = [categories[c] for c in RESPONDENTS if c in categories]
    rows = [categories.get(c) or {"value": c, "n": 0, "churned": 0, "rate": None, "ci_low": None,
                                  "ci_high": None, "lift": None} for c in NPS_ORDER]
    _, p_value, note = separation([v["n"] for v in answered], [v["churned"] for v in answered])
    if p_value is None:
        reason = "fewer than two NPS categories have respondents" if note == "one value only" or not answered else note
        verdict = f"NPS cannot be tested in this data: {reason}"
    elif p_value < ALPHA:
        high = max(answered, key=lambda v: v["rate"])
        low = min(answered, key=lambda v: v["rate"])
        verdict = (f"NPS separates churners here: {_plural(high['value'])} churn at {_share(high)} vs "
                   f"{_plural(low['value'])} {_share(low)} ({_p(p_value)})")
    else:
        verdict = f"NPS does not separate churners in this data ({_p(p_value)})"
    return {"categories": rows, "p_value": p_value, "separates": p_value is not None and p_value < ALPHA,
            "verdict": verdict}


def _plural(category: str) -> str:
    return {"passive": "passives", "none": "non-respondents"}.get(category, category + "s")


def _share(row: dict) -> str:
    return f"{row['rate']:.0%} (CI {row['ci_low']:.0%}–{row['ci_high']:.0%})"


def _p(p_value: float) -> str:
    return "p < 0.001" if p_value < 0.001 else f"p = {p_value:.2g}" if p_value < 0.01 else f"p = {p_value:.2f}"
