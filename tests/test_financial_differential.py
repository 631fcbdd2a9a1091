"""Financial and market metrics against plain Python on generated exports.

Subscriptions give activity (customer active at t when some subscription has start < t ≤ end);
orders give revenue and profit; spend and market rows are summed by month.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest

from crmctl.config import load_config
from crmctl.report.build import build_report, with_overrides

METRICS = ("gross_profit", "arpu", "cac", "roi", "market_share", "clv", "retention_cost_per_customer")


def _month_starts(first: dt.date, last: dt.date) -> list[dt.date]:
    out, cur = [], first.replace(day=1)
    while cur <= last:
        out.append(cur)
        cur = dt.date(cur.year + cur.month // 12, cur.month % 12 + 1, 1)
    return out


def _generate(rng):
    day0 = dt.date(2024, 1, 1)
    subs = []
    for c in range(rng.randint(4, 25)):
        start = day0 + dt.timedelta(days=rng.randint(0, 150))
        end = start + dt.timedelta(days=rng.randint(10, 200)) if rng.random() < 0.6 else None
        subs.append((f"c{c}", start, end))
    orders = [(f"o{i}", rng.choice(subs)[0], day0 + dt.timedelta(days=rng.randint(0, 200)), rng.randint(1, 500),
               rng.choice([None, rng.randint(0, 100)])) for i in range(rng.randint(1, 150))]
    spend = [(day0 + dt.timedelta(days=rng.randint(0, 200)), rng.randint(1, 900), rng.choice(["acquisition",
              "retention", "other"])) for _ in range(rng.randint(1, 40))]
    market = {m: rng.choice([None, rng.randint(1000, 90000)]) for m in _month_starts(day0, day0 + dt.timedelta(200))}
    return subs, orders, spend, market


def _expected(subs, orders, spend, market, margin):
    def active(c, t):
        return any(s < t <= (e or dt.date.max) for cc, s, e in subs if cc == c)

    customers = sorted({c for c, _, _ in subs})
    first_start = {c: min(s for cc, s, _ in subs if cc == c) for c in customers}
    days = [d for _, d, _ in [(o[0], o[2], 0) for o in orders]] + [s for _, s, _ in subs] + \
           [e for _, _, e in subs if e] + [d for d, _, _ in spend] + list(market)
    span_end = max(days)
    months = _month_starts(min(days), span_end)
    order_months = (min(o[2] for o in orders).replace(day=1), max(o[2] for o in orders))
    spend_months = (min(d for d, _, _ in spend).replace(day=1), max(d for d, _, _ in spend))

    def known(value, span, s):
        """Sums are 0 inside their dataset's span and unknown (None) outside it, as documented."""
        return value if span[0] <= s <= span[1] else None

    out = {}
    for s, e in zip(months, months[1:] + [_month_starts(span_end, span_end + dt.timedelta(days=40))[-1]]):
        mine = [o for o in orders if s <= o[2] < e]
        revenue = sum(o[3] for o in mine)
        profit = sum(o[3] - o[4] if o[4] is not None else o[3] * margin for o in mine)
        start = [c for c in customers if active(c, s)]
        end = [c for c in customers if active(c, e)]
        churned = [c for c in start if not active(c, e) or any(
            cc == c and en is not None and s <= en < e and not any(
                c2 == c and s2 <= en < (e2 or dt.date.max) for c2, s2, e2 in subs) for cc, _, en in subs)]
        retained = [c for c in start if c in end]
        new = [c for c in customers if s <= first_start[c] < e]
        average = (len(start) + len(end)) / 2
        revenue, profit = known(revenue, order_months, s), known(profit, order_months, s)
        all_spend = known(sum(a for d, a, _ in spend if s <= d < e), spend_months, s)
        acquisition = known(sum(a for d, a, k in spend if s <= d < e and k == "acquisition"), spend_months, s)
        retention_spend = known(sum(a for d, a, k in spend if s <= d < e and k == "retention"), spend_months, s)
        churn = len(churned) / len(start) if start else None

        def ratio(numerator, denominator):
            return numerator / denominator if numerator is not None and denominator else None

        out[s] = {
            "gross_profit": profit,
            "arpu": ratio(revenue, average),
            "cac": ratio(acquisition, len(new)),
            "roi": ratio(None if profit is None or all_spend is None else profit - all_spend, all_spend),
            "market_share": ratio(revenue, market.get(s)),
            "clv": ratio(ratio(profit, average), churn),
            "retention_cost_per_customer": ratio(retention_spend, len(retained)),
        }
    return out


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_financial_matches_plain_python(project, seed):
    rng = random.Random(seed)
    subs, orders, spend, market = _generate(rng)
    cell = lambda v: "" if v is None else str(v)  # noqa: E731
    project.file("subs.csv", "id,cust,start,end\n" + "".join(
        f"s{i},{c},{s},{cell(e)}\n" for i, (c, s, e) in enumerate(subs)))
    project.file("orders.csv", "id,cust,at,amount,cost\n" + "".join(
        f"{o},{c},{d},{a},{cell(k)}\n" for o, c, d, a, k in orders))
    project.file("spend.csv", "day,amount,kind\n" + "".join(f"{d},{a},{k}\n" for d, a, k in spend))
    project.file("market.csv", "month,total\n" + "".join(f"{m:%Y-%m},{v}\n" for m, v in market.items() if v))
    project.config("""
        datasets:
          subscriptions: {path: subs.csv, columns: {subscription_id: id, customer_id: cust, started_at: start,
                                                    ended_at: end}}
          orders: {path: orders.csv, columns: {order_id: id, customer_id: cust, ordered_at: at, amount: amount,
                                               cost: cost}}
          spend: {path: spend.csv, columns: {date: day, amount: amount, category: kind}}
          market: {path: market.csv, columns: {period_start: {column: month, format: "%Y-%m"},
                                               market_revenue: total}}
        definitions: {gross_margin: 0.55}
    """)
    config = load_config(project.root / "crmctl.yaml")
    rows = build_report(config, with_overrides(config.report, metrics=METRICS)).rows
    expected = _expected(subs, orders, spend, market, 0.55)
    for row in rows.to_dicts():
        want = expected[row["period_start"]][row["metric"]]
        got = row["value"]
        assert (got is None) == (want is None) and (want is None or got == pytest.approx(want, rel=1e-9, abs=1e-6)), (
            row["period_start"], row["metric"], got, want)
