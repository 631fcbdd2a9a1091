"""Parquet where Polars finds it: object storage (s3://, gs://, az://, https://) and Hive-partitioned folders.

Polars' own readers do the work, so there is no second reading road: a remote URL or a folder is one
source that `pl.scan_parquet` expands (globs, `key=value/` partition folders become columns) and the
held road scans like any Parquet export. Credentials and endpoints come from the environment as Polars
reads them (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_ENDPOINT_URL, …; docs/reading.md).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from crmctl.config.source import is_remote, redact
from crmctl.errors import DataError
from crmctl.read.sniff import FileShape


def is_parquet_dataset(path) -> bool:
    """A source Polars expands itself: an object-store URL, or a local folder of (partitioned) Parquet."""
    return is_remote(path) or Path(path).is_dir()


def parquet_scan(source) -> pl.LazyFrame:
    """A Parquet file, or a dataset of them whose `key=value/` folders become columns (Hive partitioning)."""
    return pl.scan_parquet(source, hive_partitioning=True) if is_parquet_dataset(source) else pl.scan_parquet(source)


def dataset_shape(path) -> FileShape:
    """The columns of a remote or partitioned Parquet dataset (partition keys included), from its metadata."""
    shown = redact(str(path))
    if is_remote(path) and not str(path).rstrip("/").lower().endswith(".parquet") and "*" not in str(path):
        if "." in str(path).rsplit("/", 1)[-1]:
            raise DataError(f"{shown}: only Parquet is read from object storage (a .parquet file, a glob of "
                            "them or a folder); copy other files to a local disk and map them there")
    try:
        names = tuple(parquet_scan(path).collect_schema().names())
    except Exception as exc:  # Polars raises several types: missing object, no credentials, not Parquet
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if "expanded paths were empty" in first:
            raise DataError(f"{shown}: no Parquet file matches") from None
        raise DataError(f"{shown}: cannot read the Parquet dataset: {redact(first)} (credentials and endpoint "
                        "come from AWS_* / GOOGLE_* / AZURE_* variables, docs/reading.md)") from None
    if not names:
        raise DataError(f"{shown}: no Parquet file found there")
    return FileShape(path, "parquet", header=names)
