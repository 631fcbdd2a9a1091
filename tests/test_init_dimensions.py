"""`crmctl init` maps every plausible customer dimension, so `drivers` and `--by` have them."""

from __future__ import annotations

import polars as pl

from crmctl.setup.init import recognise
from crmctl.setup.presets.dimensions import field_name, plausible_dimensions
from tests.conftest import TELCO


def test_field_names_are_snake_case():
    assert [field_name(h) for h in ("InternetService", "SeniorCitizen", "Customer Tier", "tenure", "MRR (USD)")] == \
        ["internet_service", "senior_citizen", "customer_tier", "tenure", "mrr_usd"]


def test_only_repeating_values_and_numbers_are_dimensions():
    n = 40
    sample = pl.DataFrame({
        "Plan": ["basic", "pro"] * (n // 2),
        "Charges": [f"{10 + i * 1.5:.2f}" for i in range(n)],
        "Account Number": [str(1000 + i) for i in range(n)],  # distinct integers: an id
        "Phone": [f"55501{i % 7}" for i in range(n)],  # a contact detail, though it repeats
        "Signed up": [f"2024-01-{1 + i % 28:02d}" for i in range(n)],  # a date
        "Full name": [f"person {i}" for i in range(n)],  # too many values
        "First Name": ["Ana", "Ben", "Chen"] * (n // 3) + ["Ana"] * (n % 3),  # a name, though it repeats
        "Plan Name": ["basic", "pro"] * (n // 2),  # a plan's name is a group
        "Segment": ["a", "b"] * (n // 2),  # taken by the preset
    })
    found = plausible_dimensions(sample, list(sample.columns), {"segment"})
    assert {k: v[0] for k, v in found.items()} == {"plan": "Plan", "charges": "Charges", "plan_name": "Plan Name"}
    assert found["charges"][1] == "a number: crmctl drivers bins it in quintiles"
    assert plausible_dimensions(sample.head(5), ["Plan"], set()) == {}  # too few rows to judge


def test_the_telco_export_maps_all_19_attributes():
    found = recognise(TELCO)
    header = pl.read_csv(TELCO, n_rows=0).columns
    attributes = [h for h in header if h not in ("customerID", "Churn")]
    assert len(attributes) == 19
    assert sorted(found.columns.values()) == sorted(["customerID", "Churn", *attributes])
    assert found.unmapped == []
    assert found.columns["payment_method"] == "PaymentMethod" and found.columns["tenure"] == "tenure"


def test_drivers_runs_on_the_config_init_writes_for_telco(cli, tmp_path):
    assert cli("init", str(TELCO)).exit_code == 0
    result = cli("drivers", "-f", "json")
    assert result.exit_code == 0, result.stderr
    names = [a["name"] for a in result.json()["attributes"]]
    assert len(names) == 19 and names[0] == "segment"  # Contract, mapped as segment, separates churn most
