"""The aggregated road (read/aggregate.py) gives the report the held road gives: the same rows, notes and
account of rows (read, used, filtered, skipped and why, invalid examples, warnings), on clean exports where
it is taken and on dirty ones where it hands the dataset back to the held road."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from crmctl.report import build as report_module
from crmctl.config import load_config
from crmctl.errors import DataError
from crmctl.read import aggregate
from crmctl.report.build import build_report, with_overrides

METRICS = ("revenue", "orders", "average_order_value", "sales_growth", "gross_profit", "nps", "csat", "ces")
CONFIG = """
datasets:
  customers:
    path: customers.csv
    columns: {{customer_id: id, segment: tier}}
  orders:
    path: orders*.csv
    max_invalid_ratio: 1.0
    columns:
      order_id: order
      customer_id: customer
      ordered_at: {{column: at, format: "%Y-%m-%d %H:%M:%S"}}
      amount: total
      status: state
{where}
  surveys:
    path: surveys.csv
    max_invalid_ratio: 1.0
    columns:
      customer_id: customer
      responded_at: {{column: at, format: "%Y-%m-%d"}}
      type: {{column: kind, values: {{NPS: nps, CSAT: csat, CES: ces}}}}
      score: score
"""
DIRTY_AMOUNTS = ["", "abc", " 12.5", "$7", "#VALUE!"]
DIRTY_IDS = ["", "007", "#REF!"]


@st.composite
def exports(draw):
    """Customers with text, dense or sparse integer ids, orders in one or two files (maybe overlapping: duplicate ids),
    surveys; dirty cells and blank lines in some draws, a `where:` in some."""
    ids = draw(st.sampled_from(["text", "dense", "sparse"]))  # joined on text, gathered, joined on integers
    customers = [f"C{i}" if ids == "text" else str(i * (100_000 if ids == "sparse" else 1) + 1)
                 for i in range(draw(st.integers(1, 6)))]
    tiers = [draw(st.sampled_from(["SMB", "Mid", ""])) for _ in customers]
    dirt = draw(st.sampled_from([0.0, 0.0, 0.15]))
    day = st.datetimes(dt.datetime(2024, 1, 1), dt.datetime(2024, 6, 30)).map(lambda t: t.replace(microsecond=0))

    def cell(clean, dirty):
        return draw(st.sampled_from(dirty)) if draw(st.floats(0, 1)) < dirt else clean

    orders = []
    # Order ids: text (their hashes counted), integers rising in file order (proved distinct by rising, or a
    # repeat beyond the probe: the held road), or integers in no order.
    numbering = draw(st.sampled_from(["text", "rising", "unordered"]))
    count = draw(st.integers(0, 25))
    numbers = draw(st.permutations(range(count))) if numbering == "unordered" else range(count)
    for number in numbers:
        amount = str(draw(st.decimals(min_value=0, max_value=500, places=2)))
        customer = draw(st.sampled_from(customers + ["404"]))
        orders.append([f"#{number}" if numbering == "text" else str(number * 3 + 1), cell(customer, DIRTY_IDS),
                       str(draw(day)), cell(amount, DIRTY_AMOUNTS), draw(st.sampled_from(["paid", "refunded", "PAID"]))])
    split = draw(st.integers(0, len(orders)))
    overlap = draw(st.integers(1, 2)) if draw(st.integers(0, 3)) == 0 else 0
    surveys = [[draw(st.sampled_from(customers)), str(draw(day).date()), draw(st.sampled_from(["NPS", "CSAT", "CES"])),
                cell(str(draw(st.integers(0, 11))), ["", "x"])] for _ in range(draw(st.integers(0, 15)))]
    return {
        "customers": (["id", "tier"], list(zip(customers, tiers))),
        "orders1": (["order", "customer", "at", "total", "state"], orders[:split]),
        "orders2": (["order", "customer", "at", "total", "state"], orders[max(split - overlap, 0):]),
        "surveys": (["customer", "at", "kind", "score"], surveys),
        "blank": dirt > 0 and draw(st.booleans()),
        "where": draw(st.booleans()),
        "by": draw(st.sampled_from([(), ("segment",), ("segment",)])),
        # With active customers (the transactional model: no subscriptions), orders' rows come narrow beside
        # their group_by; the probe of rising ids sees the first 2 rows or all of them.
        "metrics": draw(st.sampled_from([METRICS, (*METRICS, "active_customers")])),
        "rising_probe": draw(st.sampled_from([2, 1000])),
    }


def _write(folder, data) -> object:
    for name in ("customers", "orders1", "orders2", "surveys"):
        header, rows = data[name]
        lines = [",".join(header)] + [",".join(row) for row in rows]
        if data["blank"] and name == "orders1":
            lines.insert(1, "")
        path = folder / f"{name}.csv"
        path.write_text("\n".join(lines) + "\n")
    where = "    where: {status: [paid]}" if data["where"] else ""
    (folder / "crmctl.yaml").write_text(CONFIG.format(where=where))
    return load_config(folder / "crmctl.yaml")


def _both(config, by, monkeypatch, metrics=METRICS):
    spec = with_overrides(config.report, metrics=metrics, period="month", by=by)
    aggregated = build_report(config, spec)
    with monkeypatch.context() as patched:
        patched.setattr(report_module, "aggregable", lambda *args: set())
        held = build_report(config, spec)
    return aggregated, held


def _assert_same(aggregated, held) -> None:
    assert_frame_equal(aggregated.rows, held.rows)
    for meta in (aggregated.meta, held.meta):
        meta.pop("generated_at")
    assert aggregated.meta == held.meta  # rows read, used, filtered, skipped and why, invalid counts
    for name, loaded in held.datasets.items():
        other = aggregated.datasets[name]
        assert (other.rows_read, other.rows_used, other.rows_filtered, other.rows_skipped) == (
            loaded.rows_read, loaded.rows_used, loaded.rows_filtered, loaded.rows_skipped)
        assert other.skipped_because == loaded.skipped_because
        assert {f: (i.count, i.examples) for f, i in other.invalid.items()} == {
            f: (i.count, i.examples) for f, i in loaded.invalid.items()}
        assert other.warnings == loaded.warnings


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=exports())
def test_the_aggregated_road_gives_the_held_roads_report(data, tmp_path_factory, monkeypatch):
    # No probe of the first rows: a suspect row must be found by the pass's own account, as in a large file.
    monkeypatch.setattr(aggregate, "_PROBE_ROWS", 0)
    monkeypatch.setattr(aggregate, "_RISING_PROBE", data["rising_probe"])
    folder = tmp_path_factory.mktemp("exports")
    config = _write(folder, data)
    held_error = None
    try:
        aggregated, held = _both(config, data["by"], monkeypatch, data["metrics"])
    except Exception as exc:  # an export the held road rejects must be rejected alike
        held_error = exc
    if held_error is not None:
        with monkeypatch.context() as patched:
            patched.setattr(report_module, "aggregable", lambda *args: set())
            with pytest.raises(type(held_error)):
                build_report(config, with_overrides(config.report, metrics=data["metrics"], period="month",
                                                    by=data["by"]))

        return
    _assert_same(aggregated, held)



def _clean(overlap: int = 0, amounts=("10.50", "20.25", "5.00")) -> dict:
    orders = [[f"#{i}", str(i % 3 + 1), f"2024-0{i % 4 + 1}-03 10:00:00", amounts[i % len(amounts)], "paid"]
              for i in range(12)]
    return {
        "customers": (["id", "tier"], [("1", "SMB"), ("2", "Mid"), ("3", "SMB")]),
        "orders1": (["order", "customer", "at", "total", "state"], orders[:6]),
        "orders2": (["order", "customer", "at", "total", "state"], orders[6 - overlap:]),
        "surveys": (["customer", "at", "kind", "score"],
                    [["1", "2024-02-01", "NPS", "9"], ["2", "2024-03-01", "CSAT", "4"]]),
        "blank": False, "where": True, "by": ("segment",),
    }


def test_clean_exports_take_the_aggregated_road(tmp_path, monkeypatch):
    aggregated, held = _both(_write(tmp_path, _clean()), ("segment",), monkeypatch)
    assert aggregated.datasets["orders"].aggregates is not None
    assert aggregated.datasets["surveys"].aggregates is not None
    assert held.datasets["orders"].aggregates is None
    _assert_same(aggregated, held)

    assert aggregated.meta["datasets"]["orders"]["rows_used"] == 12


@pytest.mark.parametrize("change", ["duplicates", "dirty", "ci"])
def test_what_the_fast_road_does_not_assume_goes_the_held_road(change, tmp_path, monkeypatch):
    data = _clean(overlap=2) if change == "duplicates" else _clean(amounts=("10.50", "$3")) if change == "dirty" \
        else _clean()
    config = _write(tmp_path, data)
    spec = with_overrides(config.report, metrics=METRICS, period="month", by=("segment",), ci=change == "ci" or None)
    result = build_report(config, spec)
    assert result.datasets["orders"].aggregates is None
    if change == "duplicates":
        assert result.meta["datasets"]["orders"]["skipped_because"] == {"duplicate id (the last row was kept)": 2}


def _numbered(data: dict, numbers) -> dict:
    """`data` with its orders (both files, in turn) numbered by `numbers` instead of "#i"."""
    numbers = iter(numbers)
    for name in ("orders1", "orders2"):
        header, rows = data[name]
        data[name] = (header, [[str(next(numbers)), *row[1:]] for row in rows])
    return data


def test_the_transactional_model_reads_orders_narrow_beside_their_group_by(tmp_path, monkeypatch):
    # No subscriptions: active customers come from every paid order's customer and time, which the
    # aggregated road holds (and nothing else of orders) while revenue, orders and AOV come grouped.
    metrics = (*METRICS, "active_customers")
    aggregated, held = _both(_write(tmp_path, _numbered(_clean(), range(101, 113))), ("segment",), monkeypatch,
                             metrics)
    orders = aggregated.datasets["orders"]
    assert aggregated.activity == "transactional" and orders.aggregates is not None
    assert orders.narrow.columns == ["customer_id", "ordered_at"]
    assert_frame_equal(orders.narrow, held.datasets["orders"].frame.select("customer_id", "ordered_at"))
    _assert_same(aggregated, held)
    active = aggregated.rows.filter(metric="active_customers")
    assert active["value"].sum() > 0


@pytest.mark.parametrize("numbers, rising", [
    (range(101, 113), True),  # rising: proved distinct by a running comparison
    ([5, *range(1, 12)], False),  # not rising in the first rows: the hashes are counted
    ([f"#{i}" for i in range(12)], False),  # text ids
])
def test_the_ids_proof_is_chosen_by_the_first_rows(numbers, rising, tmp_path):
    config = _write(tmp_path, _numbered(_clean(), numbers))
    first = aggregate.fast_scan(aggregate.file_scans(config.datasets["orders"], aggregate._columns(
        config.datasets["orders"], {"order_id"}), [aggregate.sniff(tmp_path / "orders1.csv", None, None, True)],
        [tmp_path / "orders1.csv"])[0])
    assert aggregate._rising_ids(config.datasets["orders"], first) is rising


@pytest.mark.parametrize("numbers", [
    [*range(1, 7), 6, *range(7, 12)],  # a repeat after the probed rows
    [*range(1, 7), 3, *range(7, 12)],  # an id that falls back below an earlier one
    [*range(1, 7), "#7", *range(8, 13)],  # an id that is no integer
])
def test_ids_that_stop_rising_after_the_probe_go_the_held_road(numbers, tmp_path, monkeypatch):
    monkeypatch.setattr(aggregate, "_RISING_PROBE", 3)
    aggregated, held = _both(_write(tmp_path, _numbered(_clean(), numbers)), ("segment",), monkeypatch)
    assert aggregated.datasets["orders"].aggregates is None
    _assert_same(aggregated, held)
    if numbers[6] == 6:
        assert held.meta["datasets"]["orders"]["skipped_because"] == {"duplicate id (the last row was kept)": 1}


def test_rising_ids_take_the_aggregated_road(tmp_path, monkeypatch):
    monkeypatch.setattr(aggregate, "_RISING_PROBE", 3)
    aggregated, held = _both(_write(tmp_path, _numbered(_clean(), range(1, 13))), ("segment",), monkeypatch)
    assert aggregated.datasets["orders"].aggregates is not None
    _assert_same(aggregated, held)


def _with_currencies(data: dict, currencies) -> dict:
    """`data` with a currency column on its orders, the i-th order (both files, in turn) in currencies[i]."""
    currencies = iter(currencies)
    for name in ("orders1", "orders2"):
        header, rows = data[name]
        data[name] = ([*header, "cur"], [[*row, next(currencies)] for row in rows])
    return data


@pytest.mark.parametrize("numbers", [range(101, 113), [f"#{i}" for i in range(12)]])  # rising ids: one query
@pytest.mark.parametrize("currencies", [["USD"] * 12, [*["USD"] * 11, "EUR"], ["", *["USD"] * 11]])
def test_several_currencies_are_refused_on_either_road(numbers, currencies, tmp_path, monkeypatch):
    _write(tmp_path, _with_currencies(_numbered(_clean(), numbers), currencies))
    text = (tmp_path / "crmctl.yaml").read_text().replace("status: state\n", "status: state\n      currency: cur\n", 1)
    (tmp_path / "crmctl.yaml").write_text(text.replace("{status: [paid]}", "{status: [paid], currency: [usd, eur]}"))
    config = load_config(tmp_path / "crmctl.yaml")  # the currency is read for its where:
    if len(set(currencies) - {""}) > 1:
        for road in ("aggregated", "held"):
            with monkeypatch.context() as patched:
                if road == "held":
                    patched.setattr(report_module, "aggregable", lambda *args: set())
                with pytest.raises(DataError, match="the currency column has several values: eur, usd"):
                    build_report(config, with_overrides(config.report, metrics=METRICS, period="month"))
        return
    aggregated, held = _both(config, ("segment",), monkeypatch)
    assert aggregated.datasets["orders"].aggregates is not None
    _assert_same(aggregated, held)


def test_streamed_reads_use_small_csv_chunks_and_leave_the_environment_as_it_was(monkeypatch):
    from crmctl.read.scan import in_small_chunks

    monkeypatch.delenv("POLARS_CSV_CHUNK_SIZE", raising=False)
    with pytest.raises(RuntimeError), in_small_chunks():
        assert os.environ["POLARS_CSV_CHUNK_SIZE"] == "4000000"
        raise RuntimeError
    assert "POLARS_CSV_CHUNK_SIZE" not in os.environ  # held reads keep Polars' default
    monkeypatch.setenv("POLARS_CSV_CHUNK_SIZE", "123456")
    with in_small_chunks():
        assert os.environ["POLARS_CSV_CHUNK_SIZE"] == "123456"  # the user's choice wins
    assert os.environ["POLARS_CSV_CHUNK_SIZE"] == "123456"
