"""`crmctl init` proposes the `where:` a first report needs: only revenue statuses, one currency."""

from __future__ import annotations

import polars as pl

from crmctl.setup.init import recognise
from crmctl.setup.presets.filters import propose_where
from tests.conftest import ROOT

ORDERS = {"order_id": "id", "customer_id": "c", "ordered_at": "d", "amount": "a", "status": "s", "currency": "cur"}


def _sample(statuses, currencies=None) -> pl.DataFrame:
    return pl.DataFrame({"s": statuses, "cur": currencies or ["USD"] * len(statuses)})


def test_refunded_cancelled_and_pending_orders_are_left_out():
    proposal = propose_where("orders", ORDERS, _sample(["paid"] * 5 + ["Refunded"] * 2 + ["pending", "completed"]),
                             None)
    assert proposal.where == {"status": ["paid", "completed"]}
    assert proposal.comments == ["status values in the sample: paid 5, Refunded 2, pending 1, completed 1",
                                 "GUESS: Refunded and pending orders are not revenue and are left out"]


def test_unknown_statuses_are_kept_and_flagged():
    proposal = propose_where("orders", ORDERS, _sample(["paid", "voided", "on hold?"]), None)
    assert proposal.where == {"status": ["paid", "on hold?"]}
    assert proposal.comments[-1] == "CHECK: kept, but not a status crmctl knows: on hold?"


def test_no_filter_when_every_status_is_revenue():
    proposal = propose_where("orders", ORDERS, _sample(["paid", "fulfilled"]), None)
    assert proposal.where == {} and "no where: on status" in proposal.comments[0]


def test_the_presets_own_rule_wins_when_the_sample_has_its_values():
    proposal = propose_where("orders", ORDERS, _sample(["paid", "refunded", "authorized"]),
                             {"status": ["paid", "partially_refunded"]})
    assert proposal.where == {"status": ["paid", "partially_refunded"]}
    assert proposal.comments[1] == "the export's own rule for revenue; left out: refunded, authorized"


def test_two_currencies_keep_the_most_common():
    proposal = propose_where("orders", ORDERS, _sample(["paid"] * 5, ["EUR", "USD", "usd", "USD", "EUR"]), None)
    assert proposal.where == {"currency": ["USD"]}
    assert proposal.comments[1].startswith("currencies in the sample: USD 3, EUR 2;")


def test_statuses_are_judged_after_the_presets_value_map():
    maps = {"status": {"P": "paid", "R": "refunded"}}
    proposal = propose_where("orders", ORDERS, _sample(["P", "P", "R"]), None, maps)
    assert proposal.where == {"status": ["paid"]}  # where: compares mapped values


def test_other_datasets_get_no_filter():
    assert propose_where("leads", {"status": "s"}, _sample(["lost", "won"]), None).where == {}


def test_init_on_the_sample_counts_the_orders_the_example_config_counts(cli, tmp_path):
    result = cli("init", str(ROOT / "sample_data" / "orders.csv"))
    assert result.exit_code == 0
    text = (tmp_path / "crmctl.yaml").read_text()
    assert '    where: {"status": ["paid", "completed"]}  # rows that count' in text
    report = cli("report", "-m", "orders", "--period", "all", "-f", "json")
    assert report.exit_code == 0 and report.json()["rows"][0]["value"] == 3367  # 1,964 paid + 1,403 completed


def test_init_then_report_on_an_export_in_two_currencies(cli, tmp_path):
    rows = [f"o{i},c{i % 3},2024-01-{i + 1:02d},10.00,paid,{'EUR' if i % 3 == 0 else 'USD'}" for i in range(9)]
    (tmp_path / "orders.csv").write_text("order id,customer id,order date,amount,status,currency\n"
                                         + "\n".join(rows) + "\n")
    assert recognise(tmp_path / "orders.csv").where == {"currency": ["USD"]}
    assert cli("init", "orders.csv").exit_code == 0
    report = cli("report", "-m", "orders", "--period", "all", "-f", "json")
    assert report.exit_code == 0 and report.json()["rows"][0]["value"] == 6  # the three EUR orders left out
