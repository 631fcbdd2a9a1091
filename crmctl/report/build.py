"""Plans and computes a report: selected metrics → datasets and fields → one tidy result table.

The table (DESIGN §6): period_start, period_end, one column per --by field, metric, value,
numerator, denominator, n, note; with --compare also previous, change and change_ratio.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import ClassVar

import polars as pl

from crmctl import progress
from crmctl.version import __version__
from crmctl.context.activity import model_fields
from crmctl.config import Config, ReportSpec
from crmctl.context.aggregated import read_aggregated
from crmctl.context.frames import ReportContext
from crmctl.report.assumptions import assumed_margin, with_margin_notes
from crmctl.report.grid import fill, finish, period_grid, timeless
from crmctl.metrics.metric import Metric
from crmctl.domain.periods import Calendar, Window, resolve_window
from crmctl.errors import DataError
from crmctl.report.plan import Plan, aggregable, plan_report
from crmctl.report.pushdown import must_read_whole, pushdowns, reach

from crmctl.read.identity import fields_to_read, resolve_customers
from crmctl.read.load import Loaded, load_dataset
from crmctl.read.quality import PLAUSIBLE_FROM
from crmctl.report.targets import benchmark_columns, mark
from crmctl.report.uncertainty import SAMPLE_COLUMNS, TESTED, add_intervals, change_test, suppress_small


@dataclass
class ReportResult:
    rows: pl.DataFrame
    metrics: list[Metric]
    by: tuple[str, ...]
    period: str
    window: Window | None
    unavailable: dict[str, str]
    datasets: dict[str, Loaded]
    activity: str | None = None
    meta: dict = field(default_factory=dict)
    targets: dict = field(default_factory=dict)  # metric → Target, for the rules drawn on charts
    min_n: int = 30  # sampled values from fewer observations are dimmed in tables (report.min_n)
    confidence: float = 0.95
    view: ClassVar[str] = "report"
    span: tuple[dt.date, dt.date] | None = None  # the data's first and last day


EMPTY_REMEDY = "change the window (--from, --to, --last), or add --allow-empty to accept an empty report (exit 0)"


def refuse_empty(result: ReportResult, remedy: str = EMPTY_REMEDY) -> None:
    """A report with no data in its window is an error (exit 4) a cron job can see, saying why: no row at all,
    or a window that misses the data's span (every value would be null, "no data for this period")."""
    span, window = result.span, result.window
    outside = span is not None and window is not None and (window.end < span[0] or window.start > span[1])
    if result.rows.height and not outside:
        return
    if not result.metrics:
        why = "none of the requested metrics can be computed with this config (see the warnings)"
    elif span is None:
        why = "the data has no dated rows"
    else:
        why = f"the data ({span[0].isoformat()} .. {span[1].isoformat()}) has no dates in the window" + \
            (f" {window}" if window else "")
    raise DataError(f"no data: {why}; {remedy}")


def uncertainty_settings(spec: ReportSpec) -> tuple[float, int]:
    """The confidence and min_n a report uses: the spec's, else crmctl.stats' defaults."""
    from crmctl.stats import DEFAULT_CONFIDENCE, MIN_N

    return spec.confidence or DEFAULT_CONFIDENCE, spec.min_n if spec.min_n is not None else MIN_N


def build_report(config: Config, overrides: ReportSpec | None = None) -> ReportResult:
    spec = overrides or config.report
    ctx, plan = prepare(config, spec, aggregated=True, pushdown=True)
    rows = _compute(ctx, plan, spec) if plan.metrics else _empty(spec.by, spec.compare, spec.ci)
    margin = assumed_margin(config, plan.metrics)
    rows = with_margin_notes(rows, margin)
    if config.targets:
        rows = rows.with_columns(target=pl.Series(mark(rows, config.targets, spec.by), dtype=pl.String))
    if config.benchmarks:
        rows = benchmark_columns(rows, config.benchmarks)
    result = ReportResult(rows, plan.metrics, spec.by, spec.period, ctx.window, plan.unavailable, ctx.datasets,
                          plan.activity)
    result.span = ctx.span
    result.meta = _meta(config, result, spec)
    result.meta["assumed_margin"] = margin
    result.targets = dict(config.targets or {})
    result.confidence, result.min_n = uncertainty_settings(spec)
    return result


def prepare(config: Config, spec: ReportSpec, aggregated: bool = False,
            pushdown: bool = False) -> tuple[ReportContext, Plan]:
    """Plans the metrics, reads each dataset they need once, and fixes the window. With `aggregated`, a
    dataset only group_bys read (plan.aggregable) may come as those group_bys, its rows never held. With
    `pushdown`, a database dataset counted by period alone is read for the window's periods alone
    (report/pushdown.py)."""
    calendar = Calendar(spec.period, config.week_start, config.fiscal_year_start_month)
    plan = plan_report(config, spec)
    wanted = fields_to_read(config, plan.fields)  # plus the keys that translate e-mails into customer ids
    fast = aggregable(config, spec, plan) & set(wanted) if aggregated else set()
    windows, cut_for = pushdowns(config, spec, plan, calendar) if pushdown else ({}, None)
    datasets, shared = {}, {}  # shared: the customers keyed by id, for the aggregated road and the report

    def load(name: str, window=None) -> Loaded:
        if name not in datasets:
            datasets[name] = load_dataset(config.datasets[name], wanted[name], quality=plan.quality, window=window)
        return datasets[name]

    for number, name in enumerate(wanted, start=1):
        progress.step(f"reading {name} ({number}/{len(wanted)})")
        if name in fast:  # the customers' --by columns are joined in its scan: they are read first
            customers = {"customers": load("customers")} if "customers" in wanted else {}
            datasets[name] = read_aggregated(config, spec.by, plan, calendar, customers, name, wanted[name], shared)
        if datasets.get(name) is None:
            datasets.pop(name, None)
            load(name, windows.get(name))
    datasets = {name: datasets[name] for name in wanted}
    if windows:  # the window as the rows read fix it: a dataset cut too narrowly for it is read whole
        spans = _data_spans(config, plan, datasets)
        window = resolve_window(spec.start, spec.end, spec.last, _union(spans.values()), calendar)
        actual = reach(replace(spec, start=window.start, last=None), calendar) if window else cut_for
        for name in [n for n in windows if n in datasets and must_read_whole(datasets[n], spans.get(n), cut_for,
                                                                            actual, calendar)]:
            datasets[name] = load_dataset(config.datasets[name], wanted[name], quality=plan.quality)
    resolve_customers(config, datasets)
    spans = _data_spans(config, plan, datasets)
    span = _union(spans.values())
    window = resolve_window(spec.start, spec.end, spec.last, span, calendar)
    if window is None:  # no dated data: a dataset bucketed in its scan is read again, held, to be timeless
        for name in [name for name, loaded in datasets.items() if loaded.aggregates is not None]:
            datasets[name] = load_dataset(config.datasets[name], wanted[name], quality=plan.quality)
    ctx = ReportContext(config, calendar, spec.by, window, datasets, plan.customer_dims, span, plan.activity, spans,
                        _cache=shared)
    ctx.declarations.declare_all(plan.all_metrics)
    return ctx, plan


def _data_spans(config: Config, plan: Plan, datasets: dict[str, Loaded]) -> dict[str, tuple[dt.date, dt.date]]:
    """First and last day of each dataset a selected metric counts rows of, and under "activity" the span of
    everything the activity model reads: a customer who signed up in January and first ordered in March is
    a January customer, so activity metrics start in January (new customers) and count 0, not "no data",
    for the months before anyone churned."""
    from crmctl.domain.datasets import CANONICAL

    def span(dataset: str, fields) -> tuple[dt.date, dt.date] | None:
        if datasets[dataset].aggregates is not None:  # the aggregated road found them in its scan
            found = [datasets[dataset].extents[f] for f in fields if f in datasets[dataset].extents]
            found = [f for f in found if f[0] is not None]
            return (min(f[0] for f in found).date(), max(f[1] for f in found).date()) if found else None
        frame = datasets[dataset].frame
        # An implausible date (2099, 1900) must not stretch the default window over decades.
        dates = [frame[f].filter(frame[f].is_between(PLAUSIBLE_FROM, now)) for f in fields if f in frame.columns]
        dates = [d for d in dates if d.len()]
        return (min(d.min() for d in dates).date(), max(d.max() for d in dates).date()) if dates else None

    now = dt.datetime.now()
    counted = {plan.capabilities.dataset_of(m) for m in plan.metrics if m.dataset != "activity"}
    if "quality" in counted:
        counted = (counted - {"quality"}) | set(datasets)
    spans = {dataset: span(dataset, CANONICAL[dataset].extent_fields) for dataset in counted}
    if plan.activity and any(m.dataset == "activity" for m in plan.metrics):
        read = model_fields(config, plan.activity)
        spans["activity"] = _union(span(d, [f for f in fields if CANONICAL[d].kind(f) == "datetime"])
                                   for d, fields in read.items() if d in datasets)
    return {name: found for name, found in spans.items() if found}


def _union(spans) -> tuple[dt.date, dt.date] | None:
    spans = [s for s in spans if s]
    return (min(s[0] for s in spans), max(s[1] for s in spans)) if spans else None


def _compute(ctx: ReportContext, plan: Plan, spec: ReportSpec) -> pl.DataFrame:
    base = [m for m in plan.all_metrics if m.plan]
    progress.step(f"computing {len(base)} metric{'s' if len(base) != 1 else ''}")
    raw = dict(zip([m.name for m in base], pl.collect_all([_typed(ctx, m.plan(ctx)) for m in base])))
    grid = period_grid(ctx, [r for r in raw.values() if not timeless(r)])
    known = plan.registry
    filled = {name: finish(ctx, known[name], fill(ctx, grid, known[name], frame)) for name, frame in raw.items()}
    for metric in plan.all_metrics:
        if metric.derive:
            derived = metric.derive(ctx, {k: v.lazy() for k, v in filled.items()}).collect()
            filled[metric.name] = finish(ctx, metric, grid.join(derived, on=ctx.keys, how="left", nulls_equal=True))
    frames = [_uncertain(ctx, spec, metric, filled[metric.name]).with_columns(
        metric=pl.lit(metric.name), _order=pl.lit(order)) for order, metric in enumerate(plan.metrics)]
    rows = pl.concat(frames, how="diagonal_relaxed").sort(["_order", *ctx.by, "period_start"], nulls_last=True)
    return _window_rows(ctx, rows, spec.compare, spec.ci)


def _uncertain(ctx: ReportContext, spec: ReportSpec, metric: Metric, frame: pl.DataFrame) -> pl.DataFrame:
    """Intervals (--ci), then --min-n suppression, then the change and its test (--compare): a
    suppressed value has no change to test either."""
    confidence, _ = uncertainty_settings(spec)
    if spec.ci:
        frame = add_intervals(frame, metric, confidence)
    if spec.suppress_below is not None:
        frame = suppress_small(frame, metric, spec.suppress_below)
    if spec.compare:
        frame = change_test(_compare(ctx, frame, spec.compare), metric, confidence)
    return frame


def _typed(ctx: ReportContext, lf: pl.LazyFrame) -> pl.LazyFrame:
    """Plans agree on column types so that results concatenate."""
    names = lf.collect_schema().names()
    extra = [pl.col(c).cast(pl.Float64) for c in SAMPLE_COLUMNS if c in names]
    if "values" in names:
        extra.append(pl.col("values").cast(pl.List(pl.Float64)))
    return lf.select(
        *ctx.keys, *extra,
        pl.col("numerator").cast(pl.Float64),
        (pl.col("denominator") if "denominator" in names else pl.lit(None)).cast(pl.Float64).alias("denominator"),
        pl.col("n").cast(pl.Int64),
        (pl.col("excluded") if "excluded" in names else pl.lit(None)).cast(pl.Int64).alias("excluded"),
    )


def _compare(ctx: ReportContext, frame: pl.DataFrame, compare: str) -> pl.DataFrame:
    """previous: the value one period (or one year) earlier; change = value − previous."""
    if compare == "year":
        lag = pl.col("period_start").dt.offset_by("52w" if ctx.calendar.period == "week" else "1y")
    else:
        lag = ctx.calendar.shift(pl.col("period_start"), 1)
    # previous_*: the earlier period's sufficient statistics, for the change's test
    tested = [pl.col(c).alias(f"previous_{c}") for c in TESTED if c in frame.columns]
    earlier = frame.select(lag.alias("period_start"), *ctx.by, pl.col("value").alias("previous"), *tested)
    return frame.join(earlier, on=ctx.keys, how="left", nulls_equal=True).with_columns(
        change=pl.col("value") - pl.col("previous"),
        change_ratio=pl.when(pl.col("previous") != 0).then(pl.col("value") / pl.col("previous") - 1),
    )


def _window_rows(ctx: ReportContext, rows: pl.DataFrame, compare: str | None, ci: bool) -> pl.DataFrame:
    if ctx.window is not None:
        first = ctx.window.start if ctx.calendar.period == "all" else ctx.calendar.start_of(ctx.window.start)
        rows = rows.filter(pl.col("period_start").is_null() | (pl.col("period_start") >= first))
    # Float sums carry noise in the 16th digit (454291.6399999999); 12 significant digits is exact
    # for any money amount and keeps CSV and JSON readable.
    numbers = [c for c in ("value", "numerator", "denominator", "previous", "change", "change_ratio", "ci_low",
                           "ci_high") if c in rows.columns]
    return rows.with_columns(pl.col(numbers).round_sig_figs(12)).select(_columns(ctx.by, compare, ci))


def _columns(by, compare, ci: bool = False) -> list[str]:
    extra = ["previous", "change", "change_ratio", "p_value", "significant"] if compare else []
    extra += ["ci_low", "ci_high"] if ci else []
    return ["period_start", "period_end", *by, "metric", "value", "numerator", "denominator", "n", "note", *extra]


_COLUMN_TYPES = {"period_start": pl.Date, "period_end": pl.Date, "n": pl.Int64, "metric": pl.String, "note": pl.String,
                 "significant": pl.Boolean}


def _empty(by, compare, ci: bool = False) -> pl.DataFrame:
    return pl.DataFrame(schema={c: _COLUMN_TYPES.get(c, pl.String if c in by else pl.Float64)
                                for c in _columns(by, compare, ci)})


def _meta(config: Config, result: ReportResult, spec: ReportSpec) -> dict:
    return {
        "config": str(config.path),
        "window": {"from": result.window.start.isoformat(), "to": result.window.end.isoformat()}
        if result.window else None,
        "period": spec.period,
        "by": list(spec.by),
        "metrics": [m.name for m in result.metrics],
        "generated_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "crmctl_version": __version__,
        "rows_read": sum(d.rows_read for d in result.datasets.values()),
        "rows_skipped": sum(d.rows_skipped for d in result.datasets.values()),
        "datasets": {name: _dataset_meta(d) for name, d in result.datasets.items()},
        "unavailable_metrics": result.unavailable,
        "activity_model": result.activity,
    }


def _dataset_meta(loaded: Loaded) -> dict:
    pushed = loaded.pushed  # a database read narrowed to the window: what it asked for, what it left there
    narrowed = {"pushed_down": {"where": pushed.where, "rows_left_in_database": pushed.rows_left}} if pushed else {}
    return {
        "files": [str(f) for f in loaded.files],
        "rows_read": loaded.rows_read,
        "rows_used": loaded.rows_used,
        "rows_filtered": loaded.rows_filtered,
        "rows_skipped": loaded.rows_skipped,
        "skipped_because": loaded.skipped_because,
        "invalid_values": {f: issue.count for f, issue in loaded.invalid.items()},
        **narrowed,
    }


def with_overrides(spec: ReportSpec, **changes) -> ReportSpec:
    """The config's report section with the command line's options laid over it."""
    return replace(spec, **{k: v for k, v in changes.items() if v is not None})
