"""Reading exports: mapping, types, formats, filters, globs, and messages for what does not fit."""

from __future__ import annotations

import datetime as dt
import gzip
import re
import textwrap

import polars as pl
import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from crmctl.read.cells import _number, checked_number
from crmctl.errors import DataError
from crmctl.read.load import load_dataset

ORDERS = textwrap.dedent("""
    datasets:
      orders:
        path: {path}
        {extra}
        columns:
          order_id: id
          customer_id: cust
          ordered_at: {ordered_at}
          amount: {amount}
""")


def _orders(project, csv_text, *, path="orders.csv", ordered_at="date", amount="total", extra="", **cfg):
    if csv_text is not None:
        project.file(path, csv_text)
    config = project.load(ORDERS.format(path=path, ordered_at=ordered_at, amount=amount, extra=extra))
    return load_dataset(config.datasets["orders"])


def test_ids_keep_leading_zeros_and_case(project):
    loaded = _orders(project, """
        id,cust,date,total
        007,AbC01,2024-01-01,1
        0008,abc01,2024-01-02,2
    """)
    assert loaded.frame["order_id"].to_list() == ["007", "0008"]
    assert loaded.frame["customer_id"].to_list() == ["AbC01", "abc01"]


@pytest.mark.parametrize("text,expected", [
    ("1,234.50", 1234.5), ("$1,234.50", 1234.5), ("€ 12", 12.0), ("(15.00)", -15.0), ("-3", -3.0),
    (" 42 ", 42.0), ("1.5e3", 1500.0),
])
def test_amounts_in_export_styles(project, text, expected):
    loaded = _orders(project, f'id,cust,date,total\n1,c,2024-01-01,"{text}"\n')
    assert loaded.frame["amount"].to_list() == [expected]


def test_decimal_comma(project):
    loaded = _orders(project, 'id;cust;date;total\n1;c;2024-01-01;"1.234,5"\n2;c;2024-01-01;7,25\n',
                     amount="{column: total, decimal_comma: true}")
    assert loaded.frame["amount"].to_list() == [1234.5, 7.25]


def test_ambiguous_thousands_are_invalid_not_guessed(project):
    # "1,5" is not a thousands-separated number: with decimal_comma false it must not become 15.
    loaded = _orders(project, 'id,cust,date,total\n1,c,2024-01-01,"1,5"\n' + "".join(
        f"{i},c,2024-01-01,1\n" for i in range(2, 200)))
    assert loaded.invalid["amount"].count == 1
    assert loaded.invalid["amount"].examples == [(str(project.root / "orders.csv"), 2, "1,5")]
    assert loaded.rows_skipped == 1 and loaded.skipped_because == {"amount missing or invalid": 1}


def test_too_many_invalid_values_fail_naming_file_column_rows(project):
    with pytest.raises(DataError) as caught:
        _orders(project, "id,cust,date,total\n1,c,2024-01-01,abc\n2,c,2024-01-01,5\n3,c,2024-01-01,#VALUE!\n")
    assert caught.value.message == ("datasets.orders: too many values do not parse (limit max_invalid_ratio: "
                                    "0.01 of 3 rows); fix the column mapping or format")
    assert caught.value.problems == [
        "'total' (amount): 2 invalid (orders.csv row 2: 'abc'; orders.csv row 4: '#VALUE!')"]


def test_configured_date_format_and_detected_one(project):
    loaded = _orders(project, "id,cust,date,total\n1,c,31/01/2024 10:30,1\n2,c,01/02/2024 08:00,2\n",
                     ordered_at="{column: date, format: '%d/%m/%Y %H:%M'}")
    assert loaded.frame["ordered_at"].to_list() == [dt.datetime(2024, 1, 31, 10, 30), dt.datetime(2024, 2, 1, 8)]
    detected = _orders(project, "id,cust,date,total\n1,c,01/31/2024,1\n2,c,02/01/2024,2\n", path="us.csv")
    assert detected.frame["ordered_at"].to_list() == [dt.datetime(2024, 1, 31), dt.datetime(2024, 2, 1)]


def test_ambiguous_day_month_order_is_an_error(project):
    with pytest.raises(DataError) as caught:
        _orders(project, "id,cust,date,total\n1,c,05/01/2024,1\n2,c,06/02/2024,2\n")
    assert str(caught.value).endswith(
        "column 'date': the sampled dates (e.g. '05/01/2024', '06/02/2024') fit both day-first and month-first "
        "formats (%d/%m/%Y and %m/%d/%Y); set `format:` for this column to say which")


def test_dates_that_fit_no_format(project):
    with pytest.raises(DataError, match=r"no single date format reads the sampled values \(e.g. 'yesterday'"):
        _orders(project, "id,cust,date,total\n1,c,yesterday,1\n")


def test_zoned_timestamps_become_local_time_of_the_config_zone(project):
    project.file("orders.csv", "id,cust,date,total\n1,c,2024-01-31T23:30:00Z,1\n2,c,2024-03-31T12:00:00+02:00,1\n")
    config = project.load(ORDERS.format(path="orders.csv", ordered_at="date", amount="total", extra="")
                          + "timezone: Europe/Berlin\n")
    frame = load_dataset(config.datasets["orders"]).frame
    # 23:30 UTC on 31 January is 00:30 on 1 February in Berlin: a February order there.
    assert frame["ordered_at"].to_list() == [dt.datetime(2024, 2, 1, 0, 30), dt.datetime(2024, 3, 31, 12, 0)]


def test_value_maps_and_where_filters(project):
    project.file("s.csv", "who,when,kind,score\na,2024-01-01,Net Promoter,9\nb,2024-01-01,CSAT,4\nc,2024-01-02,Other,1\n")
    config = project.load("""
        datasets:
          surveys:
            path: s.csv
            columns:
              customer_id: who
              responded_at: when
              type: {column: kind, values: {Net Promoter: nps, CSAT: csat}}
              score: score
            where: {type: [NPS, csat]}
    """)
    loaded = load_dataset(config.datasets["surveys"])
    assert loaded.frame["type"].to_list() == ["nps", "csat"]
    assert (loaded.rows_read, loaded.rows_filtered) == (3, 1)



def test_a_field_read_only_for_where_is_not_held(project):
    """`where:` filters on its field, which is then dropped unless asked for (it would cost a Categorical cast
    and a copy of every row); asked for, or with every field read, it stays."""
    project.file("o.csv", "id,who,when,total,state\n1,a,2024-01-01,5,Paid\n2,b,2024-01-02,7,refunded\n"
                          "3,c,2024-01-03,9,paid\n")
    config = project.load("""
        datasets:
          orders:
            path: o.csv
            columns: {order_id: id, customer_id: who, ordered_at: when, amount: total, status: state}
            where: {status: [paid]}
    """)
    spec = config.datasets["orders"]
    filtered = load_dataset(spec, {"order_id", "customer_id", "ordered_at", "amount"})
    assert filtered.frame.columns == ["order_id", "customer_id", "ordered_at", "amount"]
    assert filtered.frame["order_id"].to_list() == ["1", "3"]
    assert (filtered.rows_read, filtered.rows_filtered, filtered.rows_used) == (3, 1, 2)
    assert load_dataset(spec, {"amount", "status"}).frame["status"].to_list() == ["paid", "paid"]
    assert load_dataset(spec).frame["status"].to_list() == ["paid", "paid"]

def test_booleans_from_export_spellings(project):
    project.file("t.csv", "id,created,auto\n1,2024-01-01,Yes\n2,2024-01-01,no\n3,2024-01-01,TRUE\n4,2024-01-01,0\n"
                          "5,2024-01-01,\n6,2024-01-01,maybe\n")
    config = project.load("""
        datasets:
          tickets:
            path: t.csv
            max_invalid_ratio: 0.5
            columns: {ticket_id: id, created_at: created, automated: auto}
    """)
    loaded = load_dataset(config.datasets["tickets"])
    assert loaded.frame["automated"].to_list() == [True, False, True, False, None, None]
    assert loaded.invalid["automated"].count == 1  # "maybe"; the blank is missing, not invalid


def test_glob_of_monthly_files_is_one_dataset_with_union_of_columns(project):
    project.file("exports/orders-2024-01.csv", "id,cust,date,total\n1,c,2024-01-01,1\n")
    project.file("exports/orders-2024-02.csv", "id,cust,date,total,extra\n2,c,2024-02-01,2,x\n")
    loaded = _orders(project, None, path="exports/orders-*.csv")
    assert loaded.frame["order_id"].to_list() == ["1", "2"]
    assert [f.name for f in loaded.files] == ["orders-2024-01.csv", "orders-2024-02.csv"]


def test_invalid_examples_name_the_file_and_line_they_come_from(project):
    # The flags kept per row are booleans; the example text is read again from the right file and line.
    project.file("exports/orders-2024-01.csv", "id,cust,date,total\n" + "".join(
        f"{i},c,2024-01-01,1\n" for i in range(1, 300)))
    project.file("exports/orders-2024-02.csv", "id,cust,date,total\n300,c,2024-02-01,1\n301,c,2024-02-01, 12..5 \n")
    loaded = _orders(project, None, path="exports/orders-*.csv")
    assert loaded.invalid["amount"].count == 1
    assert loaded.invalid["amount"].examples == [(str(project.root / "exports/orders-2024-02.csv"), 3, "12..5")]


def test_invalid_examples_of_a_transcoded_file_with_a_preamble(project):
    text = "Report: orders\r\n\r\nid\tcust\tdate\ttotal\r\n" + "".join(
        f"{i}\tZoë\t2024-01-01\t{'n/a€' if i == 150 else 5}\r\n" for i in range(1, 200))
    (project.root / "orders.csv").write_bytes(text.encode("utf-16"))
    loaded = _orders(project, None, extra="encoding: utf-16")
    assert loaded.invalid["amount"].examples == [(str(project.root / "orders.csv"), 153, "n/a€")]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="0123456789.,eE+-$€() \u00a0in", max_size=9), min_size=1, max_size=30))
def test_plain_cast_shortcut_reads_numbers_as_the_checked_path_does(cells):
    frame = pl.DataFrame({"text": cells}, schema={"text": pl.String})
    fast = frame.select(_number(pl.col("text"), False)).to_series()
    checked = frame.select(checked_number(pl.col("text"), False)).to_series()
    assert fast.to_list() == checked.to_list()


def test_gzip_tsv_and_semicolons_are_detected(project):
    with gzip.open(project.root / "orders.csv.gz", "wt") as handle:
        handle.write("id\tcust\tdate\ttotal\n1\tc\t2024-01-01\t3.5\n")
    assert _orders(project, None, path="orders.csv.gz").frame["amount"].to_list() == [3.5]
    assert _orders(project, "id;cust;date;total\n1;c;2024-01-01;4\n", path="semi.csv").frame["amount"].to_list() == [4.0]


def test_quoted_fields_with_delimiters_and_newlines(project):
    loaded = _orders(project, 'id,cust,date,total\n"1","Smith, J\nJr",2024-01-01,"1,000"\n')
    assert loaded.frame["customer_id"].to_list() == ["Smith, J\nJr"]
    assert loaded.frame["amount"].to_list() == [1000.0]


def test_parquet_with_typed_columns(project):
    pl.DataFrame({"id": ["1"], "cust": ["c"], "date": [dt.datetime(2024, 1, 2, 3)], "total": [9.5]}).write_parquet(
        project.root / "orders.parquet")
    loaded = _orders(project, None, path="orders.parquet")
    assert loaded.frame.row(0) == ("1", "c", dt.datetime(2024, 1, 2, 3), 9.5)


def test_header_drift_is_tolerated(project):
    loaded = _orders(project, "\ufeffID , CUST,Date,\u00a0Total\n1,c,2024-01-01,2\n")
    assert loaded.frame["amount"].to_list() == [2.0]


def test_missing_column_names_file_column_available_and_closest(project):
    with pytest.raises(DataError) as caught:
        _orders(project, "id,cust,date,total_amount\n1,c,2024-01-01,2\n")
    assert caught.value.message == f"{project.root / 'orders.csv'}: the mapped columns do not match the file"
    assert caught.value.problems == [
        "datasets.orders.columns.amount: column 'total' is not in the file "
        "(columns: 'id', 'cust', 'date', 'total_amount'); did you mean \"total_amount\"?"]


def test_wrong_delimiter_hint(project):
    with pytest.raises(DataError, match=r"only 1 column found: is the delimiter ';'\?"):
        _orders(project, "id;cust;date;total\n1;c;2024-01-01;2\n", extra="delimiter: ','")


def test_missing_file_and_empty_glob(project):
    with pytest.raises(DataError, match=r"datasets.orders.path: file not found: .*nope.csv"):
        _orders(project, None, path="nope.csv")
    with pytest.raises(DataError, match=r"datasets.orders.path: no file matches .*none-\*.csv"):
        _orders(project, None, path="none-*.csv")


def test_header_only_file_is_an_empty_dataset(project):
    loaded = _orders(project, "id,cust,date,total\n")
    assert loaded.frame.height == 0 and loaded.rows_read == 0


def test_only_requested_fields_are_read(project):
    project.file("orders.csv", "id,cust,date,total,status\n1,c,2024-01-01,2,paid\n")
    config = project.load(ORDERS.format(path="orders.csv", ordered_at="date", amount="total", extra="")
                          + "      status: status\n")
    loaded = load_dataset(config.datasets["orders"], {"amount"})
    assert loaded.frame.columns == ["order_id", "customer_id", "ordered_at", "amount"]


def test_input_files_are_not_modified(shop):
    from crmctl.config import load_config
    from crmctl.report.build import build_report

    before = {p: p.read_bytes() for p in shop.root.glob("*.csv")}
    build_report(load_config(shop.root / "crmctl.yaml"))
    assert {p: p.read_bytes() for p in shop.root.glob("*.csv")} == before


def test_ragged_row_is_named(project):
    with pytest.raises(DataError) as caught:
        _orders(project, 'id,cust,date,total\n1,c,2024-01-01,2\n"2","a\nb",2024-01-01,2\n3,c,2024-01-01,2,oops\n')
    assert caught.value.message == (f"{project.root / 'orders.csv'}: row 4 has 5 fields but the header has 4; "
                                    "fix or remove that row (a stray delimiter, an unquoted text field or a number "
                                    "written with a thousands comma, such as 1,146.54)")


def test_short_rows_are_named_as_such(project):
    loaded = _orders(project, "id,cust,date,total\n1,c,2024-01-01,2\n2,c,2024-01-02\n3,c,2024-01-03,4\n4,c\n"
                              "5,c,2024-01-05,\n6,c,2024-01-06,6\n")
    assert loaded.frame["order_id"].to_list() == ["1", "3", "6"]
    assert loaded.skipped_because == {"short row (fewer fields than the header)": 2, "amount missing or invalid": 1}
    assert loaded.rows_skipped == 3
    assert loaded.warnings == ["2 short rows skipped (orders.csv row 3: 3 fields, the header has 4; orders.csv row 5: "
                               "2 fields, the header has 4); a row cut off or missing delimiters: fix or remove it"]


def test_cp1252_file_with_encoding_key(project):
    (project.root / "orders.csv").write_bytes("id,cust,date,total\n1,Café Müller,2024-01-01,5\n".encode("cp1252"))
    with pytest.raises(DataError, match=r"byte \d+ is not UTF-8 .*set encoding: cp1252 for this dataset"):
        _orders(project, None)
    loaded = _orders(project, None, extra="encoding: cp1252")
    assert loaded.frame["customer_id"].to_list() == ["Café Müller"]
    assert (project.root / "orders.csv").read_bytes().startswith(b"id,cust")  # the input is untouched


def test_utf16_excel_unicode_text(project):
    (project.root / "orders.csv").write_bytes("id\tcust\tdate\ttotal\r\n1\tZoë\t2024-01-01\t5\r\n".encode("utf-16"))
    with pytest.raises(DataError, match="the file is UTF-16 .*set encoding: utf-16"):
        _orders(project, None)
    assert _orders(project, None, extra="encoding: utf-16").frame["customer_id"].to_list() == ["Zoë"]


def test_cr_only_line_endings_are_read(project):
    (project.root / "orders.csv").write_bytes(b"id,cust,date,total\r1,c,2024-01-01,5\r2,d,2024-01-02,6\r")
    assert _orders(project, None).frame["amount"].to_list() == [5.0, 6.0]


def test_unknown_encoding_is_a_config_error(project):
    from crmctl.errors import ConfigError

    with pytest.raises(ConfigError, match="datasets.orders.encoding: unknown encoding 'latin-9000'"):
        _orders(project, "id,cust,date,total\n", extra="encoding: latin-9000")


SALESFORCE = '''"Opportunities by Stage"
"As of 7/1/2025"

"Opportunity ID","Amount","Close Date","Customer"
"006A1","1,000.00","6/30/2025","c1"

"006A2","250.00","6/29/2025","c2"


"Confidential Information - Do Not Distribute"
"Copyright (c) 2000-2025 salesforce.com, inc. All rights reserved."
'''


def test_preamble_blank_lines_and_footer_are_skipped_and_counted(project):
    project.file("report.csv", SALESFORCE)
    config = project.load("""
        datasets:
          orders:
            path: report.csv
            columns: {order_id: Opportunity ID, customer_id: Customer, ordered_at: {column: Close Date,
                      format: "%m/%d/%Y"}, amount: Amount}
    """)
    loaded = load_dataset(config.datasets["orders"])
    assert loaded.frame["order_id"].to_list() == ["006A1", "006A2"]
    assert loaded.invalid == {}
    assert loaded.skipped_because == {"blank line": 3, "footer or note line": 2}
    assert (loaded.rows_read, loaded.rows_used, loaded.rows_skipped) == (7, 2, 5)


def test_overlapping_exports_are_deduplicated_by_id(project):
    project.file("exports/orders-1.csv", "id,cust,date,total\n1,c,2024-01-01,5\n2,c,2024-01-31,6\n")
    project.file("exports/orders-2.csv", "id,cust,date,total\n2,c,2024-01-31,7\n3,c,2024-02-01,8\n")
    loaded = _orders(project, None, path="exports/orders-*.csv")
    assert loaded.frame["amount"].to_list() == [5.0, 7.0, 8.0]  # the later export's row 2 wins
    assert loaded.skipped_because == {"duplicate id (the last row was kept)": 1}
    kept_all = _orders(project, None, path="exports/orders-*.csv", extra="deduplicate: false")
    assert kept_all.frame.height == 4


def test_mixed_currencies_are_an_error(project):
    with pytest.raises(DataError) as caught:
        _orders(project, 'id,cust,date,total\n1,c,2024-01-01,$5\n2,c,2024-01-02,€6\n')
    assert caught.value.message == "datasets.orders: crmctl never adds amounts in different currencies"
    assert caught.value.problems == ["'total' (amount) mixes currency symbols: $, €"]


def test_a_currency_column_with_several_values_needs_a_where(project):
    project.file("o.csv", "id,cust,date,total,cur\n1,c,2024-01-01,5,USD\n2,c,2024-01-02,6,EUR\n")
    base = ORDERS.format(path="o.csv", ordered_at="date", amount="total", extra="") + "      currency: cur\n"
    with pytest.raises(DataError) as caught:
        config = project.load(base)
        load_dataset(config.datasets["orders"])
    assert caught.value.problems == ["the currency column has several values: eur, usd; keep one with "
                                     "where: {currency: [eur]}"]
    config = project.load(base + "    where: {currency: [usd]}\n")
    assert load_dataset(config.datasets["orders"]).frame["amount"].to_list() == [5.0]


def test_spreadsheet_errors_are_invalid_in_any_column(project):
    loaded = _orders(project, "id,cust,date,total\n1,#REF!,2024-01-01,5\n2,c,2024-01-02,#DIV/0!\n3,c,2024-01-03,7\n",
                     extra="max_invalid_ratio: 0.5")
    assert loaded.invalid["customer_id"].examples[0][1:] == (2, "#REF!")
    assert loaded.invalid["amount"].examples[0][1:] == (3, "#DIV/0!")
    assert loaded.frame["order_id"].to_list() == ["3"]


def test_globbed_files_with_different_columns_warn(project):
    project.file("x/orders-1.csv", "id,cust,date,total\n1,c,2024-01-01,1\n")
    project.file("x/orders-2.csv", "id,cust,date,total,extra\n2,c,2024-02-01,2,x\n")
    loaded = _orders(project, None, path="x/orders-*.csv")
    assert loaded.warnings == ["2 files disagree on their columns; read as one dataset, columns united by name "
                               "(cells a file lacks are empty)"]


def test_short_rows_keep_their_columns(project):
    loaded = _orders(project, "id,cust,date,total,note\n1,c,2024-01-01,5\n", extra="")
    assert loaded.frame.row(0) == ("1", "c", __import__("datetime").datetime(2024, 1, 1), 5.0)


@pytest.mark.parametrize("name,payload,message", [
    ("orders.csv", b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", "contains NUL bytes: it is binary, not CSV"),
    ("orders.xlsx", b"PK\x03\x04", "spreadsheet files are not read directly; save the sheet as CSV (UTF-8)"),
    ("orders.csv", b"", "the file is empty (not even a header row)"),
])
def test_files_that_are_not_csv(project, name, payload, message):
    (project.root / name).write_bytes(payload)
    with pytest.raises(DataError, match=re.escape(message)):
        _orders(project, None, path=name)


def test_a_mapped_column_that_appears_twice_is_an_error(project):
    with pytest.raises(DataError) as caught:
        _orders(project, "id,cust,date,total,Total\n1,c,2024-01-01,5,6\n")
    assert caught.value.problems == ["column 'total' (for amount) appears 2 times in the header"]


def test_one_export_column_can_feed_two_fields(project):
    # Stripe's ended_at is also the term end when no current_period_end is exported.
    project.file("subs.csv", "id,cust,start,end\ns1,c,01/31/2024,02/29/2024\n")
    config = project.load("""
        datasets:
          subscriptions:
            path: subs.csv
            columns: {subscription_id: id, customer_id: cust, started_at: start, ended_at: end, term_end_at: end}
    """)
    frame = load_dataset(config.datasets["subscriptions"]).frame
    assert frame["ended_at"].to_list() == frame["term_end_at"].to_list() == [dt.datetime(2024, 2, 29)]


def test_every_scan_runs_on_the_streaming_engine():
    # An expression the streaming engine lacks (replace() did) makes Polars read whole columns into
    # memory first: 2.3 GB instead of 0.9 GB for one export at 1M customers. Polars marks such nodes
    # as an "in-memory engine fallback" in the physical plan.
    from conftest import SAMPLE_CONFIG

    from crmctl.config import load_config
    from crmctl.read.load import resolve_files
    from crmctl.read.scan import FileScan, scan_file
    from crmctl.read.sniff import sniff

    config = load_config(SAMPLE_CONFIG)
    for name, spec in config.datasets.items():
        columns = list(spec.columns.values())
        for index, path in enumerate(resolve_files(spec)):
            shape = sniff(path, spec.delimiter, spec.encoding)
            plan = scan_file(FileScan(spec, tuple(columns), shape, shape.path, index))
            graph = plan.show_graph(engine="streaming", plan_stage="physical", raw_output=True)
            fallbacks = [line for line in graph.splitlines() if 'fillcolor="0.0 0.3 1.0"' in line]
            assert not fallbacks, f"{name}: {fallbacks}"


def test_ids_that_excel_turned_into_scientific_notation_are_invalid(project):
    rows = "".join(f"{i},c{i},2024-01-01,1\n" for i in range(1, 200))
    loaded = _orders(project, "id,cust,date,total\n" + rows + "200,1.23457E+15,2024-01-01,1\n201,E+Co,2024-01-01,1\n")
    assert loaded.invalid["customer_id"].count == 1
    assert loaded.invalid["customer_id"].examples == [(str(project.root / "orders.csv"), 201, "1.23457E+15")]
    assert "E+Co" in loaded.frame["customer_id"].to_list()
