"""Which config file to use, and reading it."""

from __future__ import annotations

import os
from pathlib import Path

from crmctl.config.model import Config
from crmctl.config.parse import parse_config
from crmctl.errors import ConfigError
from crmctl.config.yaml_reader import load_yaml


def load_config(path: str | os.PathLike) -> Config:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found (create one with `crmctl init`, or pass --config)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc}") from None
    return parse_config(load_yaml(text, str(path)), path)


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
    package = Path(__file__).resolve().parent.parent
    installed = package / "_bundled" / "config.example.yaml"  # inside a wheel
    return installed if installed.exists() else package.parent / "config.example.yaml"  # source checkout
