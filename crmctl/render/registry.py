"""The one switch on format: each kind of result has a View (render/view.py), a mapping of the formats it
can be shown in to the function that shows it; `render` picks the view by the result's `view` name and the
function by format, and refuses any other format naming the ones that work.

Adding an output format to a command is one entry in its view; a new kind of result is one view here.
"""

from __future__ import annotations

from crmctl.render.base import Format
from crmctl.render.view import Options, View


def render(result, fmt: Format, options: Options = Options()) -> str | bytes:
    """`result` in `fmt`: text for every format but png (bytes); write_output writes either."""
    return views()[result.view].render(result, fmt, options)


def views() -> dict[str, View]:
    """Every view, by the `view` name its results carry. Imported when a result is rendered, so that
    `crmctl --help` loads none of them."""
    from crmctl.render import at_risk, cohorts, compare, customers, diagnostics, drivers, monitor, report, scorecard

    return {
        "report": report.REPORT,
        "customers": customers.CUSTOMERS,
        "holdout": customers.HOLDOUT,
        "at_risk": at_risk.AT_RISK,
        "backtest": at_risk.BACKTEST,
        "fit_weights": at_risk.FIT_WEIGHTS,
        "comparison": compare.COMPARISON,
        "drivers": drivers.DRIVERS,
        "cohorts": cohorts.COHORTS,
        "check": diagnostics.CHECK,
        "explanation": diagnostics.EXPLANATION,
        "validation": diagnostics.VALIDATION,
        "records": diagnostics.RECORDS,
        "catalogue": diagnostics.CATALOGUE,
        "clean": diagnostics.CLEAN,
        "check_anomalies": monitor.CHECK_ANOMALIES,
        "history": monitor.HISTORY,
        "scorecard": scorecard.SCORECARD,
    }
