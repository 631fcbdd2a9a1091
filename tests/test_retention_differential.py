"""Retention metrics against an independent plain-Python formulation on generated exports.

The plain version never builds spells: a customer is active at instant t when some order e has
e < t ≤ e + D (or the last order's churn date lies after the export's end), and churn instants
are e + D for orders not followed by another within D days. Subscriptions are walked forward.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest

from crmctl.config import load_config
from crmctl.report.build import build_report, with_overrides

METRICS = ("active_customers", "new_customers", "lost_customers", "customer_retention_rate", "churn_rate",
           "repeat_purchase_rate")
START = dt.datetime(2024, 1, 1)


def _months(first: dt.datetime, last: dt.datetime) -> list[dt.datetime]:
    out, cur = [], dt.datetime(first.year, first.month, 1)
    while cur <= last:
        out.append(cur)
        cur = dt.datetime(cur.year + cur.month // 12, cur.month % 12 + 1, 1)
    return out + [cur]  # with the instant after the last month


def _rates(months, active, churn_instants, first_seen):
    """Per month: active at end, new, lost, retention and churn among customers active at its start."""
    out = {}
    for s, e in zip(months, months[1:]):
        base = {c for c in active if active[c](s)}
        lost = {c for c, instants in churn_instants.items() if any(s <= u < e for u in instants)}
        out[s.date()] = {
            "active_customers": sum(1 for c in active if active[c](e)),
            "new_customers": sum(1 for c in first_seen if s <= first_seen[c] < e),
            "lost_customers": len(lost),
            "customer_retention_rate": sum(1 for c in base if active[c](e)) / len(base) if base else None,
            "churn_rate": len(base & lost) / len(base) if base else None,
        }
    return out


def _transactional_expected(orders, days):
    gap = dt.timedelta(days=days)
    data_end = max(t for _, t in orders)
    by_customer: dict[str, list] = {}
    for c, t in sorted(orders, key=lambda o: o[1]):
        by_customer.setdefault(c, []).append(t)

    def active_fn(events):
        return lambda t: any(e < t <= e + gap for e in events) or (events[-1] < t and events[-1] + gap > data_end)

    active = {c: active_fn(ev) for c, ev in by_customer.items()}
    churns = {c: [e + gap for e, nxt in zip(ev, ev[1:] + [None])
                  if (nxt is not None and nxt - e > gap) or (nxt is None and e + gap <= data_end)]
              for c, ev in by_customer.items()}
    months = _months(min(t for _, t in orders), data_end)
    out = _rates(months, active, churns, {c: ev[0] for c, ev in by_customer.items()})
    for s, e in zip(months, months[1:]):
        buyers = {c for c, t in orders if s <= t < e}
        repeat = {c for c in buyers if sum(1 for c2, t in orders if c2 == c and t < e) >= 2}
        out[s.date()]["repeat_purchase_rate"] = len(repeat) / len(buyers) if buyers else None
    return out


@pytest.mark.parametrize("seed,days", [(1, 30), (2, 45), (3, 20), (4, 60), (8, 31), (9, 28)])
def test_transactional_matches_plain_python(project, seed, days):
    rng = random.Random(seed)
    orders = []
    for c in range(rng.randint(3, 25)):
        t = START + dt.timedelta(days=rng.randint(0, 150), hours=rng.choice([0, 0, rng.randint(1, 23)]))
        for _ in range(rng.randint(1, 6)):
            orders.append((f"c{c}", t))
            # Gaps of exactly D days (and orders at midnight) probe the boundaries of churn and periods.
            t += dt.timedelta(days=rng.choice([1, 5, 15, days - 1, days, days, days + 1, 80]),
                              hours=rng.choice([0, 0, rng.randint(1, 23)]))
    project.file("orders.csv", "id,cust,at,amount\n" + "".join(
        f"o{i},{c},{t:%Y-%m-%d %H:%M},1\n" for i, (c, t) in enumerate(orders)))
    project.config(f"""
        datasets:
          orders: {{path: orders.csv, columns: {{order_id: id, customer_id: cust, ordered_at: at, amount: amount}}}}
        definitions: {{churn_after_days: {days}}}
    """)
    config = load_config(project.root / "crmctl.yaml")
    rows = build_report(config, with_overrides(config.report, metrics=METRICS)).rows
    _compare(rows, _transactional_expected(orders, days))


def _subscription_expected(subs):
    forever = dt.datetime.max

    def covered_until(c, t):
        """Walks a customer's subscriptions forward from instant t; None when not active at t."""
        mine = [(s, e or forever) for cc, s, e in subs if cc == c]
        if not any(s < t <= e for s, e in mine):
            return None
        reach = max(e for s, e in mine if s < t <= e)
        while True:
            longer = [e for s, e in mine if s <= reach < e]
            if not longer:
                return reach
            reach = max(longer)

    customers = {c for c, _, _ in subs}
    active = {c: (lambda t, c=c: covered_until(c, t) is not None) for c in customers}
    churns = {}
    for c in customers:
        ends = set()
        for s, e in [(s, e) for cc, s, e in subs if cc == c]:
            if e is not None:
                reach = covered_until(c, e)
                if reach == e:  # nothing continues past this end: a churn instant
                    ends.add(e)
        churns[c] = sorted(ends)
    data_end = max(max(s, e or s) for _, s, e in subs)
    months = _months(min(s for _, s, _ in subs), data_end)
    return _rates(months, active, churns, {c: min(s for cc, s, _ in subs if cc == c) for c in customers})


@pytest.mark.parametrize("seed", [5, 6, 7, 10, 11, 12])
def test_subscriptions_match_plain_python(project, seed):
    rng = random.Random(seed)
    subs = []
    for c in range(rng.randint(3, 20)):
        start = START + dt.timedelta(days=rng.randint(0, 120))
        if rng.random() < 0.4:  # month starts are period boundaries
            start = start.replace(day=1)
        for _ in range(rng.randint(1, 3)):
            length = dt.timedelta(days=rng.choice([10, 30, 45, 90, 31 if start.day == 1 else 29]))
            end = start + length if rng.random() < 0.7 else None
            subs.append((f"c{c}", start, end))
            if end is None:
                break
            start = end + dt.timedelta(days=rng.choice([0, 0, 3, 40]))  # same-day renewal, short or long gap
    project.file("subs.csv", "id,cust,start,end\n" + "".join(
        f"s{i},{c},{s:%Y-%m-%d},{e:%Y-%m-%d}\n" if e else f"s{i},{c},{s:%Y-%m-%d},\n"
        for i, (c, s, e) in enumerate(subs)))
    project.config("""
        datasets:
          subscriptions:
            path: subs.csv
            columns: {subscription_id: id, customer_id: cust, started_at: start, ended_at: end}
    """)
    config = load_config(project.root / "crmctl.yaml")
    rows = build_report(config, with_overrides(config.report, metrics=METRICS[:5])).rows
    _compare(rows, _subscription_expected(subs))


def _compare(rows, expected):
    got = {}
    for row in rows.to_dicts():
        got.setdefault(row["period_start"], {})[row["metric"]] = row["value"]
    assert set(got) == set(expected)
    for month, metrics in expected.items():
        for name, want in metrics.items():
            have = got[month][name]
            assert (have is None) == (want is None) and (want is None or have == pytest.approx(want)), (
                month, name, have, want)


def _money_expected(subs):
    """Renewal, gross MRR churn and NRR per month from (customer, start, end, term_end, mrr) rows."""
    def mrr_at(c, t):
        return sum(m for cc, s, e, _, m in subs if cc == c and s < t <= (e or dt.datetime.max))

    customers = {c for c, *_ in subs}
    data_end = max(max(s, e or s) for _, s, e, _, _ in subs)
    months = _months(min(s for _, s, *_ in subs), data_end)
    day = dt.timedelta(days=1)
    out = {}
    for s, e in zip(months, months[1:]):
        start = {c: mrr_at(c, s) for c in customers if mrr_at(c, s) > 0}
        end = {c: mrr_at(c, e) for c in start}
        total = sum(start.values())
        due = [(i, c, term or end_) for i, (c, _, end_, term, _) in enumerate(subs)
               if (term or end_) is not None and s <= (term or end_) < e and (term or end_) <= data_end]
        renewed = [1 for i, c, d in due
                   if subs[i][2] is None or subs[i][2] > d
                   or any(j != i and cc == c and d - day <= st <= d + day for j, (cc, st, *_rest) in enumerate(subs))]
        out[s.date()] = {
            "gross_revenue_churn": sum(max(0.0, start[c] - end[c]) for c in start) / total if total else None,
            "net_revenue_retention": sum(end.values()) / total if total else None,
            "renewal_rate": len(renewed) / len(due) if due else None,
        }
    return out


@pytest.mark.parametrize("seed", [21, 22, 23, 24])
def test_renewal_and_mrr_match_plain_python(project, seed):
    rng = random.Random(seed)
    subs = []
    for c in range(rng.randint(3, 15)):
        start = START + dt.timedelta(days=rng.randint(0, 90))
        mrr = rng.choice([10.0, 50.0, 100.0])
        for _ in range(rng.randint(1, 4)):
            end = start + dt.timedelta(days=rng.choice([30, 31, 60, 90])) if rng.random() < 0.75 else None
            term = rng.choice([end, end, None, start + dt.timedelta(days=400)])
            subs.append((f"c{c}", start, end, term, mrr))
            if end is None:
                break
            if rng.random() < 0.3:  # a second, overlapping subscription of the same customer
                subs.append((f"c{c}", start + dt.timedelta(days=3), end, end, rng.choice([5.0, 20.0])))
            start = end + dt.timedelta(days=rng.choice([0, 0, 1, 20]))
            mrr = max(5.0, mrr + rng.choice([-40.0, 0.0, 0.0, 30.0]))  # contraction or expansion

    def cell(v):
        return "" if v is None else f"{v:%Y-%m-%d}"

    project.file("subs.csv", "id,cust,start,end,term,mrr\n" + "".join(
        f"s{i},{c},{cell(s)},{cell(e)},{cell(t)},{m}\n" for i, (c, s, e, t, m) in enumerate(subs)))
    project.config("""
        datasets:
          subscriptions:
            path: subs.csv
            columns: {subscription_id: id, customer_id: cust, started_at: start, ended_at: end, term_end_at: term,
                      mrr: mrr}
    """)
    config = load_config(project.root / "crmctl.yaml")
    metrics = ("gross_revenue_churn", "net_revenue_retention", "renewal_rate")
    rows = build_report(config, with_overrides(config.report, metrics=metrics)).rows
    _compare(rows, _money_expected(subs))
