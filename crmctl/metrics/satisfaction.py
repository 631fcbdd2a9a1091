"""Satisfaction: CSAT, NPS and CES from survey responses, each on its configured scale.

A response counts in the period of `responded_at`, for the survey type its `type` says (after the
value map). Scores outside the type's scale are left out and counted in the row's note.
"""

from __future__ import annotations

import polars as pl

from crmctl.metrics.metric import Metric

SURVEY = ("surveys.type", "surveys.score", "surveys.responded_at")
OFF_SCALE = "responses outside the scale excluded"


def _statistics(ctx, survey: str, **statistics) -> dict[str, pl.Expr]:
    """The aggregations over surveys by `responded_at` that one survey type's metric reads: its rows,
    on-scale and off-scale counts, and each of `statistics` (a name and a function of the on-scale
    scores: the numerator, or the sufficient statistics an interval needs), named after the survey type
    so that every satisfaction metric of a report shares one group_by."""
    low, high = ctx.knob(f"{survey}_scale")
    typed = pl.col("type") == survey
    on_scale = typed & pl.col("score").is_between(low, high)
    scores = pl.when(on_scale).then(pl.col("score"))  # off-scale scores null: aggregations skip them
    return {f"_{survey}_rows": typed.sum(), f"_{survey}_on_scale": on_scale.sum(),
            f"_{survey}_off_scale": (typed & ~on_scale).sum(),
            **{f"_{survey}_{name}": build(ctx, scores) for name, build in statistics.items()}}


def _responses(ctx, survey: str, numerator, statistics: dict, **extra) -> pl.LazyFrame:
    """One survey type per period: a period (and segment) with no response of that type has no row."""
    rows = ctx.aggregate("surveys", None, _statistics(ctx, survey, **statistics)).filter(pl.col(f"_{survey}_rows") > 0)
    on_scale = pl.col(f"_{survey}_on_scale")
    return rows.select(*ctx.keys, numerator=numerator, denominator=on_scale, n=on_scale,
                       excluded=f"_{survey}_off_scale", **extra)


_CSAT = {"satisfied": lambda ctx, score: (score >= ctx.knob("csat_satisfied_min")).sum()}
NPS_GROUPS = {
    "promoters": lambda ctx, score: (score >= 9).sum(),
    "passives": lambda ctx, score: ((score > 6) & (score < 9)).sum(),
    "detractors": lambda ctx, score: (score <= 6).sum(),
}
_NPS = {name: NPS_GROUPS[name] for name in ("promoters", "detractors")}
_CES = {"sum": lambda ctx, score: score.sum(), "sd": lambda ctx, score: score.std()}


def _csat(ctx) -> pl.LazyFrame:
    return _responses(ctx, "csat", pl.col("_csat_satisfied"), _CSAT)


def _nps(ctx) -> pl.LazyFrame:
    promoters, detractors = pl.col("_nps_promoters"), pl.col("_nps_detractors")
    return _responses(ctx, "nps", promoters.cast(pl.Int64) - detractors, _NPS, promoters=promoters,
                      detractors=detractors)


def _ces(ctx) -> pl.LazyFrame:
    return _responses(ctx, "ces", pl.col("_ces_sum"), _CES, sd=pl.col("_ces_sd"))


def _nps_share(name: str, scores: str) -> Metric:
    return Metric(
        name=f"nps_{name}", title=f"NPS {name}", family="satisfaction", unit="ratio", interval="wilson",
        higher_is_better={"promoters": True, "detractors": False}.get(name),
        description=f"Share of NPS responses in the period scoring {scores}.",
        requires=SURVEY, numerator=f"NPS {name}", denominator="NPS responses in the period",
        excluded=OFF_SCALE, plan=lambda ctx: _responses(ctx, "nps", pl.col(f"_nps_{name}"), {name: NPS_GROUPS[name]}),
        aggregates=lambda ctx: _statistics(ctx, "nps", **{name: NPS_GROUPS[name]}),
    )


METRICS = (
    Metric(
        name="csat", interval="wilson", title="CSAT", family="satisfaction", unit="ratio",
        description="Share of CSAT responses in the period scoring at least `csat_satisfied_min` (default 4 on "
                    "the `csat_scale`, default 1–5).",
        requires=SURVEY, numerator="satisfied CSAT responses", denominator="CSAT responses in the period",
        excluded=OFF_SCALE, plan=_csat, aggregates=lambda ctx: _statistics(ctx, "csat", **_CSAT),
    ),
    Metric(
        name="nps", interval="nps", title="NPS", family="satisfaction", unit="score", scale=100.0,
        description="Net Promoter Score: % promoters (9–10) − % detractors (0–6) of NPS responses in the period, "
                    "from −100 to 100; passives (7–8) count only in the denominator.",
        requires=SURVEY, numerator="promoters − detractors", denominator="NPS responses in the period",
        excluded=OFF_SCALE, plan=_nps, aggregates=lambda ctx: _statistics(ctx, "nps", **_NPS),
    ),
    _nps_share("promoters", "9 or 10"),
    _nps_share("passives", "7 or 8"),
    _nps_share("detractors", "0 to 6"),
    Metric(
        name="ces", interval="mean", title="CES", family="satisfaction", unit="score",
        description="Customer Effort Score: mean score of CES responses in the period on the `ces_scale` "
                    "(default 1–7, where higher means easier, as in CES 2.0).",
        requires=SURVEY, numerator="sum of CES scores", denominator="CES responses in the period",
        excluded=OFF_SCALE, plan=_ces, aggregates=lambda ctx: _statistics(ctx, "ces", **_CES),
    ),
)
