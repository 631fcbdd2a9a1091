"""Partitioned Parquet, in a local folder and in object storage (a real S3 server from moto, on 127.0.0.1):
Polars' own readers expand it, and the report is the one the same rows give as one CSV."""

from __future__ import annotations

import io
import logging
import socket

import polars as pl
import pytest

from conftest import ROOT

CONFIG = """
version: 1
datasets:
  orders:
    path: {path}
    columns: {{order_id: Order Number, customer_id: Contact ID, ordered_at: Order Date, amount: Total Amount,
              status: Status}}
    where: {{status: [paid, completed]}}
"""
REPORT = ["report", "--format", "csv", "--from", "2024-01-01", "--to", "2024-12-31",
          "--metrics", "revenue,orders,average_order_value"]


def orders() -> pl.DataFrame:
    return pl.read_csv(ROOT / "sample_data" / "orders.csv", infer_schema=False).drop("Cost", "Currency")


def partitions() -> dict[str, bytes]:
    """The orders as Hive partitions by status: the Status column lives in the folder names only."""
    parts = {}
    for (status,), part in orders().partition_by("Status", as_dict=True).items():
        buffer = io.BytesIO()
        part.drop("Status").write_parquet(buffer)
        parts[f"Status={status}/part-0.parquet"] = buffer.getvalue()
    return parts


@pytest.fixture
def s3(monkeypatch):
    """A local S3 server with the partitioned orders in s3://crm/orders/; Polars finds it through AWS_*."""
    pytest.importorskip("moto")
    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1",
                        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "AWS_ALLOW_HTTP": "true"}.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("s3")
    client.create_bucket(Bucket="crm")
    for key, body in partitions().items():
        client.put_object(Bucket="crm", Key=f"orders/{key}", Body=body)
    yield "s3://crm/orders/"
    server.stop()


def report(project, cli, path: str) -> str:
    project.file("crmctl.yaml", CONFIG.format(path=path))
    result = cli(*REPORT, "-c", str(project.root / "crmctl.yaml"))
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_partitioned_parquet_locally_and_on_s3_reports_as_the_csv_does(project, cli, s3):
    orders().write_csv(project.root / "orders.csv")
    for key, body in partitions().items():
        (project.root / "parts" / key).parent.mkdir(parents=True)
        (project.root / "parts" / key).write_bytes(body)
    expected = report(project, cli, "orders.csv")
    assert expected.count("\n") == 1 + 12 * 3  # header, then 12 months of 3 metrics
    assert report(project, cli, "parts/") == expected
    assert report(project, cli, s3) == expected
    assert report(project, cli, "s3://crm/orders/**/*.parquet") == expected


def test_an_empty_prefix_says_nothing_matches(project, cli, s3):
    project.file("crmctl.yaml", CONFIG.format(path="s3://crm/nothing/*.parquet"))
    result = cli(*REPORT, "-c", str(project.root / "crmctl.yaml"))
    assert result.exit_code == 4
    assert "s3://crm/nothing/*.parquet: no Parquet file matches" in result.stderr


def test_a_remote_csv_is_refused_with_the_fix(project, cli):
    project.file("crmctl.yaml", CONFIG.format(path="s3://crm/exports/orders.csv"))
    result = cli(*REPORT, "-c", str(project.root / "crmctl.yaml"))
    assert result.exit_code == 4
    assert "s3://crm/exports/orders.csv: only Parquet is read from object storage" in result.stderr
