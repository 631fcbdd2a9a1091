"""The config: discovery (files), YAML → validated objects (parse), the objects themselves (model)."""

from crmctl.config.files import bundled_config, find_config, load_config
from crmctl.config.model import (
    COLUMN_KEYS, COMPARE, DATASET_KEYS, DEFAULT_NULLS, PERIODS, REPORT_KEYS, TOP_KEYS, WEEKDAYS, Column, Config,
    DatasetSpec, ReportSpec,
)
from crmctl.config.parse import parse_config
from crmctl.config.targets import TARGET_KEYS

__all__ = [
    "COLUMN_KEYS", "COMPARE", "DATASET_KEYS", "DEFAULT_NULLS", "PERIODS", "REPORT_KEYS", "TARGET_KEYS", "TOP_KEYS",
    "WEEKDAYS", "Column", "Config", "DatasetSpec", "ReportSpec", "bundled_config", "find_config", "load_config",
    "parse_config",
]
