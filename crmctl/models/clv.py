"""Predicted customer lifetime value from the fitted models (definitions in docs/models.md).

Transactional:  expected orders over the horizon (BG/NBD) × expected order value (Gamma-Gamma)
                × gross margin, discounted as if the orders arrive at an even rate over the horizon.
Subscription:   payment per period (MRR) × DERL in periods (sBG) × gross margin.
"""

from __future__ import annotations

import numpy as np

from crmctl.models import ModelError


def per_period_rate(annual_rate: float, periods_per_year: float) -> float:
    """The per-period rate that compounds to `annual_rate` over a year: (1 + annual)^(1/periods) - 1."""
    if not annual_rate > -1:
        raise ModelError(f"an annual discount rate must be above -100%, got {annual_rate}")
    if not periods_per_year > 0:
        raise ModelError(f"periods_per_year must be positive, got {periods_per_year}")
    return float((1.0 + annual_rate) ** (1.0 / periods_per_year) - 1.0)


def discount_factor(horizon_periods: float, discount_rate: float | None, periods_per_year: float | None) -> float:
    """Mean discount over a horizon of evenly spread cash: (1 - (1+d)^-H) / (H ln(1+d)), d per period.

    Orders arriving at a constant rate over (0, H] are worth this fraction of their undiscounted
    sum; 1 when `discount_rate` (annual) is None or 0.
    """
    if not horizon_periods > 0:
        raise ModelError(f"the CLV horizon must be positive, got {horizon_periods}")
    if not discount_rate:
        return 1.0
    if periods_per_year is None:
        raise ModelError("an annual discount_rate needs periods_per_year to turn it into the model's time unit")
    log_growth = np.log1p(per_period_rate(discount_rate, periods_per_year))
    return float(-np.expm1(-log_growth * horizon_periods) / (log_growth * horizon_periods))


def predicted_clv(expected_orders, expected_value, horizon_periods: float, *, gross_margin: float | None = None,
                  discount_rate: float | None = None, periods_per_year: float | None = None) -> np.ndarray:
    """expected_orders × expected_value × gross_margin × discount_factor, per customer.

    `expected_orders`: E[Y(horizon)] from the BG/NBD; `expected_value`: the Gamma-Gamma
    conditional expected order value; `horizon_periods` in the model's time unit, and
    `periods_per_year` that unit's count per year (52 for weeks) to apply the annual
    `discount_rate`. Without `gross_margin` the value is revenue, not profit. NaN inputs stay NaN.
    """
    if gross_margin is not None and not 0 < gross_margin <= 1:
        raise ModelError(f"gross_margin is a share of revenue in (0, 1], got {gross_margin}")
    orders = np.asarray(expected_orders, dtype=float)
    value = np.asarray(expected_value, dtype=float)
    margin = 1.0 if gross_margin is None else gross_margin
    return orders * value * margin * discount_factor(horizon_periods, discount_rate, periods_per_year)


def subscription_clv(payment_per_period, derl, *, gross_margin: float | None = None) -> np.ndarray:
    """Residual value of a subscriber: payment per period (MRR for monthly) × DERL (periods) × margin.

    DERL already discounts (at the per-period rate it was computed with) and counts payments from
    the next renewal on, so this excludes what the current period has already paid.
    """
    if gross_margin is not None and not 0 < gross_margin <= 1:
        raise ModelError(f"gross_margin is a share of revenue in (0, 1], got {gross_margin}")
    margin = 1.0 if gross_margin is None else gross_margin
    return np.asarray(payment_per_period, dtype=float) * np.asarray(derl, dtype=float) * margin
