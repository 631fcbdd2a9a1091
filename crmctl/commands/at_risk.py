"""The --at-risk branch of `crmctl customers`: the list, --backtest or --fit-weights, rendered."""

from __future__ import annotations

from crmctl.commands.common import err, split, terminal, with_progress


def at_risk_output(cfg, day, horizon, by, where, sort, top, backtest, fit_weights, l2, fmt, output, raw) -> str:
    from crmctl.customers.at_risk import build_at_risk
    from crmctl.customers.backtest import backtest as run_backtest
    from crmctl.customers.risk import AtRiskSpec
    from crmctl.customers.weights import fit_weights as run_fit
    from crmctl.render.at_risk import render_at_risk, render_fit
    from crmctl.render.customers import render_customers

    color, width = terminal() if output is None else (False, None)
    if backtest:
        frame, meta = with_progress(lambda: run_backtest(cfg, day, horizon))
        render = lambda: render_customers(frame, meta, fmt, color=color, width=width, raw=raw,  # noqa: E731
                                          title="crmctl customers --backtest")
    elif fit_weights:
        frame, meta = with_progress(lambda: run_fit(cfg, day, horizon, l2))
        frame = frame.head(top) if top is not None else frame
        render = lambda: render_fit(frame, meta, fmt, color=color, width=width, raw=raw)  # noqa: E731
    else:
        dims = split(by) or ()
        frame, meta = with_progress(lambda: build_at_risk(cfg, AtRiskSpec(day, horizon, dims, where, sort, top)))
        render = lambda: render_at_risk(frame, meta, fmt, color=color, width=width, raw=raw, dims=dims)  # noqa: E731
    for warning in meta["warnings"]:
        err(f"warning: {warning}")
    return render()
