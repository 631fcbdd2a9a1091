"""Statistics for comparing groups: intervals, tests, corrections, sample size.

Pure functions over numpy arrays or Python numbers (vectorised: one value per group), each named
for its textbook method with the reference in its docstring; nan where a method has nothing honest
to say. numpy and scipy load on first call, not on import. docs/statistics.md explains each method
and how to read its result.
"""

from crmctl.stats.corrections import holm
from crmctl.stats.intervals import (
    mean_interval,
    mean_standard_error,
    nps_interval,
    nps_standard_error,
    proportion_standard_error,
    quantile_interval,
    quantile_rank_bounds,
    wilson_interval,
)
from crmctl.stats.lift import (
    difference_interval,
    mean_difference_interval,
    nps_difference_interval,
    proportion_difference_interval,
    relative_lift,
)
from crmctl.stats.power import sample_size_means, sample_size_proportions
from crmctl.stats.ratio import (
    delta_method_ratio,
    ratio_difference_interval,
    ratio_interval,
    ratio_variance,
    ratio_ztest,
)
from crmctl.stats.significance import (
    difference_ztest,
    nps_difference_ztest,
    two_proportion_ztest,
    welch_degrees_of_freedom,
    welch_ttest,
)
from crmctl.stats.shrinkage import (
    beta_binomial_prior,
    beta_binomial_shrinkage,
    between_variance,
    normal_shrinkage,
    pooled_mean,
)
from crmctl.stats.srm import SRM_ALPHA, sample_ratio_mismatch

# The confidence of every interval unless the user asks otherwise.
DEFAULT_CONFIDENCE = 0.95
# Below this many observations an interval is still computed but shown dimmed: the normal
# approximations behind most of these methods are rough there (the usual n ≥ 30 rule of thumb).
MIN_N = 30

__all__ = [
    "pooled_mean",
    "normal_shrinkage",
    "between_variance",
    "beta_binomial_shrinkage",
    "beta_binomial_prior",
    "DEFAULT_CONFIDENCE",
    "MIN_N",
    "SRM_ALPHA",
    "delta_method_ratio",
    "difference_interval",
    "difference_ztest",
    "holm",
    "mean_difference_interval",
    "mean_interval",
    "mean_standard_error",
    "nps_difference_interval",
    "nps_difference_ztest",
    "nps_interval",
    "nps_standard_error",
    "proportion_difference_interval",
    "proportion_standard_error",
    "quantile_interval",
    "quantile_rank_bounds",
    "ratio_difference_interval",
    "ratio_interval",
    "ratio_variance",
    "ratio_ztest",
    "relative_lift",
    "sample_ratio_mismatch",
    "sample_size_means",
    "sample_size_proportions",
    "two_proportion_ztest",
    "welch_degrees_of_freedom",
    "welch_ttest",
    "wilson_interval",
]
