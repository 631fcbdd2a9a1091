"""crmctl's sales metrics against an independent DuckDB SQL implementation on generated exports."""

from __future__ import annotations

import datetime as dt
import random

import duckdb
import pytest

from crmctl.config import load_config
from crmctl.report.build import build_report, with_overrides

STATUSES = ["paid", "paid", "paid", "refunded"]


def _generate(root, seed: int) -> None:
    rng = random.Random(seed)
    customers = [f"C{i:03d}" for i in range(40)]
    tiers = ["gold", "silver", "bronze", ""]
    with open(root / "customers.csv", "w") as out:
        out.write("id,tier\n")
        for c in customers[:35]:  # five ordering customers are missing from the customers export
            out.write(f"{c},{rng.choice(tiers)}\n")
    start = dt.datetime(2023, 11, 1)
    with open(root / "orders.csv", "w") as out:
        out.write("order,customer,date,amount,status\n")
        for i in range(rng.randint(1, 600)):
            when = start + dt.timedelta(minutes=rng.randint(0, 60 * 24 * 400))
            if rng.random() < 0.5 and when.month in (3, 4):  # sparse months make empty periods
                continue
            amount = round(rng.uniform(-20, 500), 2)
            out.write(f"o{i},{rng.choice(customers)},{when:%Y-%m-%d %H:%M},{amount},{rng.choice(STATUSES)}\n")


CONFIG = """
week_start: {week_start}
fiscal_year_start_month: {fiscal}
datasets:
  customers: {{path: customers.csv, columns: {{customer_id: id, segment: tier}}}}
  orders:
    path: orders.csv
    columns: {{order_id: order, customer_id: customer, ordered_at: date, amount: amount, status: status}}
    where: {{status: [paid]}}
"""


def _bucket_sql(period: str, week_start: str, fiscal: int) -> str:
    shift_days = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"].index(week_start)
    if period == "week":
        return f"CAST(date_trunc('week', ts - INTERVAL {shift_days} DAY) + INTERVAL {shift_days} DAY AS DATE)"
    if period in ("quarter", "year"):
        return (f"CAST(date_trunc('{period}', ts - INTERVAL {fiscal - 1} MONTH) "
                f"+ INTERVAL {fiscal - 1} MONTH AS DATE)")
    return f"CAST(date_trunc('{period}', ts) AS DATE)"


def _step(period: str) -> str:
    return {"day": "1 DAY", "week": "7 DAY", "month": "1 MONTH", "quarter": "3 MONTH", "year": "1 YEAR"}[period]


def _expected(root, period: str, week_start: str, fiscal: int, by_segment: bool) -> dict:
    """Revenue, orders, AOV and growth per (period, segment), with the documented fill rules."""
    bucket = _bucket_sql(period, week_start, fiscal)
    seg = "c.tier" if by_segment else "NULL"
    con = duckdb.connect()
    con.execute(f"""
        CREATE TABLE o AS
        SELECT {bucket} AS p, {seg} AS segment, CAST(raw.amount AS DOUBLE) AS amount
        FROM (SELECT *, strptime(date, '%Y-%m-%d %H:%M') AS ts FROM read_csv('{root}/orders.csv', all_varchar=true,
              header=true)) raw
        LEFT JOIN (SELECT id, NULLIF(tier, '') AS tier
                   FROM read_csv('{root}/customers.csv', all_varchar=true, header=true)) c ON c.id = raw.customer
        WHERE raw.status = 'paid'
    """)
    rows = con.execute(f"""
        WITH periods AS (
            SELECT CAST(p AS DATE) AS p FROM generate_series(
                (SELECT min(p) FROM o)::TIMESTAMP, (SELECT max(p) FROM o)::TIMESTAMP, INTERVAL {_step(period)}) g(p)),
        segments AS (SELECT DISTINCT segment FROM o),
        agg AS (SELECT p, segment, sum(amount) AS revenue, count(*) AS orders FROM o GROUP BY ALL),
        grid AS (
            SELECT periods.p, segments.segment, coalesce(agg.revenue, 0) AS revenue, coalesce(agg.orders, 0) AS orders
            FROM periods CROSS JOIN segments
            LEFT JOIN agg ON agg.p = periods.p AND agg.segment IS NOT DISTINCT FROM segments.segment)
        SELECT g.p, g.segment, g.revenue, g.orders,
               CASE WHEN g.orders > 0 THEN g.revenue / g.orders END AS aov,
               CASE WHEN prev.revenue <> 0 THEN g.revenue / prev.revenue - 1 END AS growth
        FROM grid g LEFT JOIN grid prev
          ON prev.segment IS NOT DISTINCT FROM g.segment
         AND prev.p = CAST(g.p - INTERVAL {_step(period)} AS DATE)
    """).fetchall()
    return {(p, s): {"revenue": r, "orders": n, "average_order_value": a, "sales_growth": g}
            for p, s, r, n, a, g in rows}


@pytest.mark.parametrize("seed,period,week_start,fiscal,by_segment", [
    (1, "month", "monday", 1, True),
    (2, "week", "sunday", 1, True),
    (3, "quarter", "monday", 4, True),
    (4, "year", "monday", 7, False),
    (5, "day", "monday", 1, False),
    (6, "month", "monday", 1, False),
])
def test_sales_metrics_match_duckdb(tmp_path, seed, period, week_start, fiscal, by_segment):
    _generate(tmp_path, seed)
    (tmp_path / "crmctl.yaml").write_text(CONFIG.format(week_start=week_start, fiscal=fiscal))
    config = load_config(tmp_path / "crmctl.yaml")
    spec = with_overrides(config.report, period=period, by=("segment",) if by_segment else (),
                          metrics=("revenue", "orders", "average_order_value", "sales_growth"))
    rows = build_report(config, spec).rows
    expected = _expected(tmp_path, period, week_start, fiscal, by_segment)
    got = {}
    for row in rows.to_dicts():
        got.setdefault((row["period_start"], row.get("segment")), {})[row["metric"]] = row["value"]
    assert set(got) == set(expected)
    for key, metrics in expected.items():
        for name, value in metrics.items():
            if value is None:
                assert got[key][name] is None, (key, name)
            else:
                assert got[key][name] == pytest.approx(value, rel=1e-9, abs=1e-9), (key, name)
