"""crmctl drivers against a plain-Python count (Counter) on generated customers, the Telco export and the
sample data end to end in every format."""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import random
from collections import Counter

import pytest

from conftest import ROOT, TELCO
from crmctl.config import load_config
from crmctl.drivers import build_drivers
from crmctl.report.build import with_overrides

START, END = dt.date(2024, 1, 1), dt.date(2024, 12, 31)


def _generated(project, seed: int) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for i in range(rng.randint(40, 160)):
        created = dt.date(2022, 1, 1) + dt.timedelta(days=rng.randint(0, 900))
        churned = created + dt.timedelta(days=rng.randint(1, 700)) if rng.random() < 0.6 else None
        rows.append({"id": f"k{i}", "created": created.isoformat(), "churned": churned.isoformat() if churned else "",
                     "tier": rng.choice("ABC"), "zone": rng.choice(["n", "s", "e", "w", ""])})
    lines = ["id,created,churned,tier,zone"] + [",".join(r.values()) for r in rows]
    project.file("customers.csv", "\n".join(lines) + "\n")
    project.config("""
        datasets:
          customers:
            path: customers.csv
            columns: {customer_id: id, created_at: created, churned_at: churned, tier: tier, zone: zone}
    """)
    return rows


def _plain(rows: list[dict], dimension: str) -> tuple[Counter, Counter, float | None]:
    """Active at the start instant (created < start ≤ churned), churned before the day after the end."""
    base = [r for r in rows if dt.date.fromisoformat(r["created"]) < START
            and (not r["churned"] or dt.date.fromisoformat(r["churned"]) >= START)]
    lost = [r for r in base if r["churned"] and dt.date.fromisoformat(r["churned"]) <= END]
    label = lambda r: r[dimension] or "(missing)"  # noqa: E731
    ns, churned = Counter(map(label, base)), Counter(map(label, lost))
    total, gone = len(base), len(lost)
    if len(ns) < 2 or gone in (0, total):
        return ns, churned, None
    chi2 = sum((observed - expected) ** 2 / expected
               for value, n in ns.items()
               for observed, expected in ((churned[value], n * gone / total),
                                          (n - churned[value], n * (total - gone) / total)))
    return ns, churned, math.sqrt(chi2 / total)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_counts_rates_and_cramers_v_match_a_plain_count(project, seed):
    rows = _generated(project, seed)
    config = load_config(project.root / "crmctl.yaml")
    result = build_drivers(config, with_overrides(config.report, start=START, end=END))
    attributes = {a["name"]: a for a in result.attributes}
    for dimension in ("tier", "zone"):
        ns, churned, v = _plain(rows, dimension)
        got = attributes[dimension]
        assert {x["value"]: x["n"] for x in got["values"]} == dict(ns)
        assert {x["value"]: x["churned"] for x in got["values"]} == {k: churned[k] for k in ns}
        overall = sum(churned.values()) / sum(ns.values())
        for x in got["values"]:
            assert x["rate"] == pytest.approx(churned[x["value"]] / ns[x["value"]])
            assert x["lift"] == pytest.approx(x["rate"] / overall)
            assert x["ci_low"] <= x["rate"] <= x["ci_high"]
        assert got["measure"] == (pytest.approx(v) if v is not None else None)
    assert result.overall["n"] == sum(ns.values())


def test_telco_contract_ranks_first():
    config = load_config(ROOT / "examples" / "telco.yaml")
    result = build_drivers(config, config.report)
    first = result.attributes[0]
    assert first["name"] == "contract"
    rates = {v["value"]: round(v["rate"], 3) for v in first["values"]}
    assert rates["Month-to-month"] == 0.427 and rates["Two year"] == 0.028 and rates["One year"] == 0.113
    with open(TELCO, newline="") as handle:
        plain = Counter(r["Contract"] for r in csv.DictReader(handle))
    assert {v["value"]: v["n"] for v in first["values"]} == dict(plain)
    assert first["p_value"] < 1e-100 and result.meta["window"] is None and result.nps is None


def test_sample_data_in_every_format(cli, tmp_path):
    config = str(ROOT / "config.example.yaml")
    data = cli("drivers", "-c", config, "-f", "json").json()
    assert set(data) == {"meta", "overall", "attributes", "nps"}
    assert data["meta"]["window"] == {"from": "2024-07-01", "to": "2025-06-30"}
    names = [a["name"] for a in data["attributes"]]
    assert {"segment", "region", "plan", "nps_category", "tickets_90d", "tenure", "sub_plan"} <= set(names)
    measures = [a["measure"] for a in data["attributes"] if a["measure"] is not None]
    assert measures == sorted(measures, reverse=True)
    assert data["nps"]["verdict"].startswith("NPS ")
    for attribute in data["attributes"]:
        assert sum(v["n"] for v in attribute["values"]) == data["overall"]["n"]
    csv_out = cli("drivers", "-c", config, "-f", "csv").stdout.splitlines()
    assert csv_out[0] == ("rank,attribute,cramers_v,p_value,p_adjusted,significant,value,n,churned,rate,ci_low,"
                          "ci_high,lift")
    assert len(csv_out) == 1 + sum(len(a["values"]) for a in data["attributes"])
    markdown = cli("drivers", "-c", config, "-f", "markdown").stdout
    assert markdown.startswith("Population: active on 2024-07-01") and "| attribute | Cramér's V |" in markdown
    table = cli("drivers", "-c", config).stdout
    assert data["nps"]["verdict"] in table and names[0] in table
    out = tmp_path / "drivers.json"
    assert cli("drivers", "-c", config, "-f", "json", "-o", str(out)).exit_code == 0
    assert json.loads(out.read_text())["overall"] == data["overall"]
    refused = cli("drivers", "-c", config, "-f", "html")
    assert refused.exit_code == 2 and "not available for crmctl drivers" in refused.stderr


def test_telco_tenure_months_fall_into_quintile_bins(project):
    project.config(f"""
        datasets:
          customers:
            path: {TELCO}
            columns: {{customer_id: customerID, churned: {{column: Churn, values: {{Yes: true, No: false}}}},
                      tenure_months: tenure}}
    """)
    config = load_config(project.root / "crmctl.yaml")
    tenure = build_drivers(config, config.report).attributes[0]
    with open(TELCO, newline="") as handle:
        rows = [(int(r["tenure"]), r["Churn"] == "Yes") for r in csv.DictReader(handle)]
    ordered = sorted(t for t, _ in rows)
    edges = sorted({ordered[math.ceil(q * (len(ordered) - 1))] for q in (0.2, 0.4, 0.6, 0.8)} - {ordered[0]})
    bins = Counter(sum(t >= e for e in edges) for t, _ in rows)
    assert [v["n"] for v in tenure["values"]] == [bins[i] for i in range(len(edges) + 1)]
    assert tenure["values"][0]["value"] == f"< {edges[0]}" and tenure["values"][-1]["value"] == f">= {edges[-1]}"
    assert tenure["values"][0]["rate"] > 0.4 > 0.1 > tenure["values"][-1]["rate"]  # the newest churn most
