"""A comparison of the groups of one customer dimension: every metric per group with its interval,
each group against the control with lift, p-value and Holm's correction, and the sample-ratio check."""

from __future__ import annotations

import datetime as dt
import math

import polars as pl

from crmctl import stats
from crmctl.compare.data import customer_table, load_units, responses, sole_experiment
from crmctl.compare.estimators import KINDS
from crmctl.compare.measures import BY_NAME, MEASURES, missing
from crmctl.config import Config
from crmctl.domain.results import Comparison
from crmctl.errors import UsageError, did_you_mean

COLUMNS = {"group": pl.String, "metric": pl.String, "n": pl.Int64, "value": pl.Float64, "ci_low": pl.Float64,
           "ci_high": pl.Float64, "lift": pl.Float64, "lift_low": pl.Float64, "lift_high": pl.Float64,
           "relative_lift": pl.Float64, "relative_lift_low": pl.Float64, "relative_lift_high": pl.Float64,
           "test": pl.String, "p_value": pl.Float64, "p_adjusted": pl.Float64, "significant": pl.Boolean,
           "note": pl.String}


def build_comparison(config: Config, by: str | None = None, *, experiment: str | None = None,
                     control: str | None = None, metrics: tuple[str, ...] = (), start: dt.date | None = None,
                     end: dt.date | None = None, last: str | None = None,
                     confidence: float = stats.DEFAULT_CONFIDENCE, expected_shares=None) -> Comparison:
    """`by` a customer dimension, or `experiment` an experiment of the assignments export (the groups are its
    variants and `by` is "variant")."""
    if by is None:
        if experiment is None:
            raise UsageError("compare needs --by DIMENSION or --experiment NAME")
        by = "variant"
    elif experiment is None and by == "variant" and "variant" not in config.dimensions("customers"):
        experiment = sole_experiment(config)  # the assignments' variants, when they hold one experiment
    if not 0 < confidence < 1:
        raise UsageError(f"--confidence {confidence}: must be between 0 and 1 (exclusive), e.g. 0.95")
    measures, unavailable = choose(config, metrics)
    frames, window = load_units(config, by, start, end, last, experiment)
    units = customer_table(frames, by, window, experiment)
    counts = units.group_by("group").len().sort("group")
    groups = counts.get_column("group").to_list()
    if len(groups) < 2:
        raise UsageError(f"--by {by}: compare needs at least two groups, found {len(groups)}: {groups}")
    control = control if control is not None else groups[0]
    if control not in groups:
        raise UsageError(f"--control {control!r} is not a value of {by} (values: {', '.join(groups)})")
    order = [control, *(g for g in groups if g != control)]
    records = [r for m in measures for r in _measure_rows(m, order, units, frames, window, config, confidence)]
    _correct(records, 1 - confidence)
    rows = pl.DataFrame(records, schema=COLUMNS, orient="row").rename({"group": by})
    meta = {"by": by, "experiment": experiment, "control": control, "window": str(window) if window else None,
            "confidence": confidence,
            "alpha": round(1 - confidence, 12), "correction": "holm",
            "srm": srm(counts.get_column("len").to_list(), groups, expected_shares,
                       randomised(config, by, experiment, expected_shares)),
            "metrics": [m.name for m in measures], "unavailable": unavailable}
    return Comparison(rows, meta)


def choose(config: Config, metrics: tuple[str, ...]):
    """The measures to test: the ones asked for (an error names any unknown or not computable), or every
    computable one, with the reasons the others are left out."""
    for name in metrics:
        if name not in BY_NAME:
            hint = did_you_mean(name, BY_NAME) or f" (choose from {', '.join(BY_NAME)})"
            raise UsageError(f"-m: unknown compare metric {name!r}{hint}")
    wanted = [BY_NAME[n] for n in metrics] if metrics else list(MEASURES)
    unavailable = {m.name: why for m in wanted if (why := missing(m, config))}
    if metrics and unavailable:
        raise UsageError("; ".join(f"{n}: {why}" for n, why in unavailable.items()))
    chosen = [m for m in wanted if m.name not in unavailable]
    if not chosen:
        raise UsageError("no metric can be compared with this config: map orders (amount) or surveys (score)")
    return chosen, unavailable


def _measure_rows(measure, order, units, frames, window, config, confidence):
    estimate, test = KINDS[measure.kind]
    source = responses(frames, units, measure.survey, window) if measure.survey else units
    data = {g: measure.inputs(source.filter(pl.col("group") == g), config) for g in order}
    estimates = {g: estimate(data[g], confidence) for g in order}
    control = order[0]
    rows = []
    for g in order:
        e = estimates[g]
        row = [g, measure.name, e.n, e.value, e.ci_low, e.ci_high]
        if g == control:
            row += [math.nan] * 6 + ["control", math.nan, math.nan, None]
        else:
            t = test(data[g], data[control], confidence)
            c = estimates[control]
            rel = stats.relative_lift(e.value, e.se, c.value, c.se, confidence)
            row += [t.lift, t.lift_low, t.lift_high, *rel, t.test, t.p_value, math.nan, None]
        rows.append(row + [_note(e, g == control)])
    return rows


def _note(estimate, is_control: bool) -> str | None:
    if estimate.n == 0:
        return "no units in this group"
    if math.isnan(estimate.value):
        return "no value: the denominator is 0"
    if estimate.n < stats.MIN_N:
        return f"n < {stats.MIN_N}: the normal approximation is rough"
    return None


def _correct(records: list[list], alpha: float) -> None:
    """Holm's correction across every variant × metric test; significant is judged on the adjusted p."""
    tested = [r for r in records if r[12] != "control"]
    adjusted = stats.holm([r[13] for r in tested]) if tested else []
    for r, p in zip(tested, [adjusted] if isinstance(adjusted, float) else adjusted):
        r[14] = float(p)
        r[15] = None if math.isnan(p) else bool(p < alpha)
    for r in records:  # nan is "could not be computed": null in every output
        for i, v in enumerate(r):
            if isinstance(v, float) and math.isnan(v):
                r[i] = None
        if r[12] == "control":
            r[12] = None


def randomised(config: Config, by: str, experiment: str | None, expected_shares) -> str | None:
    """Why the groups are a designed split, or None: an experiment of the assignments export, a customers
    dimension declared a variant by its name (`variant`, or ending in `_variant`), or a split given with
    --shares. Natural groups (segments, regions) were never randomised: their sizes promise nothing."""
    if experiment is not None:
        return f"the variants of experiment {experiment}"
    if by == "variant" or by.endswith("_variant"):
        return f"{by} is declared a variant by its name"
    return "--shares gives the designed split" if expected_shares is not None else None


def srm(counts: list[int], groups: list[str], expected_shares=None, designed: str | None = "") -> dict:
    """Sample-ratio mismatch: Pearson's chi-square of the group sizes against the designed split. Only for a
    designed split (`designed` says why the groups are one); other groups get no test and the reason."""
    if designed is None:
        return {"applies": False, "chi2": None, "p_value": None, "counts": dict(zip(groups, counts)),
                "expected_shares": None, "warning": None,
                "why": "not checked: the groups were not randomised (the check is for experiments: --experiment, "
                       "a customers dimension named variant or *_variant, or --shares)"}
    chi2, p = stats.sample_ratio_mismatch(counts, expected_shares)
    mismatch = p < stats.SRM_ALPHA
    warning = (f"sample ratio mismatch: group sizes {dict(zip(groups, counts))} are unlikely under the expected "
               f"split (chi2 = {chi2:.2f}, p = {p:.2g} < {stats.SRM_ALPHA}); check the assignment and the data "
               "before trusting any difference") if mismatch else None
    return {"chi2": None if math.isnan(chi2) else chi2, "p_value": None if math.isnan(p) else p,
            "counts": dict(zip(groups, counts)),
            "expected_shares": None if expected_shares is None else list(expected_shares), "warning": warning,
            "applies": True, "why": designed or None}
