"""Satisfaction: CSAT, NPS and CES from survey responses, each on its configured scale.

A response counts in the period of `responded_at`, for the survey type its `type` says (after the
value map). Scores outside the type's scale are left out and counted in the row's note.
"""

from __future__ import annotations

import polars as pl

from crmctl.metrics.registry import Metric

SURVEY = ("surveys.type", "surveys.score", "surveys.responded_at")
OFF_SCALE = "responses outside the scale excluded"


def _responses(ctx, survey: str, numerator, **extra) -> pl.LazyFrame:
    """Aggregates one survey type per period; `numerator` (and each of `extra`, the sufficient
    statistics an interval needs) maps the on-scale scores to a number."""
    low, high = ctx.knob(f"{survey}_scale")
    rows = ctx.frame("surveys").filter(pl.col("type") == survey)
    on_scale = pl.col("score").is_between(low, high)
    scores = pl.col("score").filter(on_scale)
    return rows.group_by(ctx.keys).agg(
        numerator=numerator(scores),
        denominator=on_scale.sum(),
        n=on_scale.sum(),
        excluded=(~on_scale).sum(),
        **{name: build(scores) for name, build in extra.items()},
    )


def _csat(ctx) -> pl.LazyFrame:
    return _responses(ctx, "csat", lambda score: (score >= ctx.knob("csat_satisfied_min")).sum())


def _nps(ctx) -> pl.LazyFrame:
    return _responses(ctx, "nps", lambda score: (score >= 9).sum().cast(pl.Int64) - (score <= 6).sum(),
                      promoters=lambda score: (score >= 9).sum(), detractors=lambda score: (score <= 6).sum())


NPS_GROUPS = {
    "promoters": lambda score: (score >= 9).sum(),
    "passives": lambda score: ((score > 6) & (score < 9)).sum(),
    "detractors": lambda score: (score <= 6).sum(),
}


def _ces(ctx) -> pl.LazyFrame:
    return _responses(ctx, "ces", lambda score: score.sum(), sd=lambda score: score.std())


def _nps_share(name: str, scores: str) -> Metric:
    return Metric(
        name=f"nps_{name}", title=f"NPS {name}", family="satisfaction", unit="ratio", interval="wilson",
        higher_is_better={"promoters": True, "detractors": False}.get(name),
        description=f"Share of NPS responses in the period scoring {scores}.",
        requires=SURVEY, numerator=f"NPS {name}", denominator="NPS responses in the period",
        excluded=OFF_SCALE, plan=lambda ctx: _responses(ctx, "nps", NPS_GROUPS[name]),
    )


METRICS = (
    Metric(
        name="csat", interval="wilson", title="CSAT", family="satisfaction", unit="ratio",
        description="Share of CSAT responses in the period scoring at least `csat_satisfied_min` (default 4 on "
                    "the `csat_scale`, default 1–5).",
        requires=SURVEY, numerator="satisfied CSAT responses", denominator="CSAT responses in the period",
        excluded=OFF_SCALE, plan=_csat,
    ),
    Metric(
        name="nps", interval="nps", title="NPS", family="satisfaction", unit="score", scale=100.0,
        description="Net Promoter Score: % promoters (9–10) − % detractors (0–6) of NPS responses in the period, "
                    "from −100 to 100; passives (7–8) count only in the denominator.",
        requires=SURVEY, numerator="promoters − detractors", denominator="NPS responses in the period",
        excluded=OFF_SCALE, plan=_nps,
    ),
    _nps_share("promoters", "9 or 10"),
    _nps_share("passives", "7 or 8"),
    _nps_share("detractors", "0 to 6"),
    Metric(
        name="ces", interval="mean", title="CES", family="satisfaction", unit="score",
        description="Customer Effort Score: mean score of CES responses in the period on the `ces_scale` "
                    "(default 1–7, where higher means easier, as in CES 2.0).",
        requires=SURVEY, numerator="sum of CES scores", denominator="CES responses in the period",
        excluded=OFF_SCALE, plan=_ces,
    ),
)
