"""Writes a realistic, seeded CRM export set in the shapes real tools export.

    python sample_data/generate.py                      # regenerates sample_data/ (600 customers)
    python sample_data/generate.py --customers 1000000 --out /tmp/big   # benchmark scale

Per customer on average: ~6 orders, 2 tickets, 3 survey responses, 1.5 leads and 10 web/email events over
18 months (2024-01 to 2025-06). Column names and value formats follow the exports named in each
writer (HubSpot contacts, Shopify orders, Stripe subscriptions, Zendesk tickets, Salesforce
opportunities), so config.example.yaml exercises mapping, date formats and value maps.
Needs numpy and polars (`pip install -e '.[bench]'`).
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl

START = dt.datetime(2024, 1, 1)
DAYS = 547  # 2024-01-01 .. 2025-06-30
TIERS = np.array(["Enterprise", "Mid-Market", "SMB"])
TIER_P = [0.15, 0.35, 0.5]
TIER_AOV = np.array([900.0, 260.0, 75.0])
REGIONS = np.array(["EMEA", "North America", "APAC"])
PLANS = np.array(["Basic", "Pro", "Premium"])
PLAN_MRR = np.array([29.0, 99.0, 299.0])


def _times(rng, start_days, span_days) -> np.ndarray:
    """Timestamps (seconds resolution) uniformly inside [start, start + span) days from START,
    never after the export's last day."""
    start_days = np.minimum(start_days, DAYS - max(span_days, 1))
    seconds = (start_days + rng.random(len(start_days)) * span_days) * 86400
    return np.datetime64(START, "s") + seconds.astype("int64").astype("timedelta64[s]")


def _fmt(times: np.ndarray, fmt: str) -> pl.Series:
    return pl.Series(times.astype("datetime64[us]")).dt.strftime(fmt)


def customers(rng, n: int) -> tuple[pl.DataFrame, dict]:
    """HubSpot contacts export."""
    created_day = np.floor(rng.random(n) ** 0.8 * (DAYS - 30)).astype(int)  # growth: more sign-ups later
    tier = rng.choice(len(TIERS), n, p=TIER_P)
    # A customer's ordering stops at churn; 35% churn some time after acquisition.
    lifetime = np.where(rng.random(n) < 0.35, rng.exponential(200, n) + 20, 10_000)
    churn_day = created_day + lifetime
    tier_label = TIERS[tier].astype(object)
    tier_label[rng.random(n) < 0.03] = ""  # customers without segment
    frame = pl.DataFrame({
        "Record ID": [str(100000 + i) for i in range(n)],
        "First Name": rng.choice(["Ana", "Ben", "Chen", "Dara", "Eli", "Fatima", "Goran", "Hana"], n),
        "Create Date": _fmt(_times(rng, created_day, 1), "%Y-%m-%d %H:%M"),
        "Customer Tier": tier_label,
        "Region": REGIONS[rng.choice(3, n, p=[0.45, 0.4, 0.15])],
        "Plan": PLANS[2 - tier],
        "Lifecycle Stage": np.where(churn_day < DAYS, "Former customer", "Customer"),
    })
    return frame, {"created_day": created_day, "churn_day": churn_day, "tier": tier}


def orders(rng, people: dict) -> pl.DataFrame:
    """Shopify-style orders export: amounts with thousands separators, mixed statuses."""
    active_days = np.clip(np.minimum(people["churn_day"], DAYS) - people["created_day"], 1, None)
    rate = np.array([0.035, 0.025, 0.018])[people["tier"]]  # orders per active day
    counts = rng.poisson(active_days * rate) + 1
    owner = np.repeat(np.arange(len(counts)), counts)
    day = people["created_day"][owner] + rng.random(len(owner)) * active_days[owner]
    amount = np.round(rng.lognormal(np.log(TIER_AOV[people["tier"][owner]]), 0.5), 2)
    status = rng.choice(np.array(["paid", "completed", "refunded", "cancelled"]), len(owner), p=[0.55, 0.39, 0.04, 0.02])
    frame = pl.DataFrame({
        "Order Number": [f"#{1001 + i}" for i in range(len(owner))],
        "Contact ID": (100000 + owner).astype(str),
        "Order Date": _fmt(_times(rng, np.floor(day), 1), "%Y-%m-%d %H:%M:%S"),
        "Total Amount": pl.Series(amount).map_elements(lambda v: f"{v:,.2f}", return_dtype=pl.String)
        if len(owner) < 200_000 else pl.Series(amount).cast(pl.String),
        "Cost": np.round(amount * rng.uniform(0.3, 0.5, len(owner)), 2),
        "Currency": "USD",
        "Status": status,
    })
    return frame.sort("Order Date")


def subscriptions(rng, people: dict) -> pl.DataFrame:
    """Billing contracts export: one row per yearly term; a renewal is a new row starting the day the
    last term ends (sometimes on another plan), a cancellation ends a term early."""
    n = len(people["created_day"])
    start = people["created_day"].astype(float)
    plan = 2 - people["tier"]
    cancel = np.where(people["churn_day"] < DAYS, people["churn_day"], np.inf)
    ids, owners, starts, ends, term_ends, plans = [], [], [], [], [], []
    running = np.ones(n, bool)
    term = 0
    while running.any():
        idx = np.flatnonzero(running)
        term_end = start[idx] + 365
        cancelled = cancel[idx] < term_end
        renewed = ~cancelled & (term_end < DAYS)
        ids += [f"ctr_{i:06x}_{term}" for i in idx]
        owners.append(idx)
        starts.append(start[idx])
        ends.append(np.where(cancelled, cancel[idx], np.where(renewed, term_end, np.nan)))
        term_ends.append(term_end)
        plans.append(plan[idx].copy())
        change = rng.random(len(idx)) < 0.15  # a plan change at renewal: expansion or contraction
        plan[idx] = np.where(change, np.clip(plan[idx] + rng.choice([-1, 1], len(idx)), 0, 2), plan[idx])
        start[idx] = term_end
        running[idx] = renewed
        term += 1
    owner, plan_of = np.concatenate(owners), np.concatenate(plans)
    return pl.DataFrame({
        "id": ids,
        "customer": (100000 + owner).astype(str),
        "start_date": _day_text(np.concatenate(starts)),
        "ended_at": _day_text(np.concatenate(ends)),
        "current_period_end": _day_text(np.concatenate(term_ends)),
        "plan": PLANS[plan_of],
        "mrr": PLAN_MRR[plan_of],
    }).sort("start_date", "id")


def _day_text(days: np.ndarray) -> pl.Series:
    """Day offsets from START as ISO dates; NaN becomes an empty cell."""
    stamps = np.datetime64(START, "D") + np.nan_to_num(days).astype("int64").astype("timedelta64[D]")
    text = pl.Series(stamps).dt.strftime("%Y-%m-%d")
    return pl.select(pl.when(pl.Series(np.isnan(days))).then(None).otherwise(text)).to_series()


def surveys(rng, people: dict) -> pl.DataFrame:
    """Survey tool export: one row per response, day-first dates, type in a text column."""
    n = 3 * len(people["created_day"])
    owner = rng.integers(0, len(people["created_day"]), n)
    kind = rng.choice(np.array(["NPS", "CSAT", "CES"]), n, p=[0.4, 0.4, 0.2])
    happy = np.array([0.8, 0.65, 0.5])[people["tier"][owner]]
    nps = np.where(rng.random(n) < happy, rng.integers(7, 11, n), rng.integers(0, 9, n))
    csat = np.where(rng.random(n) < happy, rng.integers(4, 6, n), rng.integers(1, 4, n))
    ces = rng.integers(1, 8, n)
    score = np.select([kind == "NPS", kind == "CSAT"], [nps, csat], ces)
    day = people["created_day"][owner] + rng.random(n) * (DAYS - people["created_day"][owner])
    return pl.DataFrame({
        "Customer": (100000 + owner).astype(str),
        "Submitted": _fmt(_times(rng, np.floor(day), 1), "%d/%m/%Y %H:%M"),
        "Survey": kind, "Score": score,
    }).sort("Customer")


def tickets(rng, people: dict) -> pl.DataFrame:
    """Zendesk tickets export: UTC timestamps with Z, replies count, channel, SLA target."""
    n = 2 * len(people["created_day"])
    owner = rng.integers(0, len(people["created_day"]), n)
    created = _times(rng, people["created_day"][owner] + rng.random(n) * (DAYS - people["created_day"][owner]), 1)
    hours = rng.lognormal(2.5, 1.2, n)
    first = created + (rng.exponential(3, n) * 3600).astype("timedelta64[s]")
    solved = created + (hours * 3600).astype("timedelta64[s]")
    solved_text = _fmt(solved, "%Y-%m-%dT%H:%M:%SZ")
    export_end = np.datetime64(START, "s") + np.timedelta64(DAYS * 86400, "s")
    unresolved = (rng.random(n) < 0.05) | (solved >= export_end)  # not solved by the day of the export
    first = np.minimum(first, export_end - np.timedelta64(1, "s"))
    return pl.DataFrame({
        "Id": np.arange(1, n + 1).astype(str),
        "Requester external id": (100000 + owner).astype(str),
        "Created at": _fmt(created, "%Y-%m-%dT%H:%M:%SZ"),
        "First reply at": _fmt(first, "%Y-%m-%dT%H:%M:%SZ"),
        "Solved at": pl.select(pl.when(pl.Series(unresolved)).then(None).otherwise(solved_text)).to_series(),
        "Replies": np.maximum(rng.poisson(1.2, n), 0),
        "Via": rng.choice(np.array(["Email", "Web form", "Chat", "Phone"]), n, p=[0.4, 0.3, 0.2, 0.1]),
        "SLA due at": _fmt(created + np.timedelta64(24 * 3600, "s"), "%Y-%m-%dT%H:%M:%SZ"),
        "Automated": np.where(rng.random(n) < 0.2, "TRUE", "FALSE"),
        "Reopens": np.where(rng.random(n) < 0.1, rng.integers(1, 3, n), 0),
    })


SUPPORT = {"Frontline": ["M. Costa", "J. Park", "S. Novak", "L. Haddad"], "Specialists": ["R. Mensah", "T. Ito"]}
NEW_HIRE, HIRED = "P. Sato", "2025-06-01"  # joined Frontline for the export's last month: a small n on the board


def ticket_owners(rng, frame: pl.DataFrame) -> pl.DataFrame:
    """Zendesk's Assignee and Group, drawn from their own generator so every other column stays as it was.
    Specialists get more of the tickets that took several replies, so the board has real differences."""
    n = frame.height
    hard = frame["Replies"].to_numpy() >= 2
    specialist = rng.random(n) < np.where(hard, 0.6, 0.15)
    front, spec = (np.array(SUPPORT[team]) for team in ("Frontline", "Specialists"))
    agent = np.where(specialist, spec[rng.integers(0, len(spec), n)], front[rng.integers(0, len(front), n)])
    late = (frame["Created at"].to_numpy().astype(str) >= HIRED) & ~specialist & (rng.random(n) < 0.2)
    agent = np.where(late, NEW_HIRE, agent)
    return frame.with_columns(Assignee=pl.Series(agent), Group=pl.Series(np.where(specialist, "Specialists",
                                                                                  "Frontline")))


def leads(rng, n_customers: int) -> pl.DataFrame:
    """Salesforce opportunities report: US-ordered dates, stage names, owners."""
    n = n_customers * 3 // 2
    created = np.floor(rng.random(n) * DAYS)
    stage = rng.choice(np.array(["Closed Won", "Closed Lost", "Prospecting", "Negotiation"]), n, p=[0.3, 0.4, 0.2, 0.1])
    closed = np.minimum(created + rng.exponential(35, n) + 3, DAYS - 1)
    closed_text = _fmt(_times(rng, np.floor(closed), 0), "%m/%d/%Y")
    is_closed = pl.Series(np.isin(stage, ["Closed Won", "Closed Lost"]))
    return pl.DataFrame({
        "Opportunity ID": [f"006{i:012d}" for i in range(n)],
        "Created Date": _fmt(_times(rng, created, 0), "%m/%d/%Y"),
        "Close Date": pl.select(pl.when(is_closed).then(closed_text)).to_series(),
        "Stage": stage,
        "Amount": np.round(rng.lognormal(7.5, 0.8, n), 0),
        "Lead Source": rng.choice(np.array(["Web", "Referral", "Partner", "Event", "Outbound"]), n),
        "Account Tier": TIERS[rng.choice(len(TIERS), n, p=TIER_P)],
        "Opportunity Owner": rng.choice(np.array(["A. Rivera", "B. Okafor", "C. Lindqvist", "D. Tanaka"]), n),
    })


def interactions(rng, people: dict) -> pl.DataFrame:
    """Marketing/web analytics events: email funnel and site visits with durations."""
    n = 10 * len(people["created_day"])
    owner = rng.integers(0, len(people["created_day"]), n)
    event = rng.choice(np.array(["sent", "delivered", "opened", "clicked", "visit"]), n, p=[0.3, 0.28, 0.14, 0.05, 0.23])
    visit = event == "visit"
    anonymous = visit & (rng.random(n) < 0.3)
    day = np.floor(rng.random(n) * DAYS)
    return pl.DataFrame({
        "Contact ID": pl.select(pl.when(pl.Series(anonymous)).then(None)
                                .otherwise(pl.Series((100000 + owner).astype(str)))).to_series(),
        "Timestamp": _fmt(_times(rng, day, 1), "%Y-%m-%d %H:%M:%S"),
        "Event": event,
        "Channel": np.where(visit, "web", "email"),
        "Duration (s)": pl.select(pl.when(pl.Series(visit)).then(pl.Series(rng.integers(5, 900, n)))).to_series(),
        "Visitor ID": [f"v{x}" for x in rng.integers(0, max(1, n // 3), n)],
    }).sort("Timestamp")


def spend(rng) -> pl.DataFrame:
    months = pl.date_range(dt.date(2024, 1, 1), dt.date(2025, 6, 1), "1mo", eager=True)
    rows = []
    for month in months:
        for category, channel, base in (("acquisition", "Paid search", 9000), ("acquisition", "Events", 4000),
                                        ("retention", "Customer success", 6000), ("other", "Tools", 1500)):
            rows.append({"Date": month.isoformat(), "Amount": round(base * rng.uniform(0.8, 1.2), 2),
                         "Category": category, "Channel": channel})
    return pl.DataFrame(rows)


def market(rng) -> pl.DataFrame:
    months = pl.date_range(dt.date(2024, 1, 1), dt.date(2025, 6, 1), "1mo", eager=True)
    return pl.DataFrame({"Month": [m.strftime("%Y-%m") for m in months],
                         "Market Revenue": np.round(rng.uniform(4.5e6, 5.5e6, len(months)), -3)})


EXPERIMENT = "checkout-2024"


def assignments(rng, people: dict) -> pl.DataFrame:
    """An experimentation tool's exposure export (GrowthBook, Optimizely): the customers who reached the new
    checkout between 2024-09-01 and 2024-12-31, split 50/50 into A and B at their first exposure; 5% of
    them are exposed again later (exposure logs repeat). Orders were drawn without the variant, so the arms
    differ by chance alone: an A/A test, on which a significant difference would be a false alarm."""
    first, last = 244, 365  # days after START: 2024-09-01 and 2025-01-01
    created, churned = people["created_day"], people["churn_day"]
    eligible = np.flatnonzero((created < last) & (churned > first))
    exposed = eligible[rng.random(len(eligible)) < 0.8]
    start = np.maximum(created[exposed], first)
    day = np.floor(start + rng.random(len(exposed)) * (last - start))
    variant = rng.choice(np.array(["A", "B"]), len(exposed))
    again = rng.random(len(exposed)) < 0.05
    day_again = np.floor(day[again] + rng.random(again.sum()) * (last - day[again]))
    who, days, arms = np.concatenate([exposed, exposed[again]]), np.concatenate([day, day_again]), \
        np.concatenate([variant, variant[again]])
    return pl.DataFrame({
        "user_id": (100000 + who).astype(str), "experiment_key": EXPERIMENT, "variation": arms,
        "first_exposure": _fmt(_times(rng, days, 1), "%Y-%m-%d %H:%M:%S"),
    }).sort("first_exposure")


def generate(out: Path, n_customers: int = 600, seed: int = 42) -> None:
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    contacts, people = customers(rng, n_customers)
    frames = {
        "customers.csv": contacts, "orders.csv": orders(rng, people), "subscriptions.csv": subscriptions(rng, people),
        "surveys.csv": surveys(rng, people), "tickets.csv": tickets(rng, people), "leads.csv": leads(rng, n_customers),
        "interactions.csv": interactions(rng, people), "spend.csv": spend(rng), "market.csv": market(rng),
    }
    # Columns added later draw from generators of their own ([seed, issue]): the columns above stay byte-identical.
    frames["tickets.csv"] = ticket_owners(np.random.default_rng([seed, 25]), frames["tickets.csv"])
    frames["assignments.csv"] = assignments(np.random.default_rng([seed, 1]), people)  # a file added later, likewise
    for name, frame in frames.items():
        frame.write_csv(out / name)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=600)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args()
    generate(args.out, args.customers, args.seed)
