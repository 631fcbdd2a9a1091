"""Retention on hand-computed fixtures: each activity model, reactivation, the export's last window,
same-day renewals, MRR movements. Expected values are worked out in the comments."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import Project
from crmctl.config import load_config
from crmctl.report.build import build_report, with_overrides

RETENTION = ("active_customers", "new_customers", "lost_customers", "customer_retention_rate", "churn_rate")


def _table(result, metric):
    return {r["period_start"].strftime("%Y-%m"): r["value"] for r in result.rows.filter(metric=metric).to_dicts()}


def _report(project, metrics, **overrides):
    config = load_config(project.root / "crmctl.yaml")
    return build_report(config, with_overrides(config.report, metrics=metrics, **overrides))


def test_transactional_counts(activity_shop):
    result = _report(activity_shop, RETENTION)
    assert result.meta["activity_model"] == "transactional"
    assert _table(result, "active_customers") == {"2024-01": 2, "2024-02": 0, "2024-03": 0, "2024-04": 1,
                                                  "2024-05": 1}
    assert _table(result, "new_customers") == {"2024-01": 2, "2024-02": 0, "2024-03": 1, "2024-04": 0,
                                               "2024-05": 1}
    assert _table(result, "lost_customers") == {"2024-01": 0, "2024-02": 2, "2024-03": 1, "2024-04": 0,
                                                "2024-05": 1}


def test_transactional_rates(activity_shop):
    result = _report(activity_shop, RETENTION)
    # Starting bases: Feb {a, c} both churn; May {c} churns (May 15); Jan, Mar, Apr start empty.
    assert _table(result, "churn_rate") == {"2024-01": None, "2024-02": 1.0, "2024-03": None, "2024-04": None,
                                            "2024-05": 1.0}
    assert _table(result, "customer_retention_rate") == {"2024-01": None, "2024-02": 0.0, "2024-03": None,
                                                         "2024-04": None, "2024-05": 0.0}
    empty = result.rows.filter(metric="churn_rate", period_start=result.rows["period_start"].min()).row(0, named=True)
    assert empty["note"] == "no customers active at the start of the period"


def test_no_false_churn_in_the_exports_last_window(activity_shop):
    # With 90 days: a churns Apr 19 and c Apr 9 (both dates have passed by May 20), while b (May 30)
    # and d (Aug 18) would churn after the export's last day, so they stay active.
    (activity_shop.root / "crmctl.yaml").write_text((activity_shop.root / "crmctl.yaml").read_text().replace("30", "90"))
    result = _report(activity_shop, ("lost_customers", "active_customers"))
    assert _table(result, "lost_customers") == {"2024-01": 0, "2024-02": 0, "2024-03": 0, "2024-04": 2,
                                                "2024-05": 0}
    # c: orders Jan 10 and Apr 15 are 96 days apart, so c churns Apr 9 and comes back Apr 15.
    assert _table(result, "active_customers") == {"2024-01": 2, "2024-02": 2, "2024-03": 3, "2024-04": 2,
                                                  "2024-05": 3}


def test_repeat_purchase_counts_orders_to_date(activity_shop):
    # Jan: a has 2 orders, c 1 -> 1/2. Mar: b 1 -> 0/1. Apr: c's 2nd order -> 1/1. May: d -> 0/1.
    assert _table(_report(activity_shop, ("repeat_purchase_rate",)), "repeat_purchase_rate") == {
        "2024-01": 0.5, "2024-02": None, "2024-03": 0.0, "2024-04": 1.0, "2024-05": 0.0}


def test_signups_without_orders_are_acquisitions(activity_shop):
    activity_shop.file("customers.csv", "id,created\na,2024-01-01\ne,2024-02-10\n")
    (activity_shop.root / "crmctl.yaml").write_text((activity_shop.root / "crmctl.yaml").read_text().replace(
        "datasets:", "datasets:\n  customers: {path: customers.csv, columns: {customer_id: id, created_at: created}}"))
    result = _report(activity_shop, ("new_customers", "lost_customers"))
    # e signs up Feb 10 and never orders: new in February, churned 30 days later (Mar 11).
    assert _table(result, "new_customers")["2024-02"] == 1
    assert _table(result, "lost_customers")["2024-03"] == 2


@pytest.fixture
def subscriptions(project):
    """x renews on the day s1 ends (one spell, renewed, MRR 100 → 150); y cancels Feb 15; z ends Apr 1
    without renewing. The export's last day is Apr 1."""
    project.file("subs.csv", """
        id,customer,start,end,term_end,mrr
        s1,x,2024-01-10,2024-03-01,2024-03-01,100
        s2,x,2024-03-01,,2025-03-01,150
        s3,y,2024-01-15,2024-02-15,2025-01-15,50
        s4,z,2024-02-01,2024-04-01,2024-04-01,80
    """)
    project.config("""
        datasets:
          subscriptions:
            path: subs.csv
            columns: {subscription_id: id, customer_id: customer, started_at: start, ended_at: end,
                      term_end_at: term_end, mrr: mrr}
    """)
    return project


def test_subscription_counts_and_rates(subscriptions):
    result = _report(subscriptions, RETENTION)
    assert result.meta["activity_model"] == "subscription"
    assert _table(result, "active_customers") == {"2024-01": 2, "2024-02": 2, "2024-03": 2, "2024-04": 1}
    assert _table(result, "new_customers") == {"2024-01": 2, "2024-02": 1, "2024-03": 0, "2024-04": 0}
    assert _table(result, "lost_customers") == {"2024-01": 0, "2024-02": 1, "2024-03": 0, "2024-04": 1}
    assert _table(result, "churn_rate") == {"2024-01": None, "2024-02": 0.5, "2024-03": 0.0, "2024-04": 0.5}
    assert _table(result, "customer_retention_rate") == {"2024-01": None, "2024-02": 0.5, "2024-03": 1.0,
                                                         "2024-04": 0.5}


def test_renewal_on_the_same_day_counts_as_renewed(subscriptions):
    # s1 is due Mar 1 and s2 starts that day: renewed. s4 is due Apr 1 with no successor: not renewed.
    # s3's term ends in 2025, after the export: not yet up for renewal.
    result = _report(subscriptions, ("renewal_rate",))
    assert _table(result, "renewal_rate") == {"2024-01": None, "2024-02": None, "2024-03": 1.0, "2024-04": 0.0}


def test_mrr_churn_and_net_retention(subscriptions):
    result = _report(subscriptions, ("gross_revenue_churn", "net_revenue_retention"))
    # Feb: start x 100 + y 50; end x 100 -> lost 50 of 150.  Mar: start x 100 + z 80; end x 150 + z 80
    # (expansion 50, nothing lost).  Apr: start x 150 + z 80; end x 150 -> lost 80 of 230.
    churn, nrr = _table(result, "gross_revenue_churn"), _table(result, "net_revenue_retention")
    assert churn.pop("2024-01") is None and nrr.pop("2024-01") is None  # no MRR at the start of January
    assert churn == pytest.approx({"2024-02": 50 / 150, "2024-03": 0.0, "2024-04": 80 / 230})
    assert nrr == pytest.approx({"2024-02": 100 / 150, "2024-03": 230 / 180, "2024-04": 150 / 230})


def test_churn_dates_model(project):
    """Customers with explicit churn dates: p [Jan 3, Feb 10), q [Jan 20, open), r [Feb 1, Feb 28)."""
    project.file("customers.csv", """
        id,created,churned,tier
        p,2024-01-03,2024-02-10,gold
        q,2024-01-20,,gold
        r,2024-02-01,2024-02-28,silver
    """)
    project.config("""
        datasets:
          customers:
            path: customers.csv
            columns: {customer_id: id, created_at: created, churned_at: churned, segment: tier}
    """)
    result = _report(project, RETENTION)
    assert result.meta["activity_model"] == "churn_dates"
    assert _table(result, "active_customers") == {"2024-01": 2, "2024-02": 1}
    assert _table(result, "lost_customers") == {"2024-01": 0, "2024-02": 2}
    assert _table(result, "churn_rate") == {"2024-01": None, "2024-02": 0.5}
    by_segment = _report(project, ("active_customers",), by=("segment",)).rows
    assert {(r["period_start"].month, r["segment"]): r["value"] for r in by_segment.to_dicts()} == {
        (1, "gold"): 2, (2, "gold"): 1, (1, "silver"): 0, (2, "silver"): 0}


def test_snapshot_churn_by_dimension(project):
    project.file("customers.csv", "id,Churn,Contract\n1,Yes,Monthly\n2,No,Monthly\n3,No,Yearly\n4,Yes,Monthly\n")
    project.config("""
        datasets:
          customers:
            path: customers.csv
            columns: {customer_id: id, churned: {column: Churn, values: {Yes: true, No: false}}, contract: Contract}
    """)
    result = _report(project, ("churn_rate", "active_customers"), by=("contract",))
    assert result.meta["activity_model"] == "snapshot"
    assert result.unavailable == {"active_customers": "needs dated activity; a snapshot (customers.churned without "
                                                      "dates) gives only churn_rate"}
    rows = {r["contract"]: (r["value"], r["numerator"], r["denominator"], r["period_start"])
            for r in result.rows.to_dicts()}
    assert rows == {"Monthly": (pytest.approx(2 / 3), 2.0, 3.0, None), "Yearly": (0.0, 0.0, 1.0, None)}


def test_active_customers_count_sign_ups_before_the_first_order(project):
    """p signed up in 2023 and orders in 2024; its spell starts before the report's first month."""
    project.file("customers.csv", "id,created\np,2023-11-20\nq,2024-01-15\n")
    project.file("orders.csv", "id,customer,date,amount\n1,p,2024-01-10,5\n2,q,2024-02-01,5\n")
    project.config("""
        datasets:
          customers: {path: customers.csv, columns: {customer_id: id, created_at: created}}
          orders: {path: orders.csv, columns: {order_id: id, customer_id: customer, ordered_at: date, amount: amount}}
        definitions: {churn_after_days: 60}
    """)
    # The activity span runs from p's sign-up (Nov 2023) to Feb 2024. p: events Nov 20 and Jan 10 (51 days
    # apart): one spell, open. q: Jan 15 and Feb 1: open. Active at the end of Nov and Dec: p; Jan, Feb: p, q.
    assert _table(_report(project, ("active_customers",)), "active_customers") == {
        "2023-11": 1, "2023-12": 1, "2024-01": 2, "2024-02": 2}


def test_the_span_of_activity_metrics_covers_sign_ups_before_any_order(project):
    """Customers who signed up in January and first ordered in March: January is in the default window,
    they are new there, and lost customers are 0 (not 'no data') wherever active customers have numbers."""
    project.file("customers.csv", "id,created\na,2024-01-10\nb,2024-01-20\n")
    project.file("orders.csv", "id,customer,date,amount\n1,a,2024-03-05,5\n2,b,2024-03-06,5\n3,a,2024-04-01,5\n")
    project.config("""
        datasets:
          customers: {path: customers.csv, columns: {customer_id: id, created_at: created}}
          orders: {path: orders.csv, columns: {order_id: id, customer_id: customer, ordered_at: date, amount: amount}}
    """)
    rows = _report(project, ("new_customers", "lost_customers", "active_customers", "revenue"))
    assert _table(rows, "new_customers") == {"2024-01": 2, "2024-02": 0, "2024-03": 0, "2024-04": 0}
    assert _table(rows, "lost_customers") == {"2024-01": 0, "2024-02": 0, "2024-03": 0, "2024-04": 0}
    assert _table(rows, "active_customers") == {"2024-01": 2, "2024-02": 2, "2024-03": 2, "2024-04": 2}
    # Revenue keeps the orders' own span: before the first order there is no data, not a zero.
    assert _table(rows, "revenue") == {"2024-01": None, "2024-02": None, "2024-03": 10, "2024-04": 5}


@pytest.mark.parametrize("period,by,model", [
    ("month", ("segment",), "auto"), ("week", (), "auto"), ("quarter", ("sub_plan",), "auto"),
    ("month", ("region",), "transactional"), ("week", ("segment",), "transactional"),
    ("day", ("segment",), "auto"), ("year", (), "transactional"),
])
def test_flows_equal_the_per_customer_formulations(period, by, model):
    """The report counts retention and MRR movements from flows; explain lists members from the
    (period × customer) starting base, and --period all sums each customer's MRR. On the sample data,
    under each model and split, both give the same numbers, and revenue per retained customer equals
    a join of that base with per-customer revenue."""
    import dataclasses
    from pathlib import Path
    from types import MappingProxyType

    import polars as pl

    from crmctl.metrics import financial, mrr, retention
    from crmctl.report.build import prepare

    config = load_config(Path(__file__).parents[1] / "config.example.yaml")
    config = dataclasses.replace(config, definitions=MappingProxyType({**config.definitions, "activity_model": model}))
    spec = with_overrides(config.report, metrics=("churn_rate", "customer_retention_rate",
                                                  "revenue_per_retained_customer", "gross_revenue_churn"), by=by,
                          period=period)
    ctx, _ = prepare(config, spec)
    keys = ctx.keys
    base = retention.starting_base(ctx).group_by(keys).agg(
        _base=pl.len(), _churned=pl.col("_churned").sum(), _still=pl.col("_still").sum())
    flows = retention.base_flows(ctx).select(keys + ["_base", "_churned", "_still"])
    want, got = base.collect().sort(keys, nulls_last=True), flows.collect().sort(keys, nulls_last=True)
    assert want.height and want["_churned"].sum() > 0
    assert got.to_dicts() == want.with_columns(pl.col("_churned", "_still").cast(pl.UInt32)).to_dicts()

    columns = ["_start", "_end", "_lost", "_n"]
    mrr_want = mrr.mrr_movements_per_customer(ctx).collect().sort(keys, nulls_last=True)
    mrr_got = mrr.mrr_flows(ctx).select(*keys, *columns).collect().sort(keys, nulls_last=True)
    assert mrr_want.height and mrr_want["_lost"].sum() > 0
    assert mrr_got.select(keys).to_dicts() == mrr_want.select(keys).to_dicts()
    assert mrr_got["_n"].to_list() == mrr_want["_n"].to_list()
    for column in ("_start", "_end", "_lost"):
        assert mrr_got[column].to_list() == pytest.approx(mrr_want[column].to_list())

    if not set(by) <= set(ctx.customer_dims):
        return  # orders carry no subscription plan: revenue per retained customer cannot split by it
    retained = retention.starting_base(ctx).filter(pl.col("_still")).select(*keys, "customer_id").unique()
    spent = ctx.frame("orders").group_by([*keys, "customer_id"]).agg(_revenue=pl.col("amount").sum())
    expected = retained.join(spent, on=[*keys, "customer_id"], how="left", nulls_equal=True).group_by(keys).agg(
        numerator=pl.col("_revenue").fill_null(0).sum(), denominator=pl.len()).collect().sort(keys, nulls_last=True)
    actual = financial._revenue_per_retained(ctx).collect().sort(keys, nulls_last=True)
    assert actual["numerator"].to_list() == pytest.approx(expected["numerator"].to_list())
    assert actual["denominator"].to_list() == expected["denominator"].to_list()


subscription = st.tuples(st.sampled_from(["a", "b", "c"]), st.integers(0, 120), st.one_of(st.none(), st.integers(0, 70)),
                         st.sampled_from([0.0, 5.0, 10.0, 20.0]), st.sampled_from(["basic", "pro"]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(subs=st.lists(subscription, min_size=1, max_size=10), period=st.sampled_from(["month", "week"]),
       split=st.booleans())
def test_flows_equal_per_customer_forms_on_random_subscriptions(tmp_path, subs, period, split):
    """Overlaps, same-day renewals, free (0 MRR) subscriptions, period-boundary starts and open ends."""
    import datetime as dt

    import polars as pl

    from crmctl.metrics import mrr, retention
    from crmctl.report.build import prepare

    day = dt.date(2024, 1, 1)
    rows = "".join(f"s{i},{c},{day + dt.timedelta(days=s)},{'' if n is None else day + dt.timedelta(days=s + n)},{m},{p}\n"
                   for i, (c, s, n, m, p) in enumerate(subs))
    project = Project(tmp_path)
    project.file("subs.csv", "id,cust,start,end,mrr,plan\n" + rows)
    config = project.load("""
        datasets:
          subscriptions:
            path: subs.csv
            columns: {subscription_id: id, customer_id: cust, started_at: start, ended_at: end, mrr: mrr, plan: plan}
    """)
    by = ("plan",) if split else ()
    spec = with_overrides(config.report, metrics=("churn_rate", "customer_retention_rate", "gross_revenue_churn"),
                          by=by, period=period)
    ctx, _ = prepare(config, spec)
    keys = ctx.keys
    base = retention.starting_base(ctx).group_by(keys).agg(
        _base=pl.len(), _churned=pl.col("_churned").sum().cast(pl.UInt32), _still=pl.col("_still").sum().cast(pl.UInt32))
    assert retention.base_flows(ctx).collect().sort(keys).to_dicts() == base.collect().sort(keys).to_dicts()
    want = mrr.mrr_movements_per_customer(ctx).collect().sort(keys)
    got = mrr.mrr_flows(ctx).select(want.columns).collect().sort(keys)
    assert got.select(*keys, "_n").to_dicts() == want.select(*keys, "_n").to_dicts()
    for column in ("_start", "_end", "_lost"):
        assert got[column].to_list() == pytest.approx(want[column].to_list())


order = st.tuples(st.integers(0, 4), st.integers(0, 200), st.sampled_from(["web", "shop"]))


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(subs=st.lists(subscription, max_size=8), orders=st.lists(order, min_size=1, max_size=25),
       ids=st.sampled_from([["1", "2", "3", "40", "-5"], ["a", "b", "c", "1", "01"]]),
       period=st.sampled_from(["month", "week"]), split=st.booleans())
@example(subs=[("a", 36, 2, 0.0, "basic"), ("a", 40, None, 0.0, "basic")], orders=[(0, 45, "web")],
         ids=["1", "2", "3", "40", "-5"], period="month", split=False)  # two spells start in February
@example(subs=[("a", 10, 23, 0.0, "basic"), ("a", 40, None, 0.0, "basic")], orders=[(0, 45, "web")],
         ids=["a", "b", "c", "1", "01"], period="month", split=False)  # churned in February, back in it
def test_retained_buyers_equal_a_test_of_every_spell(tmp_path, subs, orders, ids, period, split):
    """retained_buyers' sorted search against each buyer's spells tested one by one (active at the period's
    first instant and at the next period's), under the subscription model (overlaps, several spells starting
    in one period, open ends) and the transactional one (split by an order field: spells per customer and
    channel), with integer ids and ids that are not."""
    import datetime as dt

    import polars as pl

    from crmctl.metrics import retention
    from crmctl.metrics.sales import customer_orders
    from crmctl.report.build import prepare

    day = dt.datetime(2024, 1, 1, 6)
    project = Project(tmp_path)
    project.file("orders.csv", "id,cust,at,amount,channel\n" + "".join(
        f"o{i},{ids[c]},{day + dt.timedelta(days=d, hours=i)},{i + 1},{ch}\n" for i, (c, d, ch) in enumerate(orders)))
    project.file("subs.csv", "id,cust,start,end,mrr,plan\n" + "".join(
        f"s{i},{ids[ord(c) - 97]},{(day + dt.timedelta(days=s)).date()},"
        f"{'' if n is None else (day + dt.timedelta(days=s + n)).date()},{m},{p}\n" for i, (c, s, n, m, p) in enumerate(subs)))
    subscriptions = """
          subscriptions:
            path: subs.csv
            columns: {subscription_id: id, customer_id: cust, started_at: start, ended_at: end}""" if subs else ""
    config = project.load(f"""
        datasets:
          orders:
            path: orders.csv
            columns: {{order_id: id, customer_id: cust, ordered_at: at, amount: amount, channel: channel}}{subscriptions}
    """)
    by = ("channel",) if split and not subs else ()
    spec = with_overrides(config.report, metrics=("revenue_per_retained_customer",), by=by, period=period)
    ctx, _ = prepare(config, spec)
    buyers = customer_orders(ctx).collect()
    spells = retention.customer_spells(ctx).collect()
    def bounds(start):  # the period's first instant and the next one's, for periods outside the grid too
        return [dt.datetime.combine(d, dt.time()) for d in (start, pl.select(ctx.calendar.shift(pl.lit(start), 1)).item())]

    key = [c for c in spells.columns if c not in ("start", "end")]

    def active(row, at):
        return any(s["start"] < at <= (s["end"] or dt.datetime.max) for s in spells.to_dicts()
                   if all(s[k] == row[k] for k in key))

    expected = [all(active(r, at) for at in bounds(r["period_start"])) for r in buyers.to_dicts()]
    assert retention.retained_buyers(ctx, buyers).to_list() == expected


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(orders=st.lists(order, min_size=1, max_size=25), ids=st.sampled_from([["1", "2", "3", "40", ""], ["a", "b", "c", "1", "01"]]),
       period=st.sampled_from(["month", "week", "all"]), split=st.booleans())
def test_repeat_purchase_equals_plain_python(tmp_path, orders, ids, period, split):
    """Buyers of a group (period, channel) repeat when they ordered twice in it or their first order ever (looked
    up among all orders, also those outside an `all` window) came before their last one in it; over integer ids
    (grouped as integers), text ids and empty ones."""
    import collections
    import datetime as dt

    import polars as pl

    from crmctl.metrics import retention
    from crmctl.report.build import prepare

    day = dt.datetime(2024, 1, 1, 6)
    project = Project(tmp_path)
    project.file("orders.csv", "id,cust,at,amount,channel\n" + "".join(
        f"o{i},{ids[c]},{day + dt.timedelta(days=d, hours=i % 3)},{i + 1},{ch}\n" for i, (c, d, ch) in enumerate(orders)))
    config = project.load("""
        datasets:
          orders:
            path: orders.csv
            columns: {order_id: id, customer_id: cust, ordered_at: at, amount: amount, channel: channel}
    """)
    window = {"start": dt.date(2024, 2, 1), "end": dt.date(2024, 5, 31)} if period == "all" else {}
    spec = with_overrides(config.report, metrics=("repeat_purchase_rate",), by=("channel",) if split else (),
                          period=period, **window)
    ctx, _ = prepare(config, spec)
    first = {}
    for row in ctx.datasets["orders"].frame.to_dicts():
        if row["customer_id"] is not None and row["ordered_at"] is not None:
            first[row["customer_id"]] = min(first.get(row["customer_id"], dt.datetime.max), row["ordered_at"])
    groups = collections.defaultdict(list)
    for row in ctx.frame("orders").collect().to_dicts():
        groups[tuple(row[k] for k in ctx.keys), row["customer_id"]].append(row["ordered_at"])
    expected = collections.Counter()
    for (keys, customer), times in groups.items():
        repeat = len(times) >= 2 or (customer in first and first[customer] < max(times))
        expected[keys] += complex(repeat, 1)
    got = retention._repeat_purchase(ctx).collect()
    assert {tuple(r[k] for k in ctx.keys): complex(r["numerator"], r["denominator"]) for r in got.to_dicts()} == expected
