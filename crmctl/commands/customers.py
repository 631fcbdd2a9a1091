"""crmctl customers: one row per customer as of a date, with P(alive), expected orders and predicted CLV."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from crmctl.commands.common import ConfigOption, FormatOption, OutputOption, date, guarded, load, show, split, \
    with_progress
from crmctl.errors import UsageError
from crmctl.render import Format


@guarded
def customers(
    config: ConfigOption = None,
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="Date of the table; later orders are ignored. "
                                                 "Default: the data's last day.")] = None,
    horizon: Annotated[str, typer.Option(help="Prediction horizon: 39w, 12m, 90d, 1y.")] = "12m",
    by: Annotated[Optional[str], typer.Option(help="Customer dimensions to show as columns, comma-separated.")] = None,
    where: Annotated[Optional[list[str]], typer.Option(help="Only customers with dimension=value (repeatable).")] = None,
    sort: Annotated[Optional[str], typer.Option(help="Column to sort by; -COLUMN descending, COLUMN ascending. "
                                                "Default: -predicted_clv (--at-risk: score).")] = None,
    top: Annotated[Optional[int], typer.Option(help="Show only the first N rows.", min=1)] = None,
    validate: Annotated[bool, typer.Option("--validate", help="Fit up to --as-of and compare predicted with actual "
                                           "orders after it.")] = False,
    promoters: Annotated[bool, typer.Option("--promoters", help="Only advocates: latest NPS 9-10 within --recent "
                                            "days, active, no open ticket.")] = False,
    detractors: Annotated[bool, typer.Option("--detractors", help="Only the follow-up list: latest NPS 0-6 with no "
                                             "ticket or contact since.")] = False,
    recent: Annotated[int, typer.Option(help="--promoters: days before --as-of a score counts as recent.",
                                        min=1)] = 90,
    at_risk: Annotated[bool, typer.Option("--at-risk", help="Only active customers showing warning signs, with "
                                          "reasons and a score (config risk:).")] = False,
    backtest: Annotated[bool, typer.Option("--backtest", help="With --at-risk: how many flagged on --as-of churned "
                                           "within --horizon: precision, recall, lift.")] = False,
    fit_weights: Annotated[bool, typer.Option("--fit-weights", help="With --at-risk: fit the weights to churn after "
                                              "--as-of (L2 logistic) and print a risk: block.")] = False,
    l2: Annotated[float, typer.Option("--l2", help="--fit-weights: the L2 penalty on standardised weights.")] = 1.0,
    fmt: FormatOption = Format.table,
    output: OutputOption = None,
    raw: Annotated[bool, typer.Option("--raw", help="CSV: do not neutralise cells that start with = + - @.")] = False,
) -> None:
    """One row per customer as of a date: orders, revenue, recency, and the fitted BG/NBD and
    Gamma-Gamma models' P(alive), expected orders, expected order value and predicted CLV over
    --horizon, with the latest signal of every mapped dataset: subscription, surveys, tickets,
    interactions, leads (definitions in docs/customers.md).

    Examples:

        crmctl customers --top 20

        crmctl customers --as-of 2025-03-31 --horizon 6m --by segment --where region=EMEA -f csv -o clv.csv

        crmctl customers --as-of 2025-01-31 --validate

        crmctl customers --promoters --recent 60 -f csv -o advocates.csv

        crmctl customers --at-risk --sort value_at_risk --top 20

        crmctl customers --at-risk --as-of 2024-12-31 --horizon 6m --backtest
    """
    from crmctl.customers import CustomersSpec, build_customers, validate_holdout

    cfg = load(config)
    day = date(as_of, "--as-of")
    if (backtest or fit_weights) and not at_risk:
        raise UsageError("--backtest and --fit-weights go with --at-risk: crmctl customers --at-risk --as-of DATE "
                         "--backtest")
    if at_risk:
        result = _at_risk(cfg, day, horizon, by, _pairs(where or []), sort, top, backtest, fit_weights, l2)
    elif validate:
        result = with_progress(lambda: validate_holdout(cfg, day))
    else:
        spec = CustomersSpec(day, horizon, split(by) or (), _pairs(where or []), sort or CustomersSpec.sort, top,
                             _feedback(promoters, detractors), recent)
        result = with_progress(lambda: build_customers(cfg, spec))
    show(result, fmt, output, raw=raw)


def _at_risk(cfg, day, horizon, by, where, sort, top, backtest, fit_weights, l2):
    """The at-risk list, or its backtest, or weights fitted to churn (the first --top of them)."""
    from crmctl.customers.at_risk.backtest import backtest as run_backtest
    from crmctl.customers.at_risk.listing import build_at_risk
    from crmctl.customers.at_risk.score import AtRiskSpec
    from crmctl.customers.at_risk.weights import fit_weights as run_fit

    if backtest:
        return with_progress(lambda: run_backtest(cfg, day, horizon))
    if fit_weights:
        fitted = with_progress(lambda: run_fit(cfg, day, horizon, l2))
        return type(fitted)(fitted.rows.head(top), fitted.meta) if top is not None else fitted
    spec = AtRiskSpec(day, horizon, split(by) or (), where, sort, top)
    return with_progress(lambda: build_at_risk(cfg, spec))


def _feedback(promoters: bool, detractors: bool) -> str | None:
    if promoters and detractors:
        raise UsageError("--promoters and --detractors are two lists: ask for one at a time")
    return "promoters" if promoters else "detractors" if detractors else None


def _pairs(texts: list[str]) -> tuple[tuple[str, str], ...]:
    pairs = []
    for text in texts:
        name, sep, value = text.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--where {text!r}: expected dimension=value, e.g. --where segment=Enterprise")
        pairs.append((name.strip(), value.strip()))
    return tuple(pairs)
