"""Config file → validated, frozen objects. Every problem is collected and reported at once."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from crmctl.datasets import CANONICAL, KINDS
from crmctl.errors import ConfigError, did_you_mean
from crmctl.knobs import KNOBS
from crmctl.targets import TARGET_KEYS, Target, parse_benchmarks, parse_targets  # noqa: F401  (docs test)
from crmctl.yamlio import load_yaml

PERIODS = ("day", "week", "month", "quarter", "year", "all")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
COMPARE = ("previous", "year")
DEFAULT_NULLS = ("", "NA", "N/A", "#N/A", "null", "NULL", "None", "-")

TOP_KEYS = ("version", "timezone", "week_start", "fiscal_year_start_month", "currency", "datasets", "report",
            "definitions", "targets", "benchmarks", "custom_metrics")
DATASET_KEYS = ("path", "columns", "where", "delimiter", "encoding", "null_values", "max_invalid_ratio",
                "deduplicate")
COLUMN_KEYS = ("column", "format", "values", "decimal_comma", "type")
REPORT_KEYS = ("period", "by", "metrics", "family", "from", "to", "last", "compare")


@dataclass(frozen=True)
class Column:
    field: str
    column: str
    kind: str
    format: str | None = None
    values: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    decimal_comma: bool = False


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    path: str  # as written, relative to the config file
    paths: tuple[Path, ...]  # absolute patterns (may be globs)
    columns: Mapping[str, Column]
    where: Mapping[str, tuple[str, ...]]
    delimiter: str | None = None
    null_values: tuple[str, ...] = DEFAULT_NULLS
    max_invalid_ratio: float = 0.01
    encoding: str | None = None  # None: UTF-8 (with or without BOM)
    deduplicate: bool = True  # rows repeating an id (overlapping exports): keep the last


@dataclass(frozen=True)
class ReportSpec:
    period: str = "month"
    by: tuple[str, ...] = ()
    metrics: tuple[str, ...] = ()
    family: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    last: str | None = None
    compare: str | None = None


@dataclass(frozen=True)
class Config:
    path: Path
    timezone: str = "UTC"
    week_start: str = "monday"
    fiscal_year_start_month: int = 1
    currency: str | None = None
    datasets: Mapping[str, DatasetSpec] = field(default_factory=lambda: MappingProxyType({}))
    report: ReportSpec = ReportSpec()
    definitions: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    targets: Mapping[str, Target] = field(default_factory=lambda: MappingProxyType({}))
    custom_metrics: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))  # name -> CustomSpec
    benchmarks: Mapping[str, Mapping[str, float]] = field(default_factory=lambda: MappingProxyType({}))

    def knob(self, name: str):
        return self.definitions.get(name, KNOBS[name].default)

    def dimensions(self, dataset: str) -> list[str]:
        """The mapped free-text fields of a dataset: what --by can split its metrics by."""
        spec = self.datasets.get(dataset)
        if spec is None:
            return []
        return [f for f, c in spec.columns.items() if c.kind == "text" and CANONICAL[dataset].kind(f) == "text"]


class _Problems(list):
    """Collects `key.path: message` lines so a config reports everything wrong in one run."""

    def add(self, path: str, message: str) -> None:
        self.append(f"{path}: {message}")

    def unknown_keys(self, path: str, mapping: dict, allowed) -> None:
        for key in mapping:
            if key not in allowed:
                self.add(f"{path}.{key}" if path else str(key), f"unknown key{did_you_mean(str(key), allowed)}")

    def typed(self, path: str, value, kinds, label: str):
        if isinstance(value, bool) and bool not in _as_tuple(kinds):
            self.add(path, f"expected {label}, got {value!r}")
            return None
        if not isinstance(value, kinds):
            self.add(path, f"expected {label}, got {type(value).__name__} {value!r}")
            return None
        return value

    def entries(self, path: str, raw, what: str, entry_what: str) -> list[tuple[str, dict, str]]:
        """(name, body, key path) of a section mapping names to mappings; anything else is a problem."""
        if self.typed(path, raw, dict, what) is None:
            return []
        return [(str(name), body, f"{path}.{name}") for name, body in raw.items()
                if self.typed(f"{path}.{name}", body, dict, entry_what) is not None]

    def choice(self, path: str, value, choices) -> str | None:
        if value not in choices:
            self.add(path, f"{value!r} is not one of {', '.join(choices)}{did_you_mean(str(value), choices)}")
            return None
        return value


def _as_tuple(kinds) -> tuple:
    return kinds if isinstance(kinds, tuple) else (kinds,)


def load_config(path: str | os.PathLike) -> Config:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found (create one with `crmctl init`, or pass --config)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc}") from None
    return parse_config(load_yaml(text, str(path)), path)


def parse_config(raw, path: Path) -> Config:
    problems = _Problems()
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
    datasets = _datasets(raw.get("datasets") or {}, path.resolve().parent, problems)
    config = Config(
        path=path,
        timezone=timezone,
        week_start=week_start,
        fiscal_year_start_month=fiscal_month,
        currency=currency,
        datasets=MappingProxyType(datasets),
        report=_report(raw.get("report") or {}, problems),
        definitions=MappingProxyType(_definitions(raw.get("definitions") or {}, problems)),
        targets=MappingProxyType(parse_targets(raw.get("targets") or {}, problems)),
        custom_metrics=MappingProxyType(_custom(raw.get("custom_metrics") or {}, problems)),
        benchmarks=MappingProxyType(parse_benchmarks(raw.get("benchmarks") or {}, problems)),
    )
    _check_metric_names(config, problems)
    if problems:
        raise ConfigError(f"{path}: {len(problems)} problem{'s' if len(problems) > 1 else ''} in the config", problems)
    return config


def _timezone(value, problems: _Problems) -> str:
    if problems.typed("timezone", value, str, "an IANA zone name such as Europe/Berlin") is None:
        return "UTC"
    from zoneinfo import ZoneInfo, available_timezones

    try:
        ZoneInfo(value)
    except Exception:
        problems.add("timezone", f"unknown time zone {value!r}{did_you_mean(value, available_timezones())}")
        return "UTC"
    return value


def _month(value, problems: _Problems) -> int:
    if problems.typed("fiscal_year_start_month", value, int, "a month number 1-12") is None:
        return 1
    if not 1 <= value <= 12:
        problems.add("fiscal_year_start_month", f"{value} is not a month number 1-12")
        return 1
    return value


def _datasets(raw, base: Path, problems: _Problems) -> dict[str, DatasetSpec]:
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


def _dataset(name: str, body: dict, base: Path, problems: _Problems) -> DatasetSpec | None:
    key = f"datasets.{name}"
    path = body.get("path")
    if path is None:
        problems.add(f"{key}.path", "missing: the export file (relative to the config file; globs allowed)")
    elif problems.typed(f"{key}.path", path, (str, list), "a file path, glob or list of them") is None:
        path = None
    columns = _columns(name, body.get("columns"), problems)
    where = _where(name, body.get("where") or {}, columns, problems)
    delimiter = body.get("delimiter")
    if delimiter is not None and (not isinstance(delimiter, str) or len(delimiter) != 1):
        problems.add(f"{key}.delimiter", f"expected one character such as ',' ';' or '\\t', got {delimiter!r}")
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
    patterns = [path] if isinstance(path, str) else [str(p) for p in path]
    return DatasetSpec(
        name=name,
        path=", ".join(patterns),
        paths=tuple((base / p) for p in patterns),
        columns=MappingProxyType(columns),
        where=MappingProxyType(where),
        delimiter=delimiter if isinstance(delimiter, str) and len(delimiter) == 1 else None,
        null_values=tuple(str(n) for n in nulls),
        max_invalid_ratio=float(ratio),
        encoding=str(encoding) if encoding else None,
        deduplicate=problems.typed(f"{key}.deduplicate", body.get("deduplicate", True), bool, "true or false")
        is not False,
    )


def _columns(dataset: str, raw, problems: _Problems) -> dict[str, Column] | None:
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
    provided = canonical.provided(raw)
    for required in canonical.required:
        if required not in provided:
            problems.add(f"{key}.{required}", f"missing: {dataset} needs the field {required}")
    return columns


def _column(dataset: str, fieldname: str, spec, problems: _Problems) -> Column | None:
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
        decimal_comma,
    )


def _text(value) -> str:
    """YAML scalars as the user meant them: `true` → "true", 1 → "1"."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _where(dataset: str, raw, columns: dict | None, problems: _Problems) -> dict[str, tuple[str, ...]]:
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


def _report(raw, problems: _Problems) -> ReportSpec:
    if problems.typed("report", raw, dict, "a mapping of report options") is None:
        return ReportSpec()
    problems.unknown_keys("report", raw, REPORT_KEYS)
    by = raw.get("by", [])
    by = [by] if isinstance(by, str) else by
    metrics = raw.get("metrics", [])
    metrics = [metrics] if isinstance(metrics, str) else metrics
    return ReportSpec(
        period=problems.choice("report.period", raw.get("period", "month"), PERIODS) or "month",
        by=tuple(problems.typed("report.by", by, list, "a list of dimension names") or ()),
        metrics=tuple(problems.typed("report.metrics", metrics, list, "a list of metric names") or ()),
        family=raw.get("family"),
        start=_date(raw.get("from"), "report.from", problems),
        end=_date(raw.get("to"), "report.to", problems),
        last=raw.get("last"),
        compare=problems.choice("report.compare", raw["compare"], COMPARE) if raw.get("compare") else None,
    )


def _date(value, path: str, problems: _Problems) -> dt.date | None:
    """Dates work whether YAML parsed them (2024-01-01) or they were quoted ('2024-01-01')."""
    if value is None or isinstance(value, dt.date):
        return value.date() if isinstance(value, dt.datetime) else value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        problems.add(path, f"{value!r} is not a date like 2024-01-31")
        return None


def _definitions(raw, problems: _Problems) -> dict:
    if problems.typed("definitions", raw, dict, "a mapping of definition knobs") is None:
        return {}
    problems.unknown_keys("definitions", raw, KNOBS)
    out = {}
    for name, value in raw.items():
        if name in KNOBS and problems.typed(f"definitions.{name}", value, KNOBS[name].kind,
                                             type(KNOBS[name].default).__name__) is not None:
            if KNOBS[name].choices and problems.choice(f"definitions.{name}", value, KNOBS[name].choices) is None:
                continue
            out[name] = value
    return out


def _custom(raw, problems: _Problems) -> dict:
    from crmctl.custom import parse_custom_metrics
    from crmctl.metrics.catalogue import METRIC_NAMES
    from crmctl.metrics.registry import UNITS

    return parse_custom_metrics(raw, problems, METRIC_NAMES, UNITS)


def _check_metric_names(config: Config, problems: _Problems) -> None:
    from crmctl.metrics.catalogue import FAMILIES
    from crmctl.metrics.catalogue import METRIC_NAMES as BUILT_IN

    METRIC_NAMES = (*BUILT_IN, *config.custom_metrics)
    for name in config.report.metrics:
        if name not in METRIC_NAMES:
            problems.add("report.metrics", f"unknown metric {name!r}{did_you_mean(str(name), METRIC_NAMES)}")
    for section, names in (("targets", config.targets), ("benchmarks", config.benchmarks)):
        for name in names:
            if name not in METRIC_NAMES:
                problems.add(f"{section}.{name}", f"unknown metric{did_you_mean(str(name), METRIC_NAMES)}")
    family = config.report.family
    families = (*FAMILIES, "custom") if config.custom_metrics else FAMILIES
    if family is not None and family not in families:
        problems.add("report.family", f"unknown family {family!r}{did_you_mean(str(family), families)}")


def find_config(explicit: str | os.PathLike | None) -> tuple[Path, str | None]:
    """The config to use and, when falling back to the bundled sample, a note to show on stderr.

    Order: --config, ./crmctl.yaml, $CRMCTL_CONFIG, the bundled sample config.
    """
    if explicit:
        return Path(explicit), None
    local = Path("crmctl.yaml")
    if local.exists():
        return local, None
    env = os.environ.get("CRMCTL_CONFIG")
    if env:
        return Path(env), None
    sample = bundled_config()
    return sample, f"note: no ./crmctl.yaml or $CRMCTL_CONFIG; using the bundled sample data ({sample})"


def bundled_config() -> Path:
    package = Path(__file__).resolve().parent
    installed = package / "_bundled" / "config.example.yaml"  # inside a wheel
    return installed if installed.exists() else package.parent / "config.example.yaml"  # source checkout
