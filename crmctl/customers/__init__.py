"""The per-customer table: activity, value and the fitted models' predictions, one row per customer.

- :func:`build_customers` (table.py): `crmctl customers`
- :func:`validate_holdout` (holdout.py): `crmctl customers --validate`
- summary.py: the per-customer purchase summary (one Polars pass); fit.py: BG/NBD and Gamma-Gamma
"""

from crmctl.customers.holdout import HOLDOUT_COLUMNS, validate_holdout
from crmctl.customers.table import CustomersSpec, build_customers

__all__ = ["CustomersSpec", "HOLDOUT_COLUMNS", "build_customers", "validate_holdout"]
