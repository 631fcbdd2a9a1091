"""sBG projections of cohort triangles (Fader & Hardie 2007) and each cohort's DERL (2010).

Works on the long triangle of `crmctl.cohorts.build`: per cohort (× --by group), the survivors n_0..n_k
are its `retained` counts at period indexes 0..k of the complete periods (the period the data ends
inside is left out: its survivors are not final). Survival S(t) = B(α, β+t) / B(α, β) then
projects rate_t = rate_0 × S(t), which is S(t) itself when nobody left in the acquisition period.
"""

from __future__ import annotations

import polars as pl

MIN_PERIODS = 3  # the cohort size and two later counts: two retention rates separate α from β

# Periods per year, to turn the annual `discount_rate` into a per-period one (Gregorian year).
PERIODS_PER_YEAR = {"day": 365.2425, "week": 365.2425 / 7, "month": 12.0, "quarter": 4.0, "year": 1.0}


def _groups(frame: pl.DataFrame, by: list[str]):
    """(cohort, by values, rows sorted by period_index) for each cohort × group."""
    keys = ["cohort", *by]
    for key, rows in frame.sort([*keys, "period_index"], nulls_last=True).group_by(
            keys, maintain_order=True):
        yield key, rows


def _fit_one(rows: pl.DataFrame, last_complete, period: str, discount_rate: float) -> dict:
    """The cohort's sBG fit and DERL, or a note saying why it has none."""
    from crmctl.models import ModelError
    from crmctl.models.clv import per_period_rate
    from crmctl.models.sbg import discounted_expected_residual_lifetime, fit_sbg

    complete = rows.filter(pl.col("period_start") <= last_complete)
    survivors = complete["retained"].to_list()
    out = {"alpha": None, "beta": None, "derl_periods": None, "periods_observed": len(survivors), "note": None}
    if len(survivors) < MIN_PERIODS:
        out["note"] = (f"too short to project: {len(survivors)} complete period(s) observed, "
                       f"the sBG model needs {MIN_PERIODS} or more")
        return out
    try:
        fit = fit_sbg(survivors)
        latest = int(rows["period_index"].max())
        derl = discounted_expected_residual_lifetime(
            fit, per_period_rate(discount_rate, PERIODS_PER_YEAR[period]), latest)
    except ModelError as error:
        out["note"] = f"no projection: {error}"
        return out
    out.update(alpha=fit.alpha, beta=fit.beta, derl_periods=float(derl), fit=fit)
    return out


def fits(frame: pl.DataFrame, meta: dict, discount_rate: float) -> list[dict]:
    """Per cohort (× group): cohort, by values, alpha, beta, derl_periods, periods_observed, note, fit."""
    by, period = list(meta.get("by", [])), meta["period"]
    last_complete = meta.get("last_complete")
    out = []
    for key, rows in _groups(frame, by):
        if last_complete is None:
            fitted = {"alpha": None, "beta": None, "derl_periods": None, "periods_observed": 0,
                      "note": "too short to project: no complete period observed"}
        else:
            fitted = _fit_one(rows, last_complete, period, discount_rate)
        out.append({"cohort": key[0], **dict(zip(by, key[1:])), **fitted, "_rows": rows})
    return out


def fit_table(frame: pl.DataFrame, meta: dict, discount_rate: float) -> pl.DataFrame:
    """The fits as a frame: cohort, [by], alpha, beta, derl_periods, period, periods_observed, note."""
    by = list(meta.get("by", []))
    records = [{k: v for k, v in f.items() if k not in ("fit", "_rows")} | {"period": meta["period"]}
               for f in fits(frame, meta, discount_rate)]
    schema = {"cohort": pl.Date, **{b: frame.schema[b] for b in by}, "alpha": pl.Float64, "beta": pl.Float64,
              "derl_periods": pl.Float64, "period": pl.String, "periods_observed": pl.Int64, "note": pl.String}
    return pl.DataFrame(records, schema=schema, orient="row" if not records else None).select(list(schema))


def project_frame(frame: pl.DataFrame, meta: dict, periods: int, discount_rate: float) -> tuple[pl.DataFrame, dict]:
    """The triangle with `projected` (False on observed rows) and `periods` projected rows per fitted cohort."""
    from crmctl.models.sbg import survival

    fitted = fits(frame, meta, discount_rate)
    observed = frame.with_columns(projected=pl.lit(False))
    extra = []
    for f in fitted:
        rows = f["_rows"]
        if f.get("fit") is None or rows.height == 0:
            continue
        last = rows.row(rows.height - 1, named=True)
        first = rows.row(0, named=True)
        t = list(range(last["period_index"] + 1, last["period_index"] + periods + 1))
        rate0 = first["retained"] / first["customers"]
        rates = rate0 * survival(f["fit"], t)
        for step, (index, rate) in enumerate(zip(t, rates), start=1):
            extra.append({**{c: last[c] for c in ("cohort", *meta.get("by", []), "customers")},
                          "period_index": index, "_step": step, "rate": float(rate), "_last": last["period_start"]})
    if extra:
        observed = pl.concat([observed, _projected_rows(extra, frame, meta)], how="diagonal_relaxed")
    observed = observed.sort(["cohort", *meta.get("by", []), "period_index"], nulls_last=True).select(
        *frame.columns, "projected")
    summary = {"periods": periods, "discount_rate": discount_rate, "model": "sBG (Fader & Hardie 2007)",
               "fits": [{k: v for k, v in f.items() if k not in ("fit", "_rows")} for f in fitted]}
    return observed, summary


def _projected_rows(extra: list[dict], frame: pl.DataFrame, meta: dict) -> pl.DataFrame:
    """Projected cells: their period starts, the projected rate, and no counts or revenue (not observed)."""
    from crmctl.domain.periods import Calendar

    calendar = Calendar(meta["period"])
    rows = pl.DataFrame(extra)
    # Calendar.shift needs one n per call; group by step so each projected period is one expression.
    starts = pl.concat([rows.filter(pl.col("_step") == s).with_columns(
        period_start=calendar.shift(pl.col("_last"), s)) for s in sorted(set(rows["_step"]))])
    return starts.with_columns(
        retained=pl.lit(None, pl.Int64), revenue=pl.lit(None, pl.Float64), revenue_rate=pl.lit(None, pl.Float64),
        projected=pl.lit(True), customers=pl.col("customers").cast(pl.Int64),
        period_index=pl.col("period_index").cast(pl.Int64),
    ).drop("_step", "_last").cast({c: frame.schema[c] for c in ("cohort", *meta.get("by", []))})
