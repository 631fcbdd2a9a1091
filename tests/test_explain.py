"""`crmctl explain`: the cell's numbers equal the report's, ids are the right customers, errors are clear."""

from __future__ import annotations

from crmctl.errors import ExitCode


def test_explain_a_churn_cell_with_ids(cli, activity_shop):
    config = str(activity_shop.root / "crmctl.yaml")
    details = cli("explain", "churn_rate", "-c", config, "--period", "2024-02", "--ids", "-f", "json").json()
    # The hand-computed shop: a and c are active on Feb 1 and both churn in February.
    assert (details["numerator"]["value"], details["denominator"]["value"], details["value"]) == (2, 2, 1.0)
    assert details["period"] == {"start": "2024-02-01", "end": "2024-02-29"}
    assert details["ids"] == {"available": True, "count": 2, "ids": ["a", "c"], "truncated": False}
    assert details["knobs"] == {"activity_model": {"value": "auto", "default": True},
                                "churn_after_days": {"value": 30, "default": False}}
    assert details["activity_model"] == "transactional"
    assert details["datasets"]["orders"]["rows_read"] == 6


def test_explain_defaults_to_the_latest_period_with_a_value(cli, activity_shop):
    config = str(activity_shop.root / "crmctl.yaml")
    text = cli("explain", "new_customers", "-c", config, "--ids").stdout
    assert "Cell:        2024-05-01 .. 2024-05-31, all customers, activity model transactional" in text
    assert "Ids behind the numerator (1):\n  d\n" in text


def test_explain_a_segment(cli, shop):
    config = str(shop.root / "crmctl.yaml")
    details = cli("explain", "revenue", "-c", config, "--segment", "segment=gold", "--period", "2024-01-15",
                  "--ids", "-f", "json").json()
    assert (details["value"], details["segment"], details["ids"]["ids"]) == (100.0, {"segment": "gold"}, ["o1"])
    none = cli("explain", "revenue", "-c", config, "--segment", "segment=(none)", "--period", "2024-04", "-f",
               "json").json()
    assert none["value"] == 40.0  # the order of c9, a customer missing from the customers export


def test_ids_not_yet_listed_for_a_metric(cli, shop):
    result = cli("explain", "average_order_value", "-c", str(shop.root / "crmctl.yaml"), "--ids")
    assert "Ids: average_order_value does not list the ids behind its numerator yet" in result.stdout


def test_explain_errors(cli, shop):
    config = str(shop.root / "crmctl.yaml")
    unknown = cli("explain", "churn_rat", "-c", config)
    assert unknown.exit_code == ExitCode.USAGE and 'did you mean "churn_rate"' in unknown.stderr
    bad = cli("explain", "revenue", "-c", config, "--segment", "gold")
    assert bad.exit_code == ExitCode.USAGE and "expected KEY=VALUE" in bad.stderr
    outside = cli("explain", "revenue", "-c", config, "--period", "2023-01")
    assert outside.exit_code == ExitCode.USAGE
    assert "--period 2023-01-01: outside the report's periods (2024-01-01 .. 2024-04-30)" in outside.stderr
    missing = cli("explain", "revenue", "-c", config, "--segment", "segment=platinum")
    assert missing.exit_code == ExitCode.USAGE and "no rows for segment=platinum" in missing.stderr


def test_explain_on_the_sample(cli):
    result = cli("explain", "churn_rate")
    assert result.exit_code == 0 and "Definition: Customers active at the start of the period" in result.stdout
