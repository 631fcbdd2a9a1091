"""`crmctl scorecard`: owners ranked on their own tickets and leads, with shrunk estimates and intervals.

Two boards: service (first contact resolution, resolution time, CSAT of their tickets) from tickets,
sales (win rate, sales cycle length) from leads. Each owner's values come from the report (period
all, --by the owner field); each is then shrunk toward the team: rates by a beta-binomial prior fitted
to all owners, means by normal empirical Bayes (crmctl.stats.shrinkage). Owners rank per metric on
the shrunk estimate; the board is ordered by their mean rank (docs/monitoring.md, "Scorecards").
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import ClassVar

import polars as pl

from crmctl.config import Config, ReportSpec
from crmctl.errors import ConfigError
from crmctl.scorecard.csat import ATTRIBUTION_DAYS, attributed_csat, can_attribute

BOARDS = {"service": ("first_contact_resolution", "avg_resolution_time", "csat"),
          "sales": ("win_rate", "sales_cycle_length")}
BOARD_DATASET = {"service": "tickets", "sales": "leads"}
TEAM = "team"  # an owner's team: estimates are shrunk toward their team's mean when it is mapped
CELLS = {"owner": pl.String, "group": pl.String, "metric": pl.String, "value": pl.Float64, "n": pl.Int64,
         "estimate": pl.Float64,
         "low": pl.Float64, "high": pl.Float64, "team": pl.Float64, "rank": pl.Int64, "small": pl.Boolean}


@dataclass
class Board:
    name: str
    metrics: list  # Metric declarations, in column order
    cells: pl.DataFrame  # CELLS: one row per owner × metric
    owners: list[str]  # best first
    grouped: bool = False  # estimates shrunk toward each owner's team (the dataset maps `team`)


@dataclass
class Scorecard:
    by: str
    window: object
    boards: list[Board]
    min_n: int
    confidence: float
    unavailable: dict[str, str] = field(default_factory=dict)  # metric → why it is not on its board
    view: ClassVar[str] = "scorecard"


def build_scorecard(config: Config, by: str, spec: ReportSpec, min_n: int, confidence: float) -> Scorecard:
    """`spec` gives the window (start, end, last); its metrics and period are the scorecard's own."""
    from crmctl.metrics.catalogue import registry

    known = registry(config)
    unavailable: dict[str, str] = {}
    boards = []
    window = None
    for name, metrics in BOARDS.items():
        dataset = config.datasets.get(BOARD_DATASET[name])
        if dataset is None or by not in dataset.columns:
            unavailable.update(dict.fromkeys(metrics, f"{BOARD_DATASET[name]} do not map {by}"))
            continue
        board, window, missing = _board(config, name, by, spec, known, min_n, confidence)
        unavailable.update(missing)
        if board is not None:
            boards.append(board)
    if not boards:
        raise ConfigError(f"{config.path}: nothing to score by {by!r}: map an owner column as {by} in "
                          "datasets.tickets.columns or datasets.leads.columns (e.g. agent: Assignee)",
                          [f"{m}: {why}" for m, why in unavailable.items()])
    return Scorecard(by, window, boards, min_n, confidence, unavailable)


def _board(config, name: str, by: str, spec: ReportSpec, known: dict, min_n: int, confidence: float):
    from crmctl.report.build import build_report

    dataset = BOARD_DATASET[name]
    keys = (by, TEAM) if by != TEAM and TEAM in config.datasets[dataset].columns else (by,)
    wanted = [m for m in BOARDS[name] if m != "csat"]
    result = build_report(config, replace(spec, metrics=tuple(wanted), family=None, period="all", by=keys,
                                          compare=None, ci=True, confidence=0.95, suppress_below=None))
    missing = dict(result.unavailable)
    frames = {m.name: result.rows.filter(pl.col("metric") == m.name) for m in result.metrics}
    if "csat" in BOARDS[name]:
        why = can_attribute(config, keys)
        if why is None:
            frames["csat"] = attributed_csat(config, keys, result.window).with_columns(
                value=pl.col("numerator") / pl.col("denominator"))
        else:
            missing["csat"] = f"CSAT of {by}'s tickets {why}"
    metrics = [known[m] for m in BOARDS[name] if m in frames]
    renamed = {by: "owner", **({TEAM: "group"} if len(keys) > 1 else {})}
    cells = [shrunk(known[m], frames[m].rename(renamed), min_n, confidence) for m in frames]
    if not cells:
        return None, result.window, missing
    table = rank(pl.concat(cells, how="vertical_relaxed"), metrics)
    return Board(name, metrics, table, _order(table), len(keys) > 1), result.window, missing


def shrunk(metric, frame: pl.DataFrame, min_n: int, confidence: float) -> pl.DataFrame:
    """One metric's owners with `estimate`, `low`, `high` (shrunk) and `team` (the mean shrunk toward):
    toward their own group's mean when the frame has a `group` (team) column and the group has at least
    two owners, else toward everyone's."""
    frame = frame.filter(pl.col("owner").is_not_null(), pl.col("value").is_not_null())
    if "group" not in frame.columns:
        frame = frame.with_columns(group=pl.lit(None, pl.String))
    sizes = frame.group_by("group").len()
    alone = sizes.filter(pl.col("len") < 2)["group"].to_list()
    pooled = frame.with_columns(pool=pl.when(pl.col("group").is_in(alone) | pl.col("group").is_null())
                                .then(pl.lit(None, pl.String)).otherwise(pl.col("group").cast(pl.String)))
    parts = [_shrink_pool(metric, part, min_n, confidence) for _, part in pooled.group_by("pool", maintain_order=True)]
    return pl.concat(parts) if parts else pl.DataFrame(schema=CELLS)


def _shrink_pool(metric, frame: pl.DataFrame, min_n: int, confidence: float) -> pl.DataFrame:
    import numpy as np

    from crmctl import stats

    value = frame["value"].to_numpy().astype(float)
    if metric.interval == "wilson" or metric.name == "csat":
        estimate, low, high, team = stats.beta_binomial_shrinkage(
            frame["numerator"].to_numpy().astype(float), frame["denominator"].to_numpy().astype(float), confidence)
    else:
        from crmctl.stats._core import normal_critical

        se = ((frame["ci_high"] - frame["ci_low"]) / (2 * normal_critical(0.95))).fill_null(np.nan).to_numpy()
        estimate, low, high, team = stats.normal_shrinkage(value, se, confidence)
    return pl.DataFrame({
        "owner": frame["owner"].cast(pl.String), "group": frame["group"].cast(pl.String), "metric": metric.name,
        "value": value, "n": frame["n"], "estimate": estimate, "low": low, "high": high, "team": float(team),
        "rank": None, "small": frame["n"] < min_n,
    }, schema=CELLS).with_columns(pl.col(c).fill_nan(None) for c in ("estimate", "low", "high", "team"))


def rank(cells: pl.DataFrame, metrics) -> pl.DataFrame:
    """Rank 1 = best estimate of each metric (highest, or lowest when lower is better)."""
    ranked = []
    for metric in metrics:
        part = cells.filter(pl.col("metric") == metric.name)
        order = part["estimate"].rank("min", descending=bool(metric.higher_is_better)).cast(pl.Int64)
        ranked.append(part.with_columns(rank=order))
    return pl.concat(ranked)


def _order(cells: pl.DataFrame) -> list[str]:
    """Owners by mean rank over the metrics they have, then by name."""
    mean = cells.group_by("owner").agg(pl.col("rank").mean().alias("mean_rank")).sort(
        "mean_rank", "owner", nulls_last=True)
    return mean["owner"].to_list()


__all__ = ["ATTRIBUTION_DAYS", "BOARDS", "Board", "Scorecard", "build_scorecard", "rank", "shrunk"]
