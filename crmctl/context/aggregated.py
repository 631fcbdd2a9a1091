"""The aggregated road: a dataset whose metrics only group_by read comes as those group_bys, computed in
the scan (read/aggregate.py), its rows never held in memory."""

from __future__ import annotations

import datetime as dt

import polars as pl

from crmctl.config import Config
from crmctl.context.activity import model_fields, narrow_source
from crmctl.context.declarations import Declarations
from crmctl.context.keys import gathered, keyed_customers
from crmctl.domain.datasets import CANONICAL
from crmctl.domain.periods import Calendar
from crmctl.errors import DataError
from crmctl.read.load import Loaded


def read_aggregated(config: Config, by: tuple[str, ...], plan, calendar: Calendar, datasets: dict[str, Loaded],
                    name: str, fields: set[str], shared: dict) -> Loaded | None:
    """Dataset `name` by the aggregated road: the group_bys its metrics declare, bucketed and joined as
    ReportContext.aggregate would, computed in the scan; None when it must be read held. `datasets` holds
    what was read before (the customers, for their --by columns); `shared` carries the customers keyed by
    id from one dataset to the next and to the report (ReportContext.customers_keyed)."""
    from crmctl.read.aggregate import Grouping, load_aggregated, stream_schema
    from crmctl.read.quality import PLAUSIBLE_FROM

    try:
        schema = stream_schema(config.datasets[name], fields)
    except (DataError, pl.exceptions.PolarsError):  # the held road meets it again and says what is wrong
        return None
    dims = [d for d in by if d not in schema]
    if not schema or (dims and (set(dims) - set(plan.customer_dims) or "customers" not in datasets)):
        return None
    declarations = Declarations(config, {name: schema})
    declarations.declare_all(plan.all_metrics, name)
    if len(declarations.by_key) != 1:
        # Polars 2.1's collect_all shares a scan between two queries, not three; exploding each row into every
        # time field's period, or a second pass, made tickets' read 2x slower at 1M (2.1 and 1.7 s against 0.8 s
        # held): such a dataset is held.
        return None
    (_, key), declared = next(iter(declarations.by_key.items()))
    customers = None
    if dims:
        if "customers_keyed" not in shared:
            shared["customers_keyed"] = keyed_customers(datasets["customers"].frame)
        customers = gathered(*shared["customers_keyed"], dims)
    narrow = ()
    if name == narrow_source(plan.activity):  # the model's fields, and the --by fields spells are keyed by
        narrow = tuple(sorted(model_fields(config, plan.activity)[name] | {d for d in by if d in schema}))
    try:
        loaded = load_aggregated(config.datasets[name], fields, key, Grouping(
            calendar.bucket(pl.col(key)), by, dict(declared)), customers, CANONICAL[name].extent_fields,
            (PLAUSIBLE_FROM, dt.datetime.now()), narrow)
    except DataError:
        return None
    if loaded is None or not any(first is not None for first, _ in loaded.extents.values()):
        return None
    loaded.frame = pl.DataFrame(schema=schema)
    return loaded
