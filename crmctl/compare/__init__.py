"""crmctl compare: groups of one customer dimension (A/B variants, segments) side by side.

Per group and metric: n, value and interval; per variant against the control: absolute and relative
lift with intervals, the test, its p-value, Holm's adjusted p-value across variants × metrics, and
significant; plus a sample-ratio-mismatch check. `plan_sample_size` sizes a test. docs/statistics.md,
"Comparing groups", defines every number.
"""

from crmctl.compare.build import COLUMNS, build_comparison, srm
from crmctl.compare.measures import MEASURES
from crmctl.compare.sample_size import plan_sample_size

__all__ = ["COLUMNS", "MEASURES", "build_comparison", "plan_sample_size", "srm"]
