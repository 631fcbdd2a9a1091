"""The optimistic read gives what the validating read gives: frame, counts and invalid examples."""

from __future__ import annotations

import datetime as dt
import functools

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmctl.config import load_config
from crmctl.errors import DataError
from crmctl.read import load as load_module
from crmctl.read.load import load_dataset, resolve_files
from crmctl.read.optimistic import read_files
from crmctl.read.scan import file_scans
from crmctl.read.sniff import sniff

CLEAN = {
    "id": st.from_regex(r"[A-Za-z0-9#]{1,8}", fullmatch=True),
    "date": st.dates(dt.date(2023, 1, 1), dt.date(2025, 12, 31)).map(str),
    "stamp": st.datetimes(dt.datetime(2023, 1, 1), dt.datetime(2025, 12, 31)).map(lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")),
    "amount": st.decimals(min_value=-1000, max_value=1000, places=2).map(str),
    "flag": st.sampled_from(["TRUE", "FALSE", "yes", "no"]),
    "tier": st.sampled_from(["SMB", "Mid", "Enterprise"]),
}
# Order numbers and record ids that are integers: read by one cast when the file's first rows are (_probed).
INTEGER_IDS = st.one_of(st.integers(-10**6, 10**18).map(str), st.integers(0, 999).map(lambda n: f"{n:05d}"),
                        st.integers(0, 99).map(lambda n: f"+{n}"))
# What a messy export holds: each must either be read as the validating read reads it, or be suspect.
DIRTY = {
    "id": st.sampled_from(["", " ", "1.23E+15", "#VALUE!", " a1 ", "#REF!", "ok!", "why?", "1E+5x", "\u00a0b",
                           " 42", "42 ", "\u00a07", "99999999999999999999", "4 2", "7!", "1e5", "0x1F", "١٢", "a7"]),
    "date": st.sampled_from(["", "2024-13-45", "yesterday", " 2024-01-05", "2024-01-05 ", "#VALUE!"]),
    "stamp": st.sampled_from(["", "2024-03-01T10:00:00+02:00", "2024-03-01T10:00:00", " 2024-03-01T10:00:00Z",
                              "2024-03-01T10:00:00.5Z", "2024-03-01t10:00:00z"]),
    "amount": st.sampled_from(["", "1,234.50", "(5.00)", "$7", "€8", "abc", "-", "1e3", "1e999", "inf", "NaN",
                               " 42 ", "+5", ".5", "5.", "-0", "0x10", "1_0", "#VALUE!", "١٢", "\u00a05"]),
    "flag": st.sampled_from(["", "maybe", " yes", "#N/A", "1"]),
    "tier": st.sampled_from(["", " smb ", "#VALUE!", "ENTERPRISE", "#REF!", "Mid!", "#NAME?"]),
}
FIELDS = {"order": "id", "customer": "id", "date": "date", "stamp": "stamp", "total": "amount", "paid": "flag",
          "tier": "tier"}
CONFIG = """
timezone: {timezone}
datasets:
  orders:
    path: orders*.csv
    max_invalid_ratio: 1.0
    columns:
      order_id: order
      customer_id: customer
      ordered_at: {{column: stamp{stamp_format}}}
      day: date
      amount: {{column: total{decimal_comma}}}
      paid: {{column: paid}}
      status: tier
    where: {{status: [smb, mid]}}
"""


@st.composite
def export(draw, dirt: float):
    clean = {**CLEAN, "id": INTEGER_IDS} if draw(st.booleans()) else CLEAN
    rows = []
    for _ in range(draw(st.integers(0, 30))):
        if draw(st.booleans()) and draw(st.floats(0, 1)) < dirt and not draw(st.integers(0, 9)):
            rows.append([""] * len(FIELDS))  # a blank line (empty fields)
            continue
        rows.append([draw(DIRTY[kind] if draw(st.floats(0, 1)) < dirt else clean[kind]) for kind in FIELDS.values()])

    def cell(value: str) -> str:
        return '"' + value.replace('"', '""') + '"' if ("," in value or draw(st.booleans())) else value

    return "\n".join([",".join(FIELDS)] + [",".join(cell(c) for c in row) for row in rows]) + "\n"


def _config(tmp_path, stamp_format: str, decimal_comma: bool, timezone: str = "UTC"):
    text = CONFIG.format(stamp_format=stamp_format, decimal_comma=", decimal_comma: true" if decimal_comma else "",
                         timezone=timezone)
    (tmp_path / "crmctl.yaml").write_text(text)
    return load_config(tmp_path / "crmctl.yaml")


def _both(config, name: str = "orders"):
    spec = config.datasets[name]
    columns = list(spec.columns.values())
    paths = resolve_files(spec)
    shapes = [sniff(p, spec.delimiter, spec.encoding) for p in paths]
    scans = file_scans(spec, columns, shapes, paths)
    return read_files(scans, optimistic=True), read_files(scans, optimistic=False)


def _outcome(read):
    """What a read gives: its result, or the message of the DataError it raises."""
    try:
        return read()
    except DataError as exc:
        return str(exc)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=st.lists(export(dirt=0.3), min_size=1, max_size=2), zoned=st.booleans(),
       timezone=st.sampled_from(["UTC", "Europe/Berlin"]),
       decimal_comma=st.booleans(), probe=st.sampled_from([1, 3, 100]))
def test_the_optimistic_read_gives_the_validating_frame(tmp_path, monkeypatch, files, zoned, timezone, decimal_comma,
                                                        probe):
    monkeypatch.setattr("crmctl.read.optimistic._MOSTLY", 1.0)  # however dirty: this tests the optimistic road
    monkeypatch.setattr("crmctl.read.optimistic._SAMPLE_ROWS", probe)  # dirty cells after the probed rows too
    for old in tmp_path.glob("orders*.csv"):
        old.unlink()
    for number, text in enumerate(files):
        (tmp_path / f"orders{number}.csv").write_text(text)
    config = _config(tmp_path, "" if zoned else ', format: "%Y-%m-%dT%H:%M:%SZ"', decimal_comma, timezone)
    spec = config.datasets["orders"]
    paths = resolve_files(spec)
    read = functools.partial(read_files, file_scans(spec, list(spec.columns.values()), [sniff(p, None) for p in paths],
                                                    paths))
    fast, checked = _outcome(functools.partial(read, optimistic=True)), _outcome(functools.partial(read, optimistic=False))
    if isinstance(checked, str):
        assert fast == checked
    else:
        assert fast.schema == checked.schema
        assert fast.equals(checked)


def _loaded(config, optimistic: bool, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(load_module, "read_files", functools.partial(read_files, optimistic=optimistic))
        return _outcome(lambda: load_dataset(config.datasets["orders"], quality=True))


@pytest.mark.parametrize("dirt", [0.0, 0.2])
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_loaded_results_do_not_depend_on_the_road(tmp_path, monkeypatch, dirt, data):
    monkeypatch.setattr("crmctl.read.optimistic._MOSTLY", 1.0)
    (tmp_path / "orders0.csv").write_text(data.draw(export(dirt=dirt)))
    config = _config(tmp_path, "", False)
    fast, checked = _loaded(config, True, monkeypatch), _loaded(config, False, monkeypatch)
    if isinstance(checked, str):
        assert fast == checked
        return
    assert fast.frame.equals(checked.frame)
    assert fast.quality.equals(checked.quality)
    assert (fast.rows_read, fast.rows_used, fast.rows_filtered, fast.rows_skipped) == (
        checked.rows_read, checked.rows_used, checked.rows_filtered, checked.rows_skipped)
    assert fast.skipped_because == checked.skipped_because
    assert fast.invalid == checked.invalid
    assert fast.warnings == checked.warnings


def test_a_clean_export_is_read_without_the_validating_path(tmp_path, monkeypatch):
    (tmp_path / "orders0.csv").write_text("order,customer,date,stamp,total,paid,tier\n"
                                          "#1,c1,2024-01-05,2024-01-05T10:00:00Z,12.50,yes,SMB\n"
                                          "#2,c2,2024-02-05,,-3,no,Mid\n")
    config = _config(tmp_path, "", False)

    def validating(*args, **kwargs):
        raise AssertionError("a clean file must not be read again")

    monkeypatch.setattr("crmctl.read.optimistic.scan_file", validating)
    spec = config.datasets["orders"]
    paths = resolve_files(spec)
    frame = read_files(file_scans(spec, list(spec.columns.values()), [sniff(p, None) for p in paths], paths))
    assert frame["amount"].to_list() == [12.5, -3.0]
    assert frame["ordered_at"].to_list() == [dt.datetime(2024, 1, 5, 10), None]
    assert frame["status"].to_list() == ["smb", "mid"]
    assert not frame["_bad_amount"].any() and not frame["_blank"].any()


def _orders_file(tmp_path, clean_rows: int, dirty_rows: int) -> None:
    clean = [f"{n},c1,2024-01-05,2024-01-05T10:00:00Z,12.50,yes,SMB" for n in range(clean_rows)]
    dirty = [f"d{n},c2,2024-02-05,2024-02-05T10:00:00+01:00,\"1,234.50\",no,Mid" for n in range(dirty_rows)]
    (tmp_path / "orders0.csv").write_text("\n".join(["order,customer,date,stamp,total,paid,tier", *clean, *dirty]) + "\n")


def _validating_reads(monkeypatch) -> list:
    """Records the `rows` of every validating read (None: the whole file)."""
    import crmctl.read.optimistic as optimistic

    asked, original = [], optimistic.scan_file
    monkeypatch.setattr(optimistic, "scan_file",
                        lambda *a, rows=None: asked.append(rows if rows is None else rows.to_list()) or original(*a, rows=rows))
    return asked


def test_only_suspect_rows_are_read_again(tmp_path, monkeypatch):
    _orders_file(tmp_path, clean_rows=9, dirty_rows=1)
    config = _config(tmp_path, "", False)
    asked = _validating_reads(monkeypatch)
    fast, checked = _both(config)
    assert asked == [[11], None]  # the tenth data row, line 11; then the validating read of the whole file
    assert fast.equals(checked)
    assert fast["amount"].to_list() == [12.5] * 9 + [1234.5]
    assert fast["ordered_at"].to_list()[-2:] == [dt.datetime(2024, 1, 5, 10), dt.datetime(2024, 2, 5, 9)]


def test_a_mostly_suspect_file_takes_the_validating_road_at_once(tmp_path, monkeypatch):
    _orders_file(tmp_path, clean_rows=3, dirty_rows=7)
    config = _config(tmp_path, "", False)
    asked = _validating_reads(monkeypatch)
    fast, checked = _both(config)
    assert asked == [None, None]
    assert fast.equals(checked)


def test_utc_stamps_read_with_a_literal_z_land_in_the_configured_zone(tmp_path):
    (tmp_path / "orders0.csv").write_text("order,customer,date,stamp,total,paid,tier\n"
                                          "1,c1,2024-01-05,2024-01-05T10:00:00Z,1,yes,SMB\n"
                                          "2,c1,2024-07-05,2024-07-05T10:00:00Z,2,yes,SMB\n")
    config = _config(tmp_path, "", False, "Europe/Berlin")
    fast, checked = _both(config)
    assert fast["ordered_at"].to_list() == [dt.datetime(2024, 1, 5, 11), dt.datetime(2024, 7, 5, 12)]
    assert fast.equals(checked)
