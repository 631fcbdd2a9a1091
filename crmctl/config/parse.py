"""YAML mapping → a validated Config.

Metric names are checked where a report is planned (crmctl.metrics.catalogue.check_metric_names):
the parser knows the config's keys, not the metric catalogue, so imports point one way.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from types import MappingProxyType

from crmctl.config.model import (
    COLUMN_KEYS, DATASET_KEYS, DEFAULT_NULLS, TOP_KEYS, WEEKDAYS, Column, Config,
    DatasetSpec,
)
from crmctl.config.problems import Problems
from crmctl.config.report import parse_report
from crmctl.config.risk import parse_risk
from crmctl.config.source import is_remote, parse_source
from crmctl.config.history import parse_history
from crmctl.config.custom_metrics import parse_custom_metrics
from crmctl.domain.datasets import ALTERNATE_KEYS, CANONICAL, KINDS, ROW_ID, WHITESPACE
from crmctl.errors import ConfigError, did_you_mean
from crmctl.config.definitions import KNOBS
from crmctl.config.targets import parse_benchmarks, parse_targets
from crmctl.domain.units import UNITS


def parse_config(raw, path: Path) -> Config:
    problems = Problems()
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: the config must be a mapping of keys (version, datasets, report, …)")
    problems.unknown_keys("", raw, TOP_KEYS)
    if raw.get("version", 1) != 1:
        problems.add("version", f"unsupported version {raw.get('version')!r}; this crmctl reads version 1")
    # Sections are read in the order they usually appear in a file, so problems read top-down.
    timezone = _timezone(raw.get("timezone", "UTC"), problems)
    week_start = problems.choice("week_start", raw.get("week_start", "monday"), WEEKDAYS) or "monday"
    fiscal_month = _month(raw.get("fiscal_year_start_month", 1), problems)
    currency = problems.typed("currency", raw.get("currency", ""), str, "a currency code such as EUR") or None
    datasets = {name: replace(spec, timezone=timezone)
                for name, spec in _datasets(raw.get("datasets") or {}, path.resolve().parent, problems).items()}
    _alternate_keys_held(datasets, problems)
    config = Config(
        path=path,
        timezone=timezone,
        week_start=week_start,
        fiscal_year_start_month=fiscal_month,
        currency=currency,
        datasets=MappingProxyType(datasets),
        report=parse_report(raw.get("report") or {}, problems),
        definitions=MappingProxyType(_definitions(raw.get("definitions") or {}, problems)),
        targets=MappingProxyType(parse_targets(raw.get("targets") or {}, problems)),
        custom_metrics=MappingProxyType(parse_custom_metrics(raw.get("custom_metrics") or {}, problems, UNITS)),
        benchmarks=MappingProxyType(parse_benchmarks(raw.get("benchmarks") or {}, problems)),
        risk=parse_risk(raw.get("risk"), problems),
        history=parse_history(raw.get("history"), path.resolve().parent, problems),
    )
    if problems:
        raise ConfigError(f"{path}: {len(problems)} problem{'s' if len(problems) > 1 else ''} in the config", problems)
    return config


def _timezone(value, problems: Problems) -> str:
    if problems.typed("timezone", value, str, "an IANA zone name such as Europe/Berlin") is None:
        return "UTC"
    from zoneinfo import ZoneInfo, available_timezones

    try:
        ZoneInfo(value)
    except Exception:
        problems.add("timezone", f"unknown time zone {value!r}{did_you_mean(value, available_timezones())}")
        return "UTC"
    return value


def _month(value, problems: Problems) -> int:
    if problems.typed("fiscal_year_start_month", value, int, "a month number 1-12") is None:
        return 1
    if not 1 <= value <= 12:
        problems.add("fiscal_year_start_month", f"{value} is not a month number 1-12")
        return 1
    return value


def _datasets(raw, base: Path, problems: Problems) -> dict[str, DatasetSpec]:
    if problems.typed("datasets", raw, dict, "a mapping of dataset name to its file and columns") is None:
        return {}
    specs = {}
    for name, body in raw.items():
        key = f"datasets.{name}"
        if name not in CANONICAL:
            problems.add(key, f"unknown dataset{did_you_mean(str(name), CANONICAL)} (one of {', '.join(CANONICAL)})")
            continue
        if problems.typed(key, body, dict, "a mapping with path and columns") is None:
            continue
        problems.unknown_keys(key, body, DATASET_KEYS)
        spec = _dataset(name, body, base, problems)
        if spec:
            specs[name] = spec
    return specs


def _dataset(name: str, body: dict, base: Path, problems: Problems) -> DatasetSpec | None:
    key = f"datasets.{name}"
    path, source = body.get("path"), None
    if "source" in body:
        source = parse_source(f"{key}.source", body["source"], base, problems)
        if path is not None:
            problems.add(key, "give path (files) or source (a database), not both")
        path = "" if source else None
    elif path is None:
        problems.add(f"{key}.path", "missing: the export file (relative to the config file; globs allowed), "
                                    "or source: a database table")
    elif problems.typed(f"{key}.path", path, (str, list), "a file path, glob or list of them") is None:
        path = None
    columns = _columns(name, body.get("columns"), problems)
    where = _where(name, body.get("where") or {}, columns, problems)
    delimiter = body.get("delimiter")
    if delimiter is not None and not _delimiter(delimiter):
        problems.add(f"{key}.delimiter", f"expected one character such as ',' ';' or '\\t', or {WHITESPACE} "
                                         f"(runs of spaces and tabs), got {delimiter!r}")
    header = problems.typed(f"{key}.header", body.get("header", True), bool, "true or false (no header row)")
    encoding = body.get("encoding")
    if encoding is not None:
        import codecs

        try:
            codecs.lookup(str(encoding))
        except LookupError:
            problems.add(f"{key}.encoding", f"unknown encoding {encoding!r} (e.g. utf-8, cp1252, latin-1, utf-16)")
            encoding = None
    nulls = body.get("null_values", list(DEFAULT_NULLS))
    if problems.typed(f"{key}.null_values", nulls, list, "a list of strings that mean 'no value'") is None:
        nulls = list(DEFAULT_NULLS)
    ratio = body.get("max_invalid_ratio", 0.01)
    if problems.typed(f"{key}.max_invalid_ratio", ratio, (int, float), "a fraction 0-1") is None or not 0 <= ratio <= 1:
        ratio = 0.01
    if path is None or columns is None:
        return None
    patterns = [] if source else [path] if isinstance(path, str) else [str(p) for p in path]
    return DatasetSpec(
        name=name,
        path=source.shown if source else ", ".join(patterns),
        paths=tuple(_pattern(base, p) for p in patterns),
        source=source,
        columns=MappingProxyType(columns),
        where=MappingProxyType(where),
        delimiter=delimiter if _delimiter(delimiter) else None,
        header=header is not False,
        null_values=tuple(str(n) for n in nulls),
        max_invalid_ratio=float(ratio),
        encoding=str(encoding) if encoding else None,
        # A generated id is unique by construction: repeated rows cannot be told from repeated purchases.
        deduplicate=problems.typed(f"{key}.deduplicate", body.get("deduplicate", True), bool, "true or false")
        is not False and not any(c.column == ROW_ID for c in columns.values()),
    )


def _pattern(base: Path, pattern: str) -> Path | str:
    """A file pattern made absolute; an object-store URL (s3://, gs://, az://, https://) kept as written."""
    return pattern if is_remote(pattern) else base / pattern


def _delimiter(value) -> bool:
    return isinstance(value, str) and (len(value) == 1 or value == WHITESPACE)


def _columns(dataset: str, raw, problems: Problems) -> dict[str, Column] | None:
    key = f"datasets.{dataset}.columns"
    if raw is None:
        problems.add(key, "missing: map canonical fields to the export's column names")
        return None
    if problems.typed(key, raw, dict, "a mapping of canonical field to column name") is None:
        return None
    canonical = CANONICAL[dataset]
    columns = {}
    for fieldname, spec in raw.items():
        column = _column(dataset, str(fieldname), spec, problems)
        if column:
            columns[column.field] = column
    for fieldname in canonical.generated:
        columns.setdefault(fieldname, Column(fieldname, ROW_ID, canonical.kind(fieldname)))
    provided = canonical.provided(raw)
    for required in canonical.required:
        if required not in provided:
            problems.add(f"{key}.{required}",
                         f"missing: {dataset} needs the field {required}{_or_alternates(required)}")
    return columns


def _or_alternates(required: str) -> str:
    if required != "customer_id":
        return ""
    return f", or another key of the customer that customers also maps ({' or '.join(ALTERNATE_KEYS)})"


def _alternate_keys_held(specs: dict[str, DatasetSpec], problems: Problems) -> None:
    """A dataset that names customers by another key is translated through customers, which must map it too."""
    held = set(specs["customers"].columns) if "customers" in specs else set()
    for name, spec in specs.items():
        if name == "customers" or "customer_id" in spec.columns:
            continue  # customer_id wins; an alternate key next to it is not needed
        for alternate, key in ALTERNATE_KEYS.items():
            if alternate in spec.columns and key not in held:
                where = "datasets.customers.columns" if "customers" in specs else "a customers dataset"
                problems.add(f"datasets.{name}.columns.{alternate}",
                             f"customers must map {key} to translate {alternate} into customer ids "
                             f"(add {key}: <column> under {where})")


def _column(dataset: str, fieldname: str, spec, problems: Problems) -> Column | None:
    key = f"datasets.{dataset}.columns.{fieldname}"
    kind = CANONICAL[dataset].kind(fieldname)
    if isinstance(spec, str):
        return Column(fieldname, spec, kind)
    if problems.typed(key, spec, dict, "a column name or a mapping with column, format, values …") is None:
        return None
    problems.unknown_keys(key, spec, COLUMN_KEYS)
    column = spec.get("column")
    if problems.typed(f"{key}.column", column, str, "the export's column name") is None:
        return None
    fmt = spec.get("format")
    if fmt is not None and problems.typed(f"{key}.format", fmt, str, "a strftime format such as %Y-%m-%d") is None:
        fmt = None
    kind = spec.get("type", kind)
    if kind not in KINDS:
        problems.add(f"{key}.type", f"{kind!r} is not one of {', '.join(KINDS)}{did_you_mean(str(kind), KINDS)}")
        kind = "text"
    values = spec.get("values") or {}
    if problems.typed(f"{key}.values", values, dict, "a mapping of export value to canonical value") is None:
        values = {}
    decimal_comma = spec.get("decimal_comma", False)
    if problems.typed(f"{key}.decimal_comma", decimal_comma, bool, "true or false") is None:
        decimal_comma = False
    return Column(
        fieldname, column, kind, fmt,
        MappingProxyType({_text(k): _text(v) for k, v in values.items()}),
        decimal_comma, _scale(key, spec.get("scale"), kind, problems),
    )


def _scale(key: str, value, kind: str, problems: Problems) -> float | None:
    """A positive factor for a number column: amounts in cents read with scale 0.01."""
    if value is None or problems.typed(f"{key}.scale", value, (int, float), "a number such as 0.01") is None:
        return None
    if kind != "number":
        problems.add(f"{key}.scale", f"only number fields can be scaled; this field is {kind} "
                                     "(remove scale, or set type: number if the column holds amounts)")
        return None
    if not 0 < value < float("inf"):
        problems.add(f"{key}.scale", f"must be a positive number, e.g. 0.01 for amounts in cents; got {value!r}")
        return None
    return None if value == 1 else float(value)


def _text(value) -> str:
    """YAML scalars as the user meant them: `true` → "true", 1 → "1"."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _where(dataset: str, raw, columns: dict | None, problems: Problems) -> dict[str, tuple[str, ...]]:
    key = f"datasets.{dataset}.where"
    if problems.typed(key, raw, dict, "a mapping of field to the list of values to keep") is None:
        return {}
    where = {}
    for fieldname, allowed in raw.items():
        if columns is not None and fieldname not in columns:
            problems.add(f"{key}.{fieldname}", f"not a mapped column{did_you_mean(str(fieldname), columns)}")
            continue
        allowed = allowed if isinstance(allowed, list) else [allowed]
        where[fieldname] = tuple(_text(v) for v in allowed)
    return where


def _kind_name(knob) -> str:
    # A knob without a default (None) still names the type it expects.
    return type(knob.default).__name__ if knob.default is not None else "number"


def _definitions(raw, problems: Problems) -> dict:
    if problems.typed("definitions", raw, dict, "a mapping of definition knobs") is None:
        return {}
    problems.unknown_keys("definitions", raw, KNOBS)
    out = {}
    for name, value in raw.items():
        if name in KNOBS and problems.typed(f"definitions.{name}", value, KNOBS[name].kind,
                                             _kind_name(KNOBS[name])) is not None:
            if KNOBS[name].choices and problems.choice(f"definitions.{name}", value, KNOBS[name].choices) is None:
                continue
            out[name] = value
    return out
