"""One customer across exports: another system's key for a customer (an e-mail, a Shopify id) → customer_id.

A dataset that maps customer_email or customer_external_id, and not customer_id, gets customer_id by
looking its key up in customers, which maps email or external_id next to customer_id. E-mails are
compared normalised (surrounding space stripped, lower-cased); external ids as every id is compared
(trimmed, case kept: Salesforce ids are case-sensitive). With several keys mapped they are tried in the
order of ALTERNATE_KEYS, the first that finds a customer wins.

A key that no customer holds, or that several customers share, resolves to no customer: crmctl never
guesses. Such a row keeps customer_id empty where the dataset allows one (tickets, interactions: the
ticket still counts in ticket_volume, in no segment) and is skipped, and counted, where customer_id is
required (orders, subscriptions, surveys: their metrics are per customer, and an empty id would merge
every unmatched row into one customer).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field

import polars as pl

from crmctl.config import Config, DatasetSpec
from crmctl.domain.datasets import ALTERNATE_KEYS, CANONICAL
from crmctl.read.load import load_dataset, located
from crmctl.read.loaded import Loaded
from crmctl.read.scan import match_columns, raw_scan

EXAMPLES = 5


@dataclass
class Unresolved:
    """Rows of one dataset whose alternate keys found no single customer."""

    dataset: str
    keys: tuple[str, ...]  # the alternate keys tried, in order
    unmatched: int = 0  # rows whose key no customer holds
    ambiguous: int = 0  # rows whose key several customers share
    blank: int = 0  # rows with no key at all
    skipped: bool = False  # customer_id is required: the rows above were dropped
    unmatched_values: list[str] = field(default_factory=list)  # a few, normalised
    ambiguous_values: list[str] = field(default_factory=list)

    @property
    def by(self) -> str:
        return " or ".join(self.keys)

    @property
    def fate(self) -> str:
        return "skipped" if self.skipped else "kept in no segment"

    @property
    def skip_reasons(self) -> dict[str, int]:
        """Why rows were skipped (reason → rows), in the words of a dataset's skipped_because."""
        if not self.skipped:
            return {}
        reasons = {f"{self.by} missing": self.blank, f"no customer matches {self.by}": self.unmatched,
                   f"{self.by} shared by several customers": self.ambiguous}
        return {reason: count for reason, count in reasons.items() if count}

    def warnings(self) -> list[str]:
        out = []
        if self.unmatched:
            out.append(f"{self.unmatched} rows match no customer by {self.by} ({self.fate}; e.g. "
                       f"{', '.join(self.unmatched_values[:3])})")
        if self.ambiguous:
            out.append(f"{self.ambiguous} rows carry a {self.by} that several customers share, so they match no "
                       f"single customer ({self.fate}; e.g. {', '.join(self.ambiguous_values[:3])})")
        return out


def normalised(key: str, cells: pl.Expr) -> pl.Expr:
    """How a key compares: trimmed; e-mails also lower-cased (Ann@X.com is ann@x.com); blank is no key."""
    text = cells.cast(pl.String).str.strip_chars()
    if key in ("email", "customer_email"):
        text = text.str.to_lowercase()
    return pl.when(text != "").then(text)


def alternates(spec: DatasetSpec) -> tuple[str, ...]:
    """The alternate keys a dataset is translated by: none when it maps customer_id itself."""
    if spec.name == "customers" or "customer_id" in spec.columns:
        return ()
    return tuple(k for k in ALTERNATE_KEYS if k in spec.columns)


def fields_to_read(config: Config, fields: dict[str, set[str]]) -> dict[str, set[str]]:
    """The fields a report reads, widened so that every dataset needing customer_id can get it: its
    alternate keys, and customers' customer_id with the keys they translate through."""
    wanted = {name: set(names) for name, names in fields.items()}
    for name in list(wanted):
        keys = alternates(config.datasets[name])
        if keys and ("customer_id" in wanted[name] or "customer_id" in CANONICAL[name].required):
            wanted[name].update(keys)
            wanted.setdefault("customers", set()).update({"customer_id", *(ALTERNATE_KEYS[k] for k in keys)})
    return wanted


def load_resolved(config: Config, fields: dict[str, set[str]]) -> dict[str, Loaded]:
    """Each dataset's `fields` read once, widened by fields_to_read, and every dataset that names customers
    by another key given its customer_id: how every command but `report` (which shows progress) reads."""
    datasets = {name: load_dataset(config.datasets[name], names)
                for name, names in fields_to_read(config, fields).items()}
    resolve_customers(config, datasets)
    return datasets


def resolve_customers(config: Config, datasets: dict[str, Loaded]) -> list[Unresolved]:
    """Gives every loaded dataset that names customers by an alternate key its customer_id (in place), counts
    what found no customer in the dataset's warnings and skipped rows, and returns those counts."""
    out = []
    if "customers" not in datasets:  # validate found it unreadable and says so
        return out
    for name, loaded in datasets.items():
        keys = tuple(k for k in alternates(config.datasets[name]) if k in loaded.frame.columns)
        if not keys or "customer_id" in loaded.frame.columns:
            continue
        unresolved = _resolve(loaded, datasets["customers"].frame, keys)
        loaded.warnings.extend(unresolved.warnings())
        out.append(unresolved)
    return out


def directory(customers: pl.DataFrame, key: str) -> pl.DataFrame:
    """Each normalised key customers hold → `_id` (empty when several customers hold it) and `_holders`."""
    pairs = customers.select(_key=normalised(key, pl.col(key)), _id=pl.col("customer_id")).drop_nulls().unique()
    return pairs.group_by("_key").agg(_holders=pl.len(), _id=pl.col("_id").first()).with_columns(
        _id=pl.when(pl.col("_holders") == 1).then(pl.col("_id")))


def _resolve(loaded: Loaded, customers: pl.DataFrame, keys: tuple[str, ...]) -> Unresolved:
    frame = loaded.frame
    found, shared, present = pl.lit(None, pl.String), pl.lit(False), pl.lit(False)
    for index, key in enumerate(keys):
        people = directory(customers, ALTERNATE_KEYS[key]).rename(
            {"_key": f"_key{index}", "_id": f"_id{index}", "_holders": f"_holders{index}"})
        frame = frame.with_columns(normalised(key, pl.col(key)).alias(f"_key{index}")).join(
            people, on=f"_key{index}", how="left", maintain_order="left")
        found = pl.coalesce(found, pl.col(f"_id{index}"))
        shared = shared | (pl.col(f"_holders{index}") > 1).fill_null(False)
        present = present | pl.col(f"_key{index}").is_not_null()
    status = (pl.when(found.is_not_null()).then(pl.lit("matched")).when(shared).then(pl.lit("ambiguous"))
              .when(present).then(pl.lit("unmatched")).otherwise(pl.lit("blank")))
    frame = frame.with_columns(customer_id=found, _status=status, _shown=pl.coalesce(
        *(pl.col(f"_key{i}") for i in range(len(keys)))))
    result = _count(loaded.name, keys, frame)
    keep = pl.lit(True) if not result.skipped else pl.col("_status") == "matched"
    kept = frame.filter(keep).select(*loaded.frame.columns, "customer_id")
    _account(loaded, result, frame.height - kept.height)
    loaded.frame = kept
    return result


def _count(dataset: str, keys: tuple[str, ...], frame: pl.DataFrame) -> Unresolved:
    counts = dict(frame["_status"].value_counts().iter_rows())
    result = Unresolved(dataset, keys, counts.get("unmatched", 0), counts.get("ambiguous", 0), counts.get("blank", 0),
                        skipped="customer_id" in CANONICAL[dataset].required)
    for status, values in (("unmatched", result.unmatched_values), ("ambiguous", result.ambiguous_values)):
        shown = frame.filter(pl.col("_status") == status)["_shown"].unique(maintain_order=True).head(EXAMPLES)
        values.extend(shown.to_list())
    return result


def _account(loaded: Loaded, result: Unresolved, dropped: int) -> None:
    """Dropped rows join the dataset's skipped rows, with their reasons (as a missing customer_id would)."""
    if not dropped:
        return
    loaded.skipped_because.update(result.skip_reasons)
    # A wide survey row became several responses: the account counts export rows, so it stays as read.
    if not CANONICAL[loaded.name].wide:
        loaded.rows_skipped += dropped
        loaded.rows_used -= dropped


def locate(spec: DatasetSpec, key: str, values: list[str], limit: int = EXAMPLES) -> list[tuple[str, int, str]]:
    """(file, row, cell as written) of the first rows whose `key` normalises to one of `values`: the files are
    read again, as only a few examples are wanted and the loaded frame keeps no row numbers."""
    column = spec.columns[key]
    out: list[tuple[str, int, str]] = []
    with tempfile.TemporaryDirectory(prefix="crmctl-") as scratch:
        shapes, sources, _ = located(spec, [column], scratch)
        for shape, source in zip(shapes, sources):
            if len(out) >= limit:
                break
            path = shape.path
            name = match_columns(shape, spec, [column])[key]
            hits = (raw_scan(shape, source, spec).select("_row", _cell=pl.col(name).cast(pl.String))
                    .filter(normalised(key, pl.col("_cell")).is_in(values)).head(limit - len(out)).collect())
            out += [(str(path), row, cell) for row, cell in hits.iter_rows()]
    return out
