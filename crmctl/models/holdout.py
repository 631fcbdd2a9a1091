"""Holdout validation, as in Fader, Hardie & Lee (2005), Figure 4 and Table 2.

Fit on a calibration window, predict each customer's purchases in the following holdout window,
then compare with what they actually bought: in total (the aggregate forecast) and by calibration
frequency x = 0, 1, …, 7+ (the conditional expectations). A model that is right in total but
wrong by bucket has the right average for the wrong customers.
"""

from __future__ import annotations

from dataclasses import dataclass


from crmctl.models import ModelError
from crmctl.models.inputs import as_vector, same_length


@dataclass(frozen=True)
class HoldoutBucket:
    label: str  # "0", "1", …, "7+"
    min_frequency: int
    max_frequency: int | None  # None for the open top bucket
    n_customers: int
    mean_actual: float | None  # None for an empty bucket, never a fake 0
    mean_predicted: float | None


@dataclass(frozen=True)
class HoldoutComparison:
    buckets: tuple[HoldoutBucket, ...]
    n_customers: int
    total_actual: float
    total_predicted: float

    @property
    def total_error(self) -> float | None:
        """predicted ÷ actual - 1 over all customers; None when nobody bought in the holdout."""
        return self.total_predicted / self.total_actual - 1 if self.total_actual > 0 else None


def compare_holdout(calibration_frequency, predicted, actual, top: int = 7) -> HoldoutComparison:
    """Actual vs predicted holdout purchases, in total and by calibration frequency 0 … `top`+.

    All three arrays hold one value per customer: repeat purchases x in the calibration window,
    the model's expected purchases in the holdout window, and the purchases actually made there.
    """
    x = as_vector("calibration_frequency", calibration_frequency)
    predicted, actual = as_vector("predicted", predicted), as_vector("actual", actual)
    same_length(calibration_frequency=x, predicted=predicted, actual=actual)
    if top < 1:
        raise ModelError(f"top must be at least 1 so there is a bucket for repeat customers, got {top}")
    buckets = tuple(_bucket(k, top, x, predicted, actual) for k in range(top + 1))
    return HoldoutComparison(buckets, len(x), float(actual.sum()), float(predicted.sum()))


def _bucket(k: int, top: int, x, predicted, actual) -> HoldoutBucket:
    is_top = k == top
    members = x >= k if is_top else x == k
    n = int(members.sum())
    return HoldoutBucket(
        label=f"{k}+" if is_top else str(k),
        min_frequency=k,
        max_frequency=None if is_top else k,
        n_customers=n,
        mean_actual=float(actual[members].mean()) if n else None,
        mean_predicted=float(predicted[members].mean()) if n else None,
    )
